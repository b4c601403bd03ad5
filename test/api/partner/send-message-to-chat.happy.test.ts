import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';

const send = (t: TestApp, chatId: number, message: string, suffix = '') =>
  t.app.inject({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats/message${suffix}?chatId=${chatId}`,
    headers: apiKey(),
    payload: { message },
  });

const getChat = async (t: TestApp, chatId: number) =>
  (await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${chatId}`, headers: apiKey() })).json().result;

/** The newest message of a chat: sendMessageToChat answers no id, as on Market. */
const lastMessageId = async (t: TestApp, chatId: number) =>
  (await t.services.storage.db.selectFrom('messages').select('id').where('chat_id', '=', chatId).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;

const getMessage = (t: TestApp, chatId: number, messageId: number) =>
  t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}&messageId=${messageId}`, headers: apiKey() });

const events = (t: TestApp) => t.services.storage.db.selectFrom('events').selectAll().orderBy('id').execute();

const MSK_T0 = '2026-11-21T10:00:00+03:00';

describe('sendMessageToChat', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('answers {"status":"OK"} and the message is there with sender PARTNER, text as sent', async () => {
    const text = 'Добрый день! Чехол добавим, отправим сегодня 🙂  ';
    const res = await send(t, DEMO.chats.order, text);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ status: 'OK' });
    const id = await lastMessageId(t, DEMO.chats.order);
    const msg = await getMessage(t, DEMO.chats.order, id);
    expect(msg.json()).toEqual({
      status: 'OK',
      result: { messageId: id, createdAt: MSK_T0, sender: 'PARTNER', message: text },
    });
  });

  it('moves a chat waiting for the partner to WAITING_FOR_CUSTOMER and stamps updatedAt', async () => {
    const before = await getChat(t, DEMO.chats.direct);
    expect(before.status).toBe('WAITING_FOR_PARTNER');
    t.clock.advance(90_000);
    expect((await send(t, DEMO.chats.direct, 'Да, подходят.')).statusCode).toBe(200);
    const after = await getChat(t, DEMO.chats.direct);
    expect(after).toEqual({ ...before, status: 'WAITING_FOR_CUSTOMER', updatedAt: '2026-11-21T10:01:30+03:00' });
  });

  it('keeps WAITING_FOR_CUSTOMER where the partner already answered, and still stamps updatedAt', async () => {
    t.clock.set(T0 + 120_000);
    expect((await send(t, DEMO.chats.orderWaiting, 'Напомню про фото.')).statusCode).toBe(200);
    const chat = await getChat(t, DEMO.chats.orderWaiting);
    expect(chat.status).toBe('WAITING_FOR_CUSTOMER');
    expect(chat.updatedAt).toBe('2026-11-21T10:02:00+03:00');
  });

  it('leaves a dispute waiting for the arbiter (the partner may still write there)', async () => {
    t.clock.set(T0 + 180_000);
    expect((await send(t, DEMO.chats.arbitrage, 'Прикладываем подпись курьера.')).statusCode).toBe(200);
    const chat = await getChat(t, DEMO.chats.arbitrage);
    expect(chat.type).toBe('ARBITRAGE');
    expect(chat.status).toBe('WAITING_FOR_ARBITER');
    expect(chat.updatedAt).toBe('2026-11-21T10:03:00+03:00');
  });

  it('accepts 1 and 4096 characters exactly', async () => {
    for (const text of ['a', 'я'.repeat(4096)]) {
      const res = await send(t, DEMO.chats.return, text);
      expect(res.statusCode).toBe(200);
      const id = await lastMessageId(t, DEMO.chats.return);
      expect((await getMessage(t, DEMO.chats.return, id)).json().result.message).toBe(text);
    }
  });

  it('takes the `.json` suffix and a body without Content-Type (sniffed as JSON)', async () => {
    expect((await send(t, DEMO.chats.order, 'с суффиксом', '.json')).statusCode).toBe(200);
    const bare = await t.app.inject({
      method: 'POST',
      url: `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`,
      headers: apiKey(),
      payload: Buffer.from('{"message":"без заголовка"}'),
    });
    expect(bare.statusCode).toBe(200);
    const id = await lastMessageId(t, DEMO.chats.order);
    expect((await getMessage(t, DEMO.chats.order, id)).json().result.message).toBe('без заголовка');
  });

  it('ignores unknown body fields', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`,
      headers: apiKey(),
      payload: { message: 'ok', chatId: 1, extra: [1, 2] },
    });
    expect(res.statusCode).toBe(200);
  });

  it("shows Market's quota headers: 1000 an hour", async () => {
    await t.services.limiter.quota.reset(BIZ);
    const res = await send(t, DEMO.chats.order, 'quota');
    expect(res.headers['x-ratelimit-resource-limit']).toBe('1000');
    expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
  });

  it('shares its path with getChatMessage: POST and GET both work, other verbs are 405', async () => {
    const url = `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`;
    expect((await send(t, DEMO.chats.order, 'post')).statusCode).toBe(200);
    const id = await lastMessageId(t, DEMO.chats.order);
    expect((await getMessage(t, DEMO.chats.order, id)).statusCode).toBe(200);
    for (const method of ['DELETE', 'PUT', 'PATCH'] as const) {
      const res = await t.app.inject({ method, url, headers: apiKey(), payload: { message: 'x' } });
      expect(res.statusCode).toBe(405);
      expect(res.json()).toEqual({
        status: 'ERROR',
        errors: [{ code: 'METHOD_NOT_ALLOWED', message: `Request method '${method}' not supported` }],
      });
    }
  });
});

describe('sendMessageToChat: CHAT_MESSAGE_SENT for own messages', () => {
  it('writes no notification by default (Market is silent on it; configurable)', async () => {
    const t = await buildTestApp();
    try {
      const before = (await events(t)).length;
      expect((await send(t, DEMO.chats.order, 'тихо')).statusCode).toBe(200);
      expect((await events(t)).length).toBe(before);
    } finally {
      await t.close();
    }
  });

  it('writes one CHAT_MESSAGE_SENT in the same change when notifyPartnerMessages is on', async () => {
    const t = await buildTestApp({ config: { notifyPartnerMessages: true } });
    try {
      const before = (await events(t)).length;
      expect((await send(t, DEMO.chats.order, 'громко')).statusCode).toBe(200);
      const after = await events(t);
      expect(after.length).toBe(before + 1);
      const id = await lastMessageId(t, DEMO.chats.order);
      const event = after[after.length - 1];
      expect(event.type).toBe('CHAT_MESSAGE_SENT');
      expect(JSON.parse(event.payload)).toEqual({
        notificationType: 'CHAT_MESSAGE_SENT',
        chatId: DEMO.chats.order,
        messageId: String(id),
        businessId: BIZ,
        sentAt: '2026-11-21T07:00:00.000Z',
      });
    } finally {
      await t.close();
    }
  });
});
