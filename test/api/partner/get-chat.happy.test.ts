import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';

const get = (t: TestApp, chatId: number, suffix = '') =>
  t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat${suffix}?chatId=${chatId}`, headers: apiKey() });

describe('getChat: each context type, field by field', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('ORDER chat: context with customer, campaign and order; deprecated top-level orderId; no returnId', async () => {
    const res = await get(t, DEMO.chats.order);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({
      status: 'OK',
      result: {
        chatId: DEMO.chats.order,
        orderId: DEMO.orders.first,
        context: {
          type: 'ORDER',
          customer: { name: 'Anna K.', publicId: 'anna-k-4f2a9c' },
          campaignId: DEMO.campaigns.fbs,
          orderId: DEMO.orders.first,
        },
        type: 'CHAT',
        status: 'WAITING_FOR_PARTNER',
        createdAt: '2026-11-21T00:00:00+03:00',
        updatedAt: '2026-11-21T09:30:00+03:00',
      },
    });
  });

  it('RETURN chat: returnId only here, with the order it belongs to', async () => {
    const res = await get(t, DEMO.chats.return);
    expect(res.json().result).toEqual({
      chatId: DEMO.chats.return,
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
  });

  it('DIRECT chat: no campaign, order or return anywhere', async () => {
    const res = await get(t, DEMO.chats.direct);
    expect(res.json().result).toEqual({
      chatId: DEMO.chats.direct,
      context: { type: 'DIRECT', customer: { name: 'Ivan P.', publicId: 'ivan-p-77b0d1' } },
      type: 'CHAT',
      status: 'WAITING_FOR_PARTNER',
      createdAt: '2026-11-21T05:00:00+03:00',
      updatedAt: '2026-11-21T09:50:00+03:00',
    });
  });

  it('a buyer without a public name shows only publicId; FINISHED status', async () => {
    const res = await get(t, DEMO.chats.directFinished);
    const result = res.json().result;
    expect(result.context).toEqual({ type: 'DIRECT', customer: { publicId: 'hidden-1c9e' } });
    expect(result.status).toBe('FINISHED');
  });

  it('ARBITRAGE chat type while a dispute is open', async () => {
    const result = (await get(t, DEMO.chats.arbitrage)).json().result;
    expect(result.type).toBe('ARBITRAGE');
    expect(result.status).toBe('WAITING_FOR_ARBITER');
  });

  it('ids are JSON integers and dates ISO 8601 with offset', async () => {
    const raw = (await get(t, DEMO.chats.order)).body;
    expect(raw).toContain(`"chatId":${DEMO.chats.order}`);
    const { createdAt, updatedAt } = JSON.parse(raw).result;
    for (const d of [createdAt, updatedAt]) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$/);
    expect(Date.parse(updatedAt)).toBeGreaterThan(Date.parse(createdAt));
  });

  it('the .json suffix names the same resource', async () => {
    const plain = await get(t, DEMO.chats.order);
    const suffixed = await get(t, DEMO.chats.order, '.json');
    expect(suffixed.statusCode).toBe(200);
    expect(suffixed.json()).toEqual(plain.json());
  });

  it('accepts repeated and padded parameters as Spring does (first value wins)', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}&chatId=1`,
      headers: apiKey(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().result.chatId).toBe(DEMO.chats.order);
  });

  it('every answer carries the three X-RateLimit-Resource headers', async () => {
    for (const url of [`/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`, `/v2/businesses/${BIZ}/chat?chatId=1`, `/v2/businesses/${BIZ}/chat`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: apiKey() });
      expect(res.headers['x-ratelimit-resource-limit']).toBe('1000');
      expect(Number(res.headers['x-ratelimit-resource-remaining'])).toBeLessThan(1000);
      expect(res.headers['x-ratelimit-resource-until']).toBe('Sat, 21 Nov 2026 08:00:00 GMT');
    }
  });
});

describe('getChat: deprecated orderId under the compatibility date', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { compatDate: '2026-10-19' } });
  });
  afterAll(async () => t.close());

  it('from the shutdown date on, the top-level orderId is gone; context.orderId stays', async () => {
    const result = (await get(t, DEMO.chats.order)).json().result;
    expect(result).not.toHaveProperty('orderId');
    expect(result.context.orderId).toBe(DEMO.orders.first);
  });

  it('the day before, it is still there', async () => {
    const earlier = await buildTestApp({ config: { compatDate: '2026-10-18' } });
    try {
      expect((await get(earlier, DEMO.chats.order)).json().result.orderId).toBe(DEMO.orders.first);
    } finally {
      await earlier.close();
    }
  });
});
