import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketApiError, MarketChatClient, type MarketChatClientOptions } from '../../src/client/index.js';
import { startYmchat, type Ymchat } from '../../src/testing/index.js';
import { DEMO } from '../../src/domain/demo.js';
import { PG_URL, dialects, noteSkippedPostgres, tempDir } from '../helpers/app.js';

noteSkippedPostgres();

/** A client of the sandbox that counts its HTTP requests and records its waits. */
function clientOf(sb: Ymchat, over: Partial<MarketChatClientOptions> = {}) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const client = new MarketChatClient({
    baseUrl: sb.url,
    apiKey: sb.keys.communication,
    businessId: sb.business,
    random: () => 0.5,
    now: sb.time.now,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      await sb.time.sleep(ms, signal);
    },
    fetch: async (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
    ...over,
  });
  return { client, calls, sleeps };
}

async function rejection(p: Promise<unknown>): Promise<MarketApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MarketApiError);
  return e as MarketApiError;
}

describe.each(dialects())('ymchat/client against the sandbox (%s)', (dialect) => {
  let sb: Ymchat;
  beforeAll(async () => {
    sb = await startYmchat({ database: dialect === 'postgres' ? PG_URL : 'sqlite', clock: '2026-11-21T10:20:00+03:00', notifications: false });
  });
  afterAll(() => sb?.close());

  it('getAuthTokenInfo and getCampaigns, with an Api-Key and with OAuth', async () => {
    const { client } = clientOf(sb);
    const info = await client.getAuthTokenInfo();
    expect(info.apiKey).toEqual({ name: 'demo-communication', authScopes: ['COMMUNICATION'] });
    const campaigns = await client.getCampaigns({ limit: 10 });
    expect(campaigns.campaigns.map((c) => c.id)).toEqual([DEMO.campaigns.fbs, DEMO.campaigns.dbs]);

    const oauth = clientOf(sb, { apiKey: undefined, oauthToken: sb.keys.oauth }).client;
    expect((await oauth.getCampaigns()).campaigns.map((c) => c.id)).toEqual([DEMO.campaigns.fbs, DEMO.campaigns.dbs]);
    expect((await oauth.getChat(DEMO.chats.order)).chatId).toBe(DEMO.chats.order);
    const legacy = clientOf(sb, { apiKey: undefined, oauthToken: sb.keys.oauth, oauthClientId: 'someone-else' }).client;
    expect((await rejection(legacy.getChat(DEMO.chats.order))).status).toBe(403);
  });

  it('getChat, createChat, sendMessageToChat, getChatMessage, getChatHistory', async () => {
    const { client } = clientOf(sb);
    const chat = await client.getChat(DEMO.chats.order);
    expect(chat).toMatchObject({ chatId: DEMO.chats.order, type: 'CHAT', context: { type: 'ORDER', orderId: DEMO.orders.first } });

    const { chatId } = await client.createChat({ type: 'ORDER', id: DEMO.orders.noChat });
    expect((await client.createChat({ context: { type: 'ORDER', id: DEMO.orders.noChat } })).chatId).toBe(chatId);
    expect((await client.getChat(chatId)).context).toMatchObject({ type: 'ORDER', orderId: DEMO.orders.noChat });

    await client.sendMessageToChat(chatId, 'Здравствуйте! Чем помочь?');
    const history = await client.getChatHistory(chatId);
    const last = history.messages[history.messages.length - 1];
    expect(last).toMatchObject({ sender: 'PARTNER', message: 'Здравствуйте! Чем помочь?' });
    expect(await client.getChatMessage(chatId, last.messageId)).toEqual(last);
    expect((await client.getChatHistory(chatId, { messageIdFrom: last.messageId })).messages).toEqual([last]);
  });

  it('sendFileToChat from a path, a Buffer and a stream', async () => {
    const { client } = clientOf(sb);
    const dir = tempDir();
    const file = path.join(dir, 'invoice.pdf');
    fs.writeFileSync(file, '%PDF-1.4 invoice');
    await client.sendFileToChat(DEMO.chats.direct, file);
    await client.sendFileToChat(DEMO.chats.direct, Buffer.from('photo bytes'), { fileName: 'photo.jpg' });
    await client.sendFileToChat(DEMO.chats.direct, fs.createReadStream(file));
    await client.sendFileToChat(DEMO.chats.direct, Readable.from([Buffer.from('a,b\n'), Buffer.from('1,2\n')]), { fileName: 'table.csv' });
    fs.rmSync(dir, { recursive: true, force: true });
    const messages = [];
    for await (const m of client.allMessages(DEMO.chats.direct)) messages.push(m);
    const files = messages.filter((m) => m.payload).map((m) => ({ sender: m.sender, name: m.payload![0].name, size: m.payload![0].size }));
    expect(files).toEqual([
      { sender: 'PARTNER', name: 'invoice.pdf', size: 16 },
      { sender: 'PARTNER', name: 'photo.jpg', size: 11 },
      { sender: 'PARTNER', name: 'invoice.pdf', size: 16 },
      { sender: 'PARTNER', name: 'table.csv', size: 8 },
    ]);
  });

  it('async iterators walk every page of getChats and getChatHistory', async () => {
    const { client, calls } = clientOf(sb);
    const all = (await client.getChats({}, { limit: 20 })).chats.map((c) => c.chatId);
    expect(all.length).toBeGreaterThan(4);
    calls.length = 0;
    const pages = [];
    for await (const page of client.getChatsPages({}, { limit: 2 })) pages.push(page.chats.map((c) => c.chatId));
    expect(pages.flat()).toEqual(all);
    expect(pages.length).toBe(Math.ceil(all.length / 2));
    expect(calls.length).toBe(pages.length);

    const filtered = [];
    for await (const c of client.allChats({ types: ['ARBITRAGE'] }, { limit: 1 })) filtered.push(c.chatId);
    expect(filtered).toEqual([DEMO.chats.arbitrage]);

    const whole = (await client.getChatHistory(DEMO.chats.order, { limit: 100 })).messages;
    const byOne = [];
    for await (const page of client.getChatHistoryPages(DEMO.chats.order, { limit: 1 })) byOne.push(...page.messages);
    expect(byOne).toEqual(whole);
    expect(whole.length).toBe(4);
  });

  it('typed errors carry Market code, message and status, and 400/401/403/404 are never retried', async () => {
    const { client, calls } = clientOf(sb);
    const notFound = await rejection(client.getChat(999));
    expect(notFound).toMatchObject({ status: 404, code: 'NOT_FOUND', message: "Can't find chat by id: '999'", operation: 'getChat', attempts: 1, retryable: false });
    expect(notFound.errors).toEqual([{ code: 'NOT_FOUND', message: "Can't find chat by id: '999'" }]);

    const badRequest = await rejection(client.sendMessageToChat(DEMO.chats.directFinished, 'hello?'));
    expect(badRequest.status).toBe(400);

    const unauthorized = await rejection(clientOf(sb, { apiKey: 'ACMA:nonsense:00000000' }).client.getChat(DEMO.chats.order));
    expect(unauthorized).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

    const forbidden = await rejection(clientOf(sb, { apiKey: sb.keys.pricingOnly }).client.getChat(DEMO.chats.order));
    expect(forbidden).toMatchObject({ status: 403, code: 'FORBIDDEN' });

    expect(calls).toEqual(['GET /v2/businesses/1000001/chat', 'POST /v2/businesses/1000001/chats/message']);
  });

  it('retries 500 and 503 injected through the control API with jittered backoff', async () => {
    const { client, calls, sleeps } = clientOf(sb, { retry: { baseDelayMs: 400, maxAttempts: 4 } });
    await sb.control.faults.add({ method: 'getChat', kind: 500, count: 1 });
    await sb.control.faults.add({ method: 'getChat', kind: 503, count: 1 });
    expect((await client.getChat(DEMO.chats.order)).chatId).toBe(DEMO.chats.order);
    expect(calls.length).toBe(3);
    // random() = 0.5: three quarters of 400, then of 800.
    expect(sleeps).toEqual([300, 600]);

    calls.length = 0;
    await sb.control.faults.add({ method: 'getChat', kind: 503, count: 10 });
    const e = await rejection(client.getChat(DEMO.chats.order));
    expect(e).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', attempts: 4 });
    expect(calls.length).toBe(4);
    await sb.control.faults.clear();

    const once = clientOf(sb, { retry: false });
    await sb.control.faults.add({ method: 'getChat', kind: 500, count: 1 });
    expect(await rejection(once.client.getChat(DEMO.chats.order))).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', attempts: 1 });
  });

  it('AbortSignal stops a call, also while it waits to retry', async () => {
    const controller = new AbortController();
    let requests = 0;
    const client = new MarketChatClient({
      baseUrl: sb.url,
      apiKey: sb.keys.communication,
      businessId: sb.business,
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
      fetch: async (input, init) => {
        requests++;
        const res = await fetch(input, init);
        controller.abort(new Error('stop'));
        return res;
      },
    });
    await sb.control.faults.add({ method: 'getChat', kind: 503, count: 2 });
    await expect(client.getChat(DEMO.chats.order, { signal: controller.signal })).rejects.toThrow('stop');
    expect(requests).toBe(1);
    await expect(client.getChat(DEMO.chats.order, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(requests).toBe(1);
    await sb.control.faults.clear();
  });
});

describe('ymchat/client waits out 420 on the virtual clock', () => {
  let sb: Ymchat;
  beforeAll(async () => {
    sb = await startYmchat({ clock: '2026-11-21T10:20:00+03:00', limits: { hourly: { getChat: 2 } }, notifications: false });
  });
  afterAll(() => sb?.close());

  it('waits until X-RateLimit-Resource-Until, then the call succeeds in the next window', async () => {
    const { client, calls, sleeps } = clientOf(sb, { retry: { budgetMs: 3_600_000 } });
    await client.getChat(DEMO.chats.order);
    await client.getChat(DEMO.chats.order);
    const before = sb.time.now();
    expect((await client.getChat(DEMO.chats.order)).chatId).toBe(DEMO.chats.order);
    expect(calls.length).toBe(4);
    // 10:20 → the window ends at 11:00 Moscow time; one second of margin.
    expect(sleeps).toEqual([40 * 60_000 + 1000]);
    expect(sb.time.now() - before).toBe(40 * 60_000 + 1000);
    expect((await sb.control.quotas.get({ method: 'getChat' })).quotas[0]).toMatchObject({ used: 1, remaining: 1 });
  });

  it('gives up with the 420 when the wait would exceed its budget', async () => {
    const { client, sleeps } = clientOf(sb, { retry: { budgetMs: 60_000 } });
    await client.getChat(DEMO.chats.order);
    const e = await rejection(client.getChat(DEMO.chats.order));
    expect(e).toMatchObject({ status: 420, code: 'METHOD_FAILURE', attempts: 1 });
    expect(e.retryAt?.toISOString()).toBe('2026-11-21T09:00:00.000Z');
    expect(sleeps).toEqual([]);
  });

  it('an injected 420 is waited out too', async () => {
    await sb.control.clock.advance('1h');
    const { client, sleeps } = clientOf(sb, { retry: { budgetMs: 3_600_000 } });
    await sb.control.faults.add({ method: 'getChat', kind: 420, count: 1 });
    expect((await client.getChat(DEMO.chats.order)).chatId).toBe(DEMO.chats.order);
    expect(sleeps.length).toBe(1);
  });
});
