import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirectChat, postMessage } from '../../../src/domain/chat-actions.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';

const C = DEMO.chats;

function history(t: TestApp, chatId: number, body: unknown = {}, query = '') {
  return t.app.inject({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats/history?chatId=${chatId}${query}`,
    headers: { ...apiKey(), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

async function messageIds(t: TestApp, chatId: number, body: unknown = {}, query = ''): Promise<number[]> {
  const res = await history(t, chatId, body, query);
  expect(res.statusCode).toBe(200);
  return res.json().result.messages.map((m: { messageId: number }) => m.messageId);
}

/** Ids of a chat's messages as stored, ascending. */
async function storedIds(t: TestApp, chatId: number): Promise<number[]> {
  const rows = await t.services.storage.db.selectFrom('messages').select('id').where('chat_id', '=', chatId).orderBy('id').execute();
  return rows.map((r) => r.id);
}

const tokenOf = (nextId: number) => Buffer.from(JSON.stringify({ nextId })).toString('base64');

describe('getChatHistory: result', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('an ORDER chat: deprecated orderId, context, every message ascending, no next page', async () => {
    const ids = await storedIds(t, C.order);
    const res = await history(t, C.order);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'OK',
      result: {
        orderId: DEMO.orders.first,
        context: {
          type: 'ORDER',
          customer: { name: 'Anna K.', publicId: 'anna-k-4f2a9c' },
          campaignId: DEMO.campaigns.fbs,
          orderId: DEMO.orders.first,
        },
        messages: [
          { messageId: ids[0], createdAt: '2026-11-21T00:00:00+03:00', sender: 'MARKET', message: 'Покупатель начал чат по заказу 3000001.' },
          { messageId: ids[1], createdAt: '2026-11-21T00:10:00+03:00', sender: 'CUSTOMER', message: 'Здравствуйте! Когда передадите заказ в доставку?' },
          { messageId: ids[2], createdAt: '2026-11-21T03:20:00+03:00', sender: 'PARTNER', message: 'Добрый день! Сегодня до 18:00.' },
          { messageId: ids[3], createdAt: '2026-11-21T09:30:00+03:00', sender: 'CUSTOMER', message: 'Можно ли добавить в заказ чехол?' },
        ],
        paging: {},
      },
    });
  });

  it('a RETURN chat: orderId of the return’s order, returnId in the context', async () => {
    const res = await history(t, C.return);
    const result = res.json().result;
    expect(result.orderId).toBe(DEMO.orders.third);
    expect(result.context).toEqual({
      type: 'RETURN',
      customer: { name: 'Anna K.', publicId: 'anna-k-4f2a9c' },
      campaignId: DEMO.campaigns.fbs,
      orderId: DEMO.orders.third,
      returnId: DEMO.returns.first,
    });
    expect(result.messages).toHaveLength(1);
  });

  it('a DIRECT chat: no orderId, a context without order or store', async () => {
    const res = await history(t, C.directFinished);
    const result = res.json().result;
    expect(result).not.toHaveProperty('orderId');
    expect(result.context).toEqual({ type: 'DIRECT', customer: { publicId: 'hidden-1c9e' } });
    expect(result.messages.map((m: { sender: string }) => m.sender)).toEqual(['CUSTOMER', 'PARTNER', 'MARKET']);
  });

  it('an ARBITRAGE chat shows the support messages too', async () => {
    const res = await history(t, C.arbitrage);
    expect(res.json().result.messages.map((m: { sender: string }) => m.sender)).toEqual(['CUSTOMER', 'PARTNER', 'SUPPORT']);
  });

  it('a chat without messages: an empty list', async () => {
    const { chatId } = await openDirectChat(t.services.actions, BIZ, 6000001, 'Пустой чат', null);
    const res = await history(t, chatId);
    expect(res.json().result).toEqual({ context: { type: 'DIRECT', customer: { name: 'Anna K.', publicId: 'anna-k-4f2a9c' } }, messages: [], paging: {} });
  });

  it('files come as payload with a download link; a file-only message has no text', async () => {
    const ctx = t.services.actions;
    const { messageId } = await postMessage(ctx, BIZ, C.orderWaiting, 'CUSTOMER', null, [
      { name: 'photo 1.jpg', contentType: 'image/jpeg', data: new Uint8Array(1234) },
      { name: 'чек.pdf', contentType: 'application/pdf', data: new Uint8Array(10) },
    ]);
    const res = await history(t, C.orderWaiting, { messageIdFrom: messageId });
    const [m] = res.json().result.messages;
    expect(m).toEqual({
      messageId,
      createdAt: '2026-11-21T10:00:00+03:00',
      sender: 'CUSTOMER',
      payload: [
        { name: 'photo 1.jpg', url: expect.stringMatching(/^http:\/\/localhost(:80)?\/files\/\d+\/[0-9a-f]{24}\/photo%201\.jpg$/), size: 1234 },
        { name: 'чек.pdf', url: expect.stringMatching(/\/files\/\d+\/[0-9a-f]{24}\/%D1%87%D0%B5%D0%BA\.pdf$/), size: 10 },
      ],
    });
  });

  it('file links start with the configured public URL', async () => {
    const t2 = await buildTestApp({ config: { publicUrl: 'https://sandbox.example/ymchat/' } });
    try {
      const { messageId } = await postMessage(t2.services.actions, BIZ, C.order, 'PARTNER', 'Счёт', [
        { name: 'invoice.pdf', contentType: 'application/pdf', data: new Uint8Array(3) },
      ]);
      const [m] = (await history(t2, C.order, { messageIdFrom: messageId })).json().result.messages;
      expect(m.message).toBe('Счёт');
      expect(m.payload[0].url).toMatch(/^https:\/\/sandbox\.example\/ymchat\/files\/\d+\/[0-9a-f]{24}\/invoice\.pdf$/);
    } finally {
      await t2.close();
    }
  });
});

describe('getChatHistory: messageIdFrom and pagination', () => {
  let t: TestApp;
  let ids: number[];
  beforeAll(async () => {
    t = await buildTestApp();
    ids = await storedIds(t, C.order);
  });
  afterAll(async () => t.close());

  it('messageIdFrom is inclusive', async () => {
    expect(await messageIds(t, C.order, { messageIdFrom: ids[2] })).toEqual(ids.slice(2));
    expect(await messageIds(t, C.order, { messageIdFrom: ids[3] })).toEqual([ids[3]]);
  });

  it('messageIdFrom bounds by id only: an older id, or another chat’s message id, are fine', async () => {
    const other = await storedIds(t, C.orderWaiting);
    expect(other[0]).toBeGreaterThan(ids[3]);
    expect(await messageIds(t, C.order, { messageIdFrom: 1 })).toEqual(ids);
    expect(await messageIds(t, C.orderWaiting, { messageIdFrom: ids[3] })).toEqual(other);
  });

  it('messageIdFrom past the last message: nothing yet', async () => {
    const res = await history(t, C.order, { messageIdFrom: ids[3] + 1000 });
    expect(res.json().result.messages).toEqual([]);
    expect(res.json().result.paging).toEqual({});
    expect(await messageIds(t, C.order, { messageIdFrom: 2 ** 60 })).toEqual([]);
  });

  it('messageIdFrom null is no messageIdFrom', async () => {
    expect(await messageIds(t, C.order, { messageIdFrom: null })).toEqual(ids);
  });

  it('pages of `limit` messages; the token names the next message id; the last page has none', async () => {
    const first = await history(t, C.order, {}, '&limit=3');
    expect(first.json().result.messages.map((m: { messageId: number }) => m.messageId)).toEqual(ids.slice(0, 3));
    const token = first.json().result.paging.nextPageToken;
    expect(JSON.parse(Buffer.from(token, 'base64').toString())).toEqual({ nextId: ids[2] + 1 });
    const second = await history(t, C.order, {}, `&limit=3&pageToken=${encodeURIComponent(token)}`);
    expect(second.json().result.messages.map((m: { messageId: number }) => m.messageId)).toEqual([ids[3]]);
    expect(second.json().result.paging).toEqual({});
    // Every page carries the chat's context.
    expect(second.json().result.context.orderId).toBe(DEMO.orders.first);
  });

  it('page_token is an alias; an exact multiple of the limit ends without an empty page', async () => {
    const first = await history(t, C.order, {}, '&limit=2');
    const token = first.json().result.paging.nextPageToken;
    const second = await history(t, C.order, {}, `&limit=2&page_token=${encodeURIComponent(token)}`);
    expect(second.json().result.messages.map((m: { messageId: number }) => m.messageId)).toEqual(ids.slice(2));
    expect(second.json().result.paging).toEqual({});
  });

  it('the token and messageIdFrom both bound the page', async () => {
    expect(await messageIds(t, C.order, { messageIdFrom: ids[1] }, `&pageToken=${tokenOf(ids[3])}`)).toEqual([ids[3]]);
    expect(await messageIds(t, C.order, { messageIdFrom: ids[3] }, `&pageToken=${tokenOf(ids[1])}`)).toEqual([ids[3]]);
  });

  it('messages written between pages are appended, nothing is skipped or repeated', async () => {
    const first = await history(t, C.order, {}, '&limit=3');
    const token = first.json().result.paging.nextPageToken;
    const ctx = t.services.actions;
    t.clock.advance(60_000);
    const a = await postMessage(ctx, BIZ, C.order, 'PARTNER', 'Добавим чехол.');
    await postMessage(ctx, BIZ, C.orderWaiting, 'CUSTOMER', 'Не в этот чат.');
    const b = await postMessage(ctx, BIZ, C.order, 'CUSTOMER', 'Спасибо!');
    const second = await history(t, C.order, {}, `&limit=3&pageToken=${encodeURIComponent(token)}`);
    const seen = [...first.json().result.messages, ...second.json().result.messages].map((m: { messageId: number }) => m.messageId);
    expect(seen).toEqual([...ids, a.messageId, b.messageId]);
    expect(second.json().result.paging).toEqual({});
    expect(second.json().result.messages.at(-1)).toEqual({
      messageId: b.messageId,
      createdAt: '2026-11-21T10:01:00+03:00',
      sender: 'CUSTOMER',
      message: 'Спасибо!',
    });
  });

  it('limit defaults to 50 and may be 100', async () => {
    const ctx = t.services.actions;
    const { chatId } = await openDirectChat(ctx, BIZ, 6000002, 'Много сообщений', 'Первое');
    for (let i = 0; i < 59; i++) await postMessage(ctx, BIZ, chatId, i % 2 ? 'CUSTOMER' : 'PARTNER', `#${i}`);
    const all = await storedIds(t, chatId);
    expect(all).toHaveLength(60);
    const first = await history(t, chatId);
    expect(first.json().result.messages.map((m: { messageId: number }) => m.messageId)).toEqual(all.slice(0, 50));
    const rest = await history(t, chatId, {}, `&pageToken=${encodeURIComponent(first.json().result.paging.nextPageToken)}`);
    expect(rest.json().result.messages.map((m: { messageId: number }) => m.messageId)).toEqual(all.slice(50));
    expect(await messageIds(t, chatId, {}, '&limit=100')).toEqual(all);
  });
});

describe('getChatHistory: deprecated orderId shuts down on 2026-10-12, a week before getChat’s', () => {
  it('on 2026-10-11 the history still carries orderId', async () => {
    const t = await buildTestApp({ config: { compatDate: '2026-10-11' } });
    try {
      expect((await history(t, C.order)).json().result.orderId).toBe(DEMO.orders.first);
    } finally {
      await t.close();
    }
  });

  it('from 2026-10-12 on it is gone, while getChats keeps its orderId until 2026-10-19', async () => {
    const t = await buildTestApp({ config: { compatDate: '2026-10-12' } });
    try {
      const result = (await history(t, C.order)).json().result;
      expect(result).not.toHaveProperty('orderId');
      expect(result.context.orderId).toBe(DEMO.orders.first);
      const chats = await t.app.inject({ method: 'POST', url: `/v2/businesses/${BIZ}/chats`, headers: apiKey(), payload: { contexts: [{ type: 'ORDER', id: DEMO.orders.first }] } });
      expect(chats.json().result.chats[0].orderId).toBe(DEMO.orders.first);
    } finally {
      await t.close();
    }
  });
});
