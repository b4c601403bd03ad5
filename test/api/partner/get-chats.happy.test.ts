import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDirectChat, postMessage } from '../../../src/domain/chat-actions.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';

const C = DEMO.chats;
/** Every chat of the demo business, newest (highest id) first. */
const ALL = [C.arbitrage, C.directFinished, C.direct, C.return, C.orderWaiting, C.order];

function getChats(t: TestApp, body: unknown, query = '', headers: Record<string, string> = apiKey()) {
  return t.app.inject({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats${query}`,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

async function ids(t: TestApp, body: unknown, query = ''): Promise<number[]> {
  const res = await getChats(t, body, query);
  expect(res.statusCode).toBe(200);
  return res.json().result.chats.map((c: { chatId: number }) => c.chatId);
}

const tokenOf = (nextId: number) => Buffer.from(JSON.stringify({ nextId })).toString('base64');

describe('getChats: result shape and order', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('an empty filter returns every chat of the business, newest chatId first, without a next page', async () => {
    const res = await getChats(t, {});
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('OK');
    expect(body.result.chats.map((c: { chatId: number }) => c.chatId)).toEqual(ALL);
    expect(body.result.paging).toEqual({});
  });

  it('each chat is the GetChatInfoDTO getChat returns', async () => {
    const res = await getChats(t, {});
    const returnChat = res.json().result.chats.find((c: { chatId: number }) => c.chatId === C.return);
    expect(returnChat).toEqual({
      chatId: C.return,
      orderId: DEMO.orders.third,
      context: {
        type: 'RETURN',
        customer: { name: 'Anna K.', publicId: 'anna-k-4f2a9c' },
        campaignId: DEMO.campaigns.fbs,
        orderId: DEMO.orders.third,
        returnId: DEMO.returns.first,
      },
      type: 'CHAT',
      status: 'WAITING_FOR_PARTNER',
      createdAt: '2026-11-21T03:20:00+03:00',
      updatedAt: '2026-11-21T09:15:00+03:00',
    });
    for (const chat of res.json().result.chats) {
      const single = await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${chat.chatId}`, headers: apiKey() });
      expect(chat).toEqual(single.json().result);
    }
  });

  it("never shows another business's chats", async () => {
    const res = await getChats(t, {}, '', apiKey(DEMO.keys.otherBusiness));
    expect(res.statusCode).toBe(403);
    expect(await ids(t, { orderIds: [3000006] })).toEqual([]);
  });

  it('accepts the .json suffix', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/businesses/${BIZ}/chats.json`,
      headers: { ...apiKey(), 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.chats).toHaveLength(ALL.length);
  });

  it('sniffs a body sent without Content-Type as JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/businesses/${BIZ}/chats`,
      headers: apiKey(),
      payload: '{"types":["ARBITRAGE"]}',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.chats.map((c: { chatId: number }) => c.chatId)).toEqual([C.arbitrage]);
  });
});

describe('getChats: filters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  const cases: [string, unknown, number[]][] = [
    ['contexts: an ORDER context matches the chat of that order', { contexts: [{ type: 'ORDER', id: DEMO.orders.first }] }, [C.order]],
    ['contexts: a RETURN context matches the chat of that return', { contexts: [{ type: 'RETURN', id: DEMO.returns.first }] }, [C.return]],
    [
      'contexts: an ORDER context does not match the RETURN chat of the same order',
      { contexts: [{ type: 'ORDER', id: DEMO.orders.third }] },
      [],
    ],
    [
      'contexts: a RETURN context with an order id matches nothing',
      { contexts: [{ type: 'RETURN', id: DEMO.orders.first }] },
      [],
    ],
    [
      'contexts: several contexts are OR-ed, across both types',
      {
        contexts: [
          { type: 'ORDER', id: DEMO.orders.second },
          { type: 'RETURN', id: DEMO.returns.first },
          { type: 'ORDER', id: DEMO.orders.noChat },
        ],
      },
      [C.return, C.orderWaiting],
    ],
    ['contextTypes: DIRECT', { contextTypes: ['DIRECT'] }, [C.directFinished, C.direct]],
    ['contextTypes: ORDER or RETURN', { contextTypes: ['RETURN', 'ORDER'] }, [C.arbitrage, C.return, C.orderWaiting, C.order]],
    ['types: ARBITRAGE', { types: ['ARBITRAGE'] }, [C.arbitrage]],
    ['types: CHAT', { types: ['CHAT'] }, [C.directFinished, C.direct, C.return, C.orderWaiting, C.order]],
    ['statuses: WAITING_FOR_PARTNER', { statuses: ['WAITING_FOR_PARTNER'] }, [C.direct, C.return, C.order]],
    ['statuses: two values are OR-ed', { statuses: ['FINISHED', 'WAITING_FOR_CUSTOMER'] }, [C.directFinished, C.orderWaiting]],
    ['statuses: a status no chat has', { statuses: ['WAITING_FOR_MARKET'] }, []],
    [
      'orderIds (deprecated): chats of those orders, ORDER and RETURN alike',
      { orderIds: [DEMO.orders.third, DEMO.orders.first, 999] },
      [C.return, C.order],
    ],
    ['orderIds: an id beyond 2^53 matches nothing', { orderIds: [2 ** 60] }, []],
    [
      'AND across fields: WAITING_FOR_PARTNER and ORDER',
      { statuses: ['WAITING_FOR_PARTNER'], contextTypes: ['ORDER'] },
      [C.order],
    ],
    [
      'AND across fields: contexts and statuses that exclude each other',
      { contexts: [{ type: 'ORDER', id: DEMO.orders.first }], statuses: ['FINISHED'] },
      [],
    ],
    [
      'AND across fields: orderIds and contexts must both match',
      { orderIds: [DEMO.orders.third], contexts: [{ type: 'RETURN', id: DEMO.returns.first }], types: ['CHAT'] },
      [C.return],
    ],
    [
      'null filters are no filters',
      { orderIds: null, contexts: null, contextTypes: null, types: null, statuses: null },
      ALL,
    ],
    ['unknown fields are ignored', { somethingElse: [1], statuses: ['FINISHED'] }, [C.directFinished]],
  ];
  for (const [name, body, expected] of cases) {
    it(name, async () => {
      expect(await ids(t, body)).toEqual(expected);
    });
  }

  it('a filter list as long as a 512 KB body allows is served (no bound-parameter limit)', async () => {
    const many = Array.from({ length: 40_000 }, (_, i) => 1_000_000_000 + i);
    many.push(DEMO.orders.second);
    const contexts = Array.from({ length: 15_000 }, (_, i) => ({ type: i % 2 ? 'ORDER' : 'RETURN', id: 2_000_000_000 + i }));
    contexts.push({ type: 'ORDER', id: DEMO.orders.second });
    expect(await ids(t, { orderIds: many })).toEqual([C.orderWaiting]);
    expect(await ids(t, { contexts })).toEqual([C.orderWaiting]);
  });
});

describe('getChats: pagination', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  async function walk(body: unknown, limit: number, param = 'pageToken'): Promise<{ pages: number[][]; tokens: string[] }> {
    const pages: number[][] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 50; i++) {
      const query = `?limit=${limit}${token ? `&${param}=${encodeURIComponent(token)}` : ''}`;
      const res = await getChats(t, body, query);
      expect(res.statusCode).toBe(200);
      pages.push(res.json().result.chats.map((c: { chatId: number }) => c.chatId));
      token = res.json().result.paging.nextPageToken;
      if (!token) {
        expect(res.json().result.paging).toEqual({});
        break;
      }
      tokens.push(token);
    }
    return { pages, tokens };
  }

  it('pages of `limit` chats, each token naming where the next page starts, the last without a token', async () => {
    const { pages, tokens } = await walk({}, 2);
    expect(pages).toEqual([ALL.slice(0, 2), ALL.slice(2, 4), ALL.slice(4, 6)]);
    expect(tokens.map((tk) => JSON.parse(Buffer.from(tk, 'base64').toString()))).toEqual([
      { nextId: ALL[2] },
      { nextId: ALL[4] },
    ]);
  });

  it('page_token is an alias of pageToken', async () => {
    const { pages } = await walk({}, 4, 'page_token');
    expect(pages).toEqual([ALL.slice(0, 4), ALL.slice(4)]);
  });

  it('tokens are plain base64 and work unescaped in the query string', async () => {
    const token = tokenOf(C.return);
    expect(token).toMatch(/^[A-Za-z0-9]+=*$/);
    expect(await ids(t, {}, `?pageToken=${token}`)).toEqual(ALL.slice(3));
  });

  it('filters apply on every page', async () => {
    const { pages } = await walk({ statuses: ['WAITING_FOR_PARTNER'] }, 1);
    expect(pages).toEqual([[C.direct], [C.return], [C.order]]);
  });

  it('an exact multiple of the limit ends without an empty page', async () => {
    const { pages } = await walk({}, 3);
    expect(pages).toEqual([ALL.slice(0, 3), ALL.slice(3)]);
  });

  it("accepts Market's documentation example token ({ nextId: 2342 }): no chat id is that low", async () => {
    expect(await ids(t, {}, '?pageToken=eyBuZXh0SWQ6IDIzNDIgfQ==')).toEqual([]);
  });

  it('limit defaults to 10 and may be 20', async () => {
    const ctx = t.services.actions;
    for (let i = 0; i < 20; i++) await openDirectChat(ctx, BIZ, 6000001, `question ${i}`, null);
    const first = await getChats(t, {});
    expect(first.json().result.chats).toHaveLength(10);
    expect(first.json().result.paging.nextPageToken).toBeDefined();
    const twenty = await getChats(t, {}, '?limit=20');
    expect(twenty.json().result.chats).toHaveLength(20);
    const all = await walk({}, 20);
    expect(all.pages.map((p) => p.length)).toEqual([20, 6]);
    expect(all.pages[1]).toEqual(ALL);
  });
});

describe('getChats: pagination while chats change', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  afterEach(() => t.clock.advance(60_000));

  it('new chats and status changes between pages neither skip nor repeat a chat', async () => {
    const first = await getChats(t, {}, '?limit=2');
    expect(first.json().result.chats.map((c: { chatId: number }) => c.chatId)).toEqual(ALL.slice(0, 2));
    const token = first.json().result.paging.nextPageToken;

    // Between pages: a new chat, a reply that moves a chat of page 2 and one of page 1.
    const created = await t.app.inject({
      method: 'POST',
      url: `/v2/businesses/${BIZ}/chats/new`,
      headers: apiKey(),
      payload: { context: { type: 'ORDER', id: DEMO.orders.noChat } },
    });
    expect(created.statusCode).toBe(200);
    const newChat = created.json().result.chatId;
    t.clock.advance(60_000);
    const ctx = t.services.actions;
    await postMessage(ctx, BIZ, C.direct, 'PARTNER', 'Да, подходят.');
    await postMessage(ctx, BIZ, C.arbitrage, 'CUSTOMER', 'Жду решения.');

    const second = await getChats(t, {}, `?limit=2&pageToken=${encodeURIComponent(token)}`);
    const secondChats = second.json().result.chats;
    expect(secondChats.map((c: { chatId: number }) => c.chatId)).toEqual(ALL.slice(2, 4));
    // The moved chat shows its new state on the page where it belongs.
    expect(secondChats[0]).toMatchObject({ chatId: C.direct, status: 'WAITING_FOR_CUSTOMER', updatedAt: '2026-11-21T10:01:00+03:00' });
    const third = await getChats(t, {}, `?limit=2&pageToken=${encodeURIComponent(second.json().result.paging.nextPageToken)}`);
    expect(third.json().result.chats.map((c: { chatId: number }) => c.chatId)).toEqual(ALL.slice(4, 6));
    expect(third.json().result.paging).toEqual({});

    // A fresh first page starts with the new chat.
    expect((await ids(t, {}, '?limit=2'))[0]).toBe(newChat);
  });

  it('a chat that leaves or joins the filter between pages shows its current state, no other chat shifts', async () => {
    const filter = { statuses: ['WAITING_FOR_CUSTOMER'] };
    const first = await getChats(t, filter, '?limit=1');
    // The first test moved C.direct to WAITING_FOR_CUSTOMER.
    expect(first.json().result.chats.map((c: { chatId: number }) => c.chatId)).toEqual([C.direct]);
    const token = first.json().result.paging.nextPageToken;
    expect(JSON.parse(Buffer.from(token, 'base64').toString())).toEqual({ nextId: C.orderWaiting });

    const ctx = t.services.actions;
    await postMessage(ctx, BIZ, C.orderWaiting, 'CUSTOMER', 'Фото отправил.');
    await postMessage(ctx, BIZ, C.order, 'PARTNER', 'Да, добавим.');

    const second = await getChats(t, filter, `?limit=1&pageToken=${encodeURIComponent(token)}`);
    expect(second.json().result.chats.map((c: { chatId: number }) => c.chatId)).toEqual([C.order]);
    expect(second.json().result.paging).toEqual({});
  });
});

describe('getChats: deprecated orderId / orderIds and the compatibility date', () => {
  it('before the shutdown (2026-10-19) chats carry orderId and orderIds filters', async () => {
    const t = await buildTestApp({ config: { compatDate: '2026-10-18' } });
    try {
      const res = await getChats(t, { orderIds: [DEMO.orders.first] });
      expect(res.statusCode).toBe(200);
      expect(res.json().result.chats).toEqual([expect.objectContaining({ chatId: C.order, orderId: DEMO.orders.first })]);
    } finally {
      await t.close();
    }
  });

  it('from the shutdown date on, orderId is gone from chats and orderIds is refused', async () => {
    const t = await buildTestApp({ config: { compatDate: '2026-10-19' } });
    try {
      const res = await getChats(t, { contexts: [{ type: 'ORDER', id: DEMO.orders.first }] });
      expect(res.statusCode).toBe(200);
      const chat = res.json().result.chats[0];
      expect(chat.chatId).toBe(C.order);
      expect(chat).not.toHaveProperty('orderId');
      expect(chat.context.orderId).toBe(DEMO.orders.first);

      const refused = await getChats(t, { orderIds: [DEMO.orders.first] });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({
        status: 'ERROR',
        errors: [{ code: 'BAD_REQUEST', message: "'orderIds' is no longer supported since 2026-10-19, use 'contexts' instead" }],
      });
      // null is the same as absent.
      expect((await getChats(t, { orderIds: null })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
