import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, type ListeningReceiver, type Notification, type NotificationReceiver } from '../../src/receiver/index.js';
import { startYmchat, type Ymchat } from '../../src/testing/index.js';
import { DEMO } from '../../src/domain/demo.js';
import { PING_TIMEOUT_MS, NOTIFICATION_TIMEOUT_MS, sendNotification } from '../../src/notify/send.js';
import { chatCreatedPayload, messageSentPayload } from '../../src/domain/events.js';

const T = Date.parse('2026-11-21T07:00:00Z');

/** A receiver that records what each typed handler got. */
function recordingReceiver(opts: Parameters<typeof createReceiver>[0] = {}) {
  const got: { handler: string; n: Notification }[] = [];
  const rec = (handler: string) => (n: Notification) => {
    got.push({ handler, n });
  };
  const receiver = createReceiver({
    name: 'test-shop',
    version: '2.0',
    onPing: rec('onPing'),
    onChatCreated: rec('onChatCreated'),
    onMessageSent: rec('onMessageSent'),
    onArbitrageStarted: rec('onArbitrageStarted'),
    onArbitrageFinished: rec('onArbitrageFinished'),
    ...opts,
  });
  return { receiver, got };
}

describe("ymchat/receiver against ymchat's notification sender", () => {
  let sb: Ymchat;
  let receiver: NotificationReceiver;
  let got: { handler: string; n: Notification }[];
  let listening: ListeningReceiver;

  beforeAll(async () => {
    // No background sender: flush delivers, so each step knows its notifications have arrived.
    sb = await startYmchat({ clock: T, notifications: false });
    ({ receiver, got } = recordingReceiver());
    listening = await receiver.listen({ path: '/market/notifications' });
  });
  afterAll(async () => {
    await listening?.close();
    await sb?.close();
  });

  const deliver = async () => {
    await sb.control.notifications.flush();
    await receiver.idle();
  };

  it('answers the PING of a new subscription, which is then enabled', async () => {
    const sub = await sb.control.subscriptions.create(listening.url);
    expect(sub).toMatchObject({ enabled: true, disabledReason: null });
    await receiver.idle();
    expect(got.map((g) => g.handler)).toEqual(['onPing']);
    expect(got[0].n).toEqual({ notificationType: 'PING', time: '2026-11-21T07:00:00.000Z' });
  });

  it('calls the typed handler of each chat event', async () => {
    got.length = 0;
    const { chat, messageId } = await sb.control.buyer.startDirect({ buyerId: 6000001, subject: 'Кабель', message: 'Есть в наличии?' });
    await deliver();
    await sb.control.disputes.open(DEMO.chats.order);
    await deliver();
    await sb.control.disputes.close(DEMO.chats.order);
    await deliver();
    expect(got.map((g) => g.handler)).toEqual(['onChatCreated', 'onMessageSent', 'onArbitrageStarted', 'onArbitrageFinished']);
    const at = '2026-11-21T07:00:00.000Z';
    expect(got.map((g) => g.n)).toEqual([
      { notificationType: 'CHAT_CREATED', chatId: chat.chatId, businessId: DEMO.businessId, createdAt: at },
      { notificationType: 'CHAT_MESSAGE_SENT', chatId: chat.chatId, messageId: String(messageId), businessId: DEMO.businessId, sentAt: at },
      { notificationType: 'CHAT_ARBITRAGE_STARTED', chatId: DEMO.chats.order, businessId: DEMO.businessId, startedAt: at },
      { notificationType: 'CHAT_ARBITRAGE_FINISHED', chatId: DEMO.chats.order, businessId: DEMO.businessId, finishedAt: at },
    ]);
    const log = await sb.control.notifications.deliveries();
    expect(log.map((a) => [a.notificationType, a.outcome])).toEqual([
      ['CHAT_ARBITRAGE_FINISHED', 'DELIVERED'],
      ['CHAT_ARBITRAGE_STARTED', 'DELIVERED'],
      ['CHAT_MESSAGE_SENT', 'DELIVERED'],
      ['CHAT_CREATED', 'DELIVERED'],
      ['PING', 'DELIVERED'],
    ]);
  });

  it('refuses malformed notifications with 400 WRONG_EVENT_FORMAT, which the sender reads as a refusal', async () => {
    got.length = 0;
    const bodies: [string, string][] = [
      ['{"notificationType":"CHAT_CREATED","chatId":"5","businessId":1000001,"createdAt":"2026-11-21T07:00:00Z"}', "CHAT_CREATED: 'chatId' must be integer"],
      ['{"notificationType":"CHAT_MESSAGE_SENT","chatId":5,"businessId":1000001,"sentAt":"2026-11-21T07:00:00Z"}', 'CHAT_MESSAGE_SENT: The body must have required properties messageId'],
      ['{"notificationType":"CHAT_CREATED","chatId":5,"businessId":1000001,"createdAt":"yesterday"}', "CHAT_CREATED: 'createdAt' must match format \"date-time\""],
      ['{"notificationType":"CHAT_DELETED","chatId":5}', "Unknown notificationType 'CHAT_DELETED'"],
      ['{"chatId":5}', "'notificationType' is missing"],
      ['[1,2]', 'The body is not a JSON object'],
      ['{"notificationType":', 'The body is not JSON'],
      ['', 'The body is empty'],
    ];
    for (const [body, message] of bodies) {
      const r = await sendNotification(listening.url, body, NOTIFICATION_TIMEOUT_MS);
      expect(r).toMatchObject({ kind: 'REJECTED', httpStatus: 400, errorType: 'WRONG_EVENT_FORMAT' });
      expect(r.message).toContain(message);
    }
    const res = await fetch(listening.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"chatId":5}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { type: 'WRONG_EVENT_FORMAT', message: "'notificationType' is missing" } });
    expect(got).toEqual([]);
  });

  it('accepts a repeat of an event without calling its handler again', async () => {
    got.length = 0;
    const body = JSON.stringify(messageSentPayload(DEMO.businessId, DEMO.chats.order, 77, T));
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(body)).reverse()));
    for (const b of [body, body, reordered]) {
      expect(await sendNotification(listening.url, b, NOTIFICATION_TIMEOUT_MS)).toMatchObject({ kind: 'ACCEPTED' });
    }
    await receiver.idle();
    expect(got.map((g) => g.handler)).toEqual(['onMessageSent']);
    // A PING is never a repeat.
    const ping = JSON.stringify({ notificationType: 'PING', time: '2026-11-21T07:00:00.000Z' });
    await sendNotification(listening.url, ping, PING_TIMEOUT_MS);
    await sendNotification(listening.url, ping, PING_TIMEOUT_MS);
    await receiver.idle();
    expect(got.map((g) => g.handler)).toEqual(['onMessageSent', 'onPing', 'onPing']);
  });

  it('answers {version, name, time} and 405 for other verbs', async () => {
    const res = await fetch(listening.url, { method: 'POST', body: JSON.stringify({ notificationType: 'PING' }) });
    expect(res.status).toBe(200);
    const answer: any = await res.json();
    expect(answer).toMatchObject({ version: '2.0', name: 'test-shop' });
    expect(Number.isNaN(Date.parse(answer.time))).toBe(false);
    expect((await fetch(listening.url)).status).toBe(405);
    expect((await fetch(listening.url.replace('/market/notifications', '/other'), { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

describe('ymchat/receiver behaviour', () => {
  it('answers a PING at once while its handler is still running', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const receiver = createReceiver({ onPing: () => held });
    const l = await receiver.listen();
    const r = await sendNotification(l.url, JSON.stringify({ notificationType: 'PING', time: new Date().toISOString() }), PING_TIMEOUT_MS);
    expect(r.kind).toBe('ACCEPTED');
    let idle = false;
    const waiting = receiver.idle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    release();
    await waiting;
    await l.close();
  });

  it("answer: 'after-handlers' answers 500 when a handler throws, and the retry runs it again", async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const receiver = createReceiver({
      answer: 'after-handlers',
      onChatCreated: () => {
        calls++;
        if (calls === 1) throw new Error('database is down');
      },
      onError: (e) => errors.push(e),
    });
    const body = chatCreatedPayload(DEMO.businessId, 123, T);
    expect((await receiver.receive(body)).status).toBe(500);
    expect((await receiver.receive(body)).status).toBe(200);
    expect((await receiver.receive(body)).duplicate).toBe(true);
    expect(calls).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['database is down']);
  });

  it('remembers a bounded number of events', async () => {
    let calls = 0;
    const receiver = createReceiver({ dedupeSize: 2, onChatCreated: () => void calls++ });
    for (const chatId of [1, 2, 1, 3, 4, 1]) await receiver.receive(chatCreatedPayload(DEMO.businessId, chatId, T));
    // 1, 2, (1 repeat), 3 forgets 2, 4 forgets 1, then 1 is new again.
    expect(calls).toBe(5);
  });

  it("passes Market's other notification types to onNotification", async () => {
    const seen: string[] = [];
    const receiver = createReceiver({ onNotification: (n) => void seen.push(n.notificationType) });
    const answer = await receiver.receive(JSON.stringify({ notificationType: 'ORDER_CREATED', campaignId: 1, orderId: 2 }));
    await receiver.idle();
    expect(answer.status).toBe(200);
    expect(seen).toEqual(['ORDER_CREATED']);
  });

  it('the Fastify adapter reads bodies itself and answers in the notification API words', async () => {
    const { receiver, got } = recordingReceiver();
    const app = Fastify();
    await app.register(receiver.fastify, { path: '/hooks/market' });
    const ok = await app.inject({ method: 'POST', url: '/hooks/market', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(chatCreatedPayload(1, 5, T)) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ name: 'test-shop', version: '2.0' });
    const bad = await app.inject({ method: 'POST', url: '/hooks/market', headers: { 'content-type': 'application/json' }, payload: '{oops' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.type).toBe('WRONG_EVENT_FORMAT');
    await receiver.idle();
    expect(got.map((g) => g.handler)).toEqual(['onChatCreated']);
    await app.close();
  });

  it('the Express adapter takes a body parsed before it, or reads the body itself', async () => {
    const { receiver, got } = recordingReceiver();
    // The (req, res, next) signature of Express, with and without a JSON body parser in front.
    const server = http.createServer((req, res) => {
      if (req.url === '/parsed') {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          (req as typeof req & { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString());
          receiver.express(req, res, (e) => res.end(String(e)));
        });
      } else receiver.express(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [p, chatId] of [['/parsed', 1], ['/raw', 2]] as const) {
      const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatCreatedPayload(1, chatId, T)) });
      expect(res.status).toBe(200);
    }
    const bad = await fetch(base + '/raw', { method: 'POST', body: '{"notificationType":"CHAT_CREATED"}' });
    expect(bad.status).toBe(400);
    await receiver.idle();
    expect(got.map((g) => (g.n as { chatId: number }).chatId)).toEqual([1, 2]);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
