import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_DIALECT, type TestApp } from '../helpers/app.js';
import { admin } from '../helpers/control.js';
import { BIZ, DEMO, KEY } from '../helpers/demo.js';

/**
 * Concurrent requests over real HTTP against one chat: every transition happens once, no chat
 * ends in a state no order of the requests could give, and every event is written once. Runs on
 * the database of the pass (SQLite, then PostgreSQL under `npm test`).
 */
describe(`races on one chat (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await buildTestApp({ config: { limits: { enabled: false, parallel: 4, hourly: {} }, notifyPartnerMessages: true } });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t.close());

  const post = (path: string, body?: unknown, headers: Record<string, string> = admin) =>
    fetch(base + path, {
      method: 'POST',
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  const sellerSend = (chatId: number, text: string) => post(`/v2/businesses/${BIZ}/chats/message?chatId=${chatId}`, { message: text }, { 'api-key': KEY });
  const buyerSend = (chatId: number, text: string) => post(`/_sandbox/chats/${chatId}/messages`, { text, sender: 'CUSTOMER' });
  const chatRow = (chatId: number) => t.services.storage.db.selectFrom('chats').select(['type', 'status']).where('id', '=', chatId).executeTakeFirstOrThrow();
  const messages = (chatId: number) => t.services.storage.db.selectFrom('messages').select(['id', 'sender']).where('chat_id', '=', chatId).orderBy('id').execute();
  const events = async (chatId: number, type?: string) =>
    (await t.services.storage.db.selectFrom('events').select(['type', 'payload']).orderBy('id').execute())
      .map((e) => ({ type: e.type, ...JSON.parse(e.payload) }))
      .filter((e) => e.chatId === chatId && (type === undefined || e.type === type));

  it('finish against 20 concurrent sends: FINISHED, and only messages accepted before it are stored', async () => {
    for (const chatId of [DEMO.chats.order, DEMO.chats.orderWaiting]) {
      const before = (await messages(chatId)).length;
      const sentBefore = (await events(chatId, 'CHAT_MESSAGE_SENT')).length;
      const sends = Array.from({ length: 20 }, (_, i) => (i % 2 ? sellerSend(chatId, `s${i}`) : buyerSend(chatId, `b${i}`)));
      const finish = post(`/_sandbox/chats/${chatId}/finish`);
      const answers = await Promise.all([...sends, finish]);
      const finishStatus = answers[20].status;
      expect(finishStatus).toBe(200);
      const accepted = answers.slice(0, 20).filter((r) => r.status === 200 || r.status === 201).length;
      for (const r of answers.slice(0, 20)) expect([200, 201, 400, 409]).toContain(r.status);
      expect(await chatRow(chatId)).toMatchObject({ status: 'FINISHED' });
      expect((await messages(chatId)).length - before).toBe(accepted);
      expect((await events(chatId, 'CHAT_MESSAGE_SENT')).length).toBe(sentBefore + accepted);
      // A late write is refused, and nothing changes any more.
      expect((await sellerSend(chatId, 'late')).status).toBe(400);
      expect(await chatRow(chatId)).toMatchObject({ status: 'FINISHED' });
    }
  });

  it('10 concurrent dispute opens: one 200, nine 409, one CHAT_ARBITRAGE_STARTED; then the same for closes', async () => {
    const opened = await post(`/_sandbox/orders/${DEMO.orders.noChat}/chat`, { message: 'Where is my parcel?' });
    const chatId: number = ((await opened.json()) as any).chat.chatId;
    const opens = await Promise.all(Array.from({ length: 10 }, () => post(`/_sandbox/chats/${chatId}/dispute`)));
    expect(opens.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    expect(await chatRow(chatId)).toEqual({ type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' });
    expect(await events(chatId, 'CHAT_ARBITRAGE_STARTED')).toHaveLength(1);

    // Messages while the dispute is open keep it with the arbiter, whatever runs at the same time.
    const mixed = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => (i % 2 ? sellerSend(chatId, `s${i}`) : buyerSend(chatId, `b${i}`))),
      ...Array.from({ length: 10 }, () => post(`/_sandbox/chats/${chatId}/dispute/close`)),
    ]);
    const closes = mixed.slice(10).map((r) => r.status);
    expect(closes.sort()).toEqual([200, ...Array(9).fill(409)]);
    expect(await chatRow(chatId)).toEqual({ type: 'ARBITRAGE', status: 'FINISHED' });
    expect(await events(chatId, 'CHAT_ARBITRAGE_FINISHED')).toHaveLength(1);
  });

  it('opening a dispute while sends run ends ARBITRAGE / WAITING_FOR_ARBITER', async () => {
    const chatId = DEMO.chats.return;
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => (i % 2 ? sellerSend(chatId, `s${i}`) : buyerSend(chatId, `b${i}`))),
      post(`/_sandbox/chats/${chatId}/dispute`),
    ]);
    expect(answers.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(await chatRow(chatId)).toEqual({ type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' });
    expect(await events(chatId, 'CHAT_ARBITRAGE_STARTED')).toHaveLength(1);
  });

  it('50 concurrent sends: all stored with unique ids, the status follows the last one', async () => {
    const opened = await post(`/_sandbox/chats/direct`, { businessId: BIZ, buyerId: 6000001, message: 'Hello?' });
    const chatId: number = ((await opened.json()) as any).chat.chatId;
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? sellerSend(chatId, `s${i}`) : buyerSend(chatId, `b${i}`))));
    expect(answers.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    const stored = await messages(chatId);
    expect(stored).toHaveLength(51);
    expect(new Set(stored.map((m) => m.id)).size).toBe(51);
    const last = stored[stored.length - 1];
    expect((await chatRow(chatId)).status).toBe(last.sender === 'PARTNER' ? 'WAITING_FOR_CUSTOMER' : 'WAITING_FOR_PARTNER');
    const sent = await events(chatId, 'CHAT_MESSAGE_SENT');
    expect(sent).toHaveLength(51);
    expect(new Set(sent.map((e) => e.messageId)).size).toBe(51);
  });

  it('20 concurrent createChat for one order: one chat, one CHAT_CREATED', async () => {
    const ret = DEMO.returns.noChat;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(`/v2/businesses/${BIZ}/chats/new`, { context: { type: 'RETURN', id: ret } }, { 'api-key': KEY })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as any).result.chatId)));
    expect(ids.size).toBe(1);
    const [chatId] = [...ids];
    const rows = await t.services.storage.db.selectFrom('chats').select('id').where('return_id', '=', ret).execute();
    expect(rows).toHaveLength(1);
    expect(await events(chatId, 'CHAT_CREATED')).toHaveLength(1);
  });
});
