import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';

function createChat(t: TestApp, body: unknown, key: string = DEMO.keys.communication) {
  return t.app.inject({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats/new`,
    headers: { ...apiKey(key), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

const getChat = (t: TestApp, chatId: number) =>
  t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${chatId}`, headers: apiKey() });

async function events(t: TestApp) {
  const rows = await t.services.storage.db.selectFrom('events').select(['type', 'payload', 'business_id']).orderBy('id').execute();
  return rows.map((r) => ({ type: r.type, businessId: r.business_id, payload: JSON.parse(r.payload) }));
}

describe('createChat', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  let orderChat: number;

  it('opens a chat about an order: CHAT / NEW, created now, announced by CHAT_CREATED', async () => {
    const res = await createChat(t, { context: { type: 'ORDER', id: DEMO.orders.noChat } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ status: 'OK', result: { chatId: expect.any(Number) } });
    orderChat = body.result.chatId;
    expect(orderChat).toBeGreaterThan(DEMO.chats.arbitrage);

    const chat = await getChat(t, orderChat);
    expect(chat.json().result).toEqual({
      chatId: orderChat,
      orderId: DEMO.orders.noChat,
      context: {
        type: 'ORDER',
        customer: { publicId: 'hidden-1c9e' },
        campaignId: DEMO.campaigns.fbs,
        orderId: DEMO.orders.noChat,
      },
      type: 'CHAT',
      status: 'NEW',
      createdAt: '2026-11-21T10:00:00+03:00',
      updatedAt: '2026-11-21T10:00:00+03:00',
    });
    expect(await events(t)).toEqual([
      {
        type: 'CHAT_CREATED',
        businessId: BIZ,
        payload: { notificationType: 'CHAT_CREATED', chatId: orderChat, businessId: BIZ, createdAt: new Date(T0).toISOString() },
      },
    ]);
  });

  it('a second call for the same order returns the same chat and announces nothing', async () => {
    t.clock.advance(60_000);
    const res = await createChat(t, { context: { type: 'ORDER', id: DEMO.orders.noChat } });
    expect(res.json()).toEqual({ status: 'OK', result: { chatId: orderChat } });
    expect(await events(t)).toHaveLength(1);
    expect((await getChat(t, orderChat)).json().result.createdAt).toBe('2026-11-21T10:00:00+03:00');
  });

  it('an order that already has a chat (the demo one) returns it unchanged', async () => {
    const res = await createChat(t, { context: { type: 'ORDER', id: DEMO.orders.first } });
    expect(res.json()).toEqual({ status: 'OK', result: { chatId: DEMO.chats.order } });
    expect((await getChat(t, DEMO.chats.order)).json().result.status).toBe('WAITING_FOR_PARTNER');
    expect(await events(t)).toHaveLength(1);
  });

  it('the RETURN chat of an order that also has an ORDER chat: an existing return chat is returned', async () => {
    const res = await createChat(t, { context: { type: 'RETURN', id: DEMO.returns.first } });
    expect(res.json()).toEqual({ status: 'OK', result: { chatId: DEMO.chats.return } });
  });

  it('opens a chat about a return of an FBS store, with the return and its order in the context', async () => {
    const res = await createChat(t, { context: { type: 'RETURN', id: DEMO.returns.noChat } });
    expect(res.statusCode).toBe(200);
    const chatId = res.json().result.chatId;
    expect(chatId).not.toBe(orderChat);
    const chat = (await getChat(t, chatId)).json().result;
    expect(chat).toMatchObject({
      chatId,
      orderId: DEMO.orders.second,
      context: {
        type: 'RETURN',
        customer: { name: 'Ivan P.', publicId: 'ivan-p-77b0d1' },
        campaignId: DEMO.campaigns.fbs,
        orderId: DEMO.orders.second,
        returnId: DEMO.returns.noChat,
      },
      type: 'CHAT',
      status: 'NEW',
    });
    const evs = await events(t);
    expect(evs.at(-1)).toMatchObject({ type: 'CHAT_CREATED', payload: { chatId } });
    // The order of that return has no ORDER chat yet: the RETURN chat is not it.
    const orderOfReturn = await createChat(t, { context: { type: 'ORDER', id: DEMO.orders.second } });
    expect(orderOfReturn.json().result.chatId).toBe(DEMO.chats.orderWaiting);
  });

  it('getChats finds the new chats by their contexts', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/businesses/${BIZ}/chats`,
      headers: apiKey(),
      payload: { contexts: [{ type: 'ORDER', id: DEMO.orders.noChat }], statuses: ['NEW'] },
    });
    expect(res.json().result.chats.map((c: { chatId: number }) => c.chatId)).toEqual([orderChat]);
  });

  it('the all-methods key may create chats too', async () => {
    const res = await createChat(t, { context: { type: 'ORDER', id: DEMO.orders.noChat } }, DEMO.keys.allMethods);
    expect(res.json().result.chatId).toBe(orderChat);
  });

  it('null fields are absent fields: context wins over a null orderId', async () => {
    const res = await createChat(t, { orderId: null, context: { type: 'ORDER', id: DEMO.orders.noChat } });
    expect(res.json()).toEqual({ status: 'OK', result: { chatId: orderChat } });
  });
});

describe('createChat: deprecated orderId and the compatibility date', () => {
  it('before the shutdown, orderId alone means {type: ORDER, id}', async () => {
    const t = await buildTestApp();
    try {
      const viaOrderId = await createChat(t, { orderId: DEMO.orders.noChat });
      expect(viaOrderId.statusCode).toBe(200);
      const viaContext = await createChat(t, { context: { type: 'ORDER', id: DEMO.orders.noChat } });
      expect(viaContext.json().result.chatId).toBe(viaOrderId.json().result.chatId);
      expect((await getChat(t, viaOrderId.json().result.chatId)).json().result.context.type).toBe('ORDER');
      expect(await createChat(t, { orderId: DEMO.orders.first }).then((r) => r.json().result.chatId)).toBe(DEMO.chats.order);
    } finally {
      await t.close();
    }
  });

  it('with both, context wins (it replaces orderId)', async () => {
    const t = await buildTestApp({ config: { compatDate: '2026-10-18' } });
    try {
      const res = await createChat(t, { orderId: DEMO.orders.first, context: { type: 'ORDER', id: DEMO.orders.second } });
      expect(res.json().result.chatId).toBe(DEMO.chats.orderWaiting);
    } finally {
      await t.close();
    }
  });

  it('from 2026-10-19 on, orderId is refused and nothing is created', async () => {
    const t = await buildTestApp({ config: { compatDate: '2026-10-19' } });
    try {
      const res = await createChat(t, { orderId: DEMO.orders.noChat });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        status: 'ERROR',
        errors: [{ code: 'BAD_REQUEST', message: "'orderId' is no longer supported since 2026-10-19, use 'context' instead" }],
      });
      expect(await events(t)).toEqual([]);
      const ok = await createChat(t, { context: { type: 'ORDER', id: DEMO.orders.noChat } });
      expect(ok.statusCode).toBe(200);
      expect((await getChat(t, ok.json().result.chatId)).json().result).not.toHaveProperty('orderId');
    } finally {
      await t.close();
    }
  });
});
