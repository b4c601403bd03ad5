import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { control, partner, sellerChat } from '../../helpers/control.js';
import { BIZ, DEMO, errorBody } from '../../helpers/demo.js';

describe('control API: fault injection and quotas', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  beforeEach(async () => {
    await t.services.faults.clear();
    await t.services.limiter.quota.reset(BIZ);
  });

  it('the next N calls of a method fail with Market’s bodies, then it recovers; other methods are untouched', async () => {
    const res = await control(t, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: 500, count: 2 });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ businessId: BIZ, method: 'getChat', kind: '500', count: 2, probability: null });
    const history = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/history?chatId=${DEMO.chats.order}`, {});
    expect(history.statusCode).toBe(200);
    for (let i = 0; i < 2; i++) {
      const failed = await sellerChat(t, DEMO.chats.order);
      expect(failed.statusCode).toBe(500);
      expect(failed.json()).toEqual(errorBody('INTERNAL_ERROR', 'Internal server error'));
    }
    expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
    expect((await control(t, 'GET', '/faults')).json().faults).toEqual([]);
  });

  it('503 and 420 answer as Market does; faults of one business leave others alone', async () => {
    await control(t, 'POST', '/faults', { businessId: BIZ, method: '*', kind: '503' });
    const other = await partner(t, 'GET', `/v2/businesses/${DEMO.otherBusinessId}/chat?chatId=5000007`, undefined, DEMO.keys.otherBusiness);
    expect(other.statusCode).toBe(200);
    const busy = await sellerChat(t, DEMO.chats.order);
    expect(busy.statusCode).toBe(503);
    expect(busy.json()).toEqual(errorBody('SERVICE_UNAVAILABLE', 'Service temporarily unavailable. Please, try again later'));

    await control(t, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: '420' });
    const limited = await sellerChat(t, DEMO.chats.order);
    expect(limited.statusCode).toBe(420);
    expect(limited.json()).toEqual(
      errorBody('METHOD_FAILURE', `Hit rate limit of 1000 requests per 1 hour for resource /businesses/{businessId}/chat.json for businessId ${BIZ}`),
    );
  });

  it('a share of calls fails until the fault is removed', async () => {
    const fault = (await control(t, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: '500', probability: 1 })).json();
    expect(fault).toMatchObject({ count: null, probability: 1 });
    expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(500);
    expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(500);
    expect((await control(t, 'DELETE', `/faults/${fault.id}`)).statusCode).toBe(200);
    expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
    expect((await control(t, 'DELETE', `/faults/${fault.id}`)).json()).toEqual(errorBody('NOT_FOUND', `Fault not found: '${fault.id}'`));
  });

  it('a delay answers late, and well', async () => {
    await control(t, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: 'DELAY', delayMs: 150 });
    const started = performance.now();
    const res = await sellerChat(t, DEMO.chats.order);
    expect(res.statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses unknown methods, kinds and businesses, and count with probability', async () => {
    const method = await control(t, 'POST', '/faults', { businessId: BIZ, method: 'getChatz', kind: '500' });
    expect(method.statusCode).toBe(400);
    expect(method.json().errors[0].message).toMatch(/^Unknown method 'getChatz': expected '\*' or one of .*getChat, /);
    expect((await control(t, 'POST', '/faults', { businessId: BIZ, kind: '404' })).json().errors[0].message).toBe('kind must be one of 420, 500, 503, DELAY');
    expect((await control(t, 'POST', '/faults', { businessId: 999, kind: '500' })).statusCode).toBe(404);
    expect((await control(t, 'POST', '/faults', { businessId: BIZ, kind: '500', count: 1, probability: 0.5 })).statusCode).toBe(400);
    expect((await control(t, 'POST', '/faults', { businessId: BIZ, kind: 'DELAY' })).json().errors[0].message).toBe('delayMs must be between 0 and 60000 for DELAY');
    expect((await control(t, 'GET', '/faults')).json().faults).toEqual([]);
  });

  it('lists and clears faults per business', async () => {
    await control(t, 'POST', '/faults', { businessId: BIZ, kind: '500' });
    await control(t, 'POST', '/faults', { businessId: DEMO.otherBusinessId, kind: '503' });
    expect((await control(t, 'GET', `/faults?businessId=${BIZ}`)).json().faults).toHaveLength(1);
    expect((await control(t, 'DELETE', `/faults?businessId=${BIZ}`)).json()).toEqual({ cleared: 1 });
    expect((await control(t, 'GET', '/faults')).json().faults).toMatchObject([{ businessId: DEMO.otherBusinessId }]);
  });

  it('reads quotas per method and resets them', async () => {
    await sellerChat(t, DEMO.chats.order);
    await sellerChat(t, DEMO.chats.order);
    const all = (await control(t, 'GET', `/businesses/${BIZ}/quotas`)).json();
    expect(all).toMatchObject({ businessId: BIZ, windowStart: '2026-11-21T07:00:00.000Z', resetsAt: '2026-11-21T08:00:00.000Z', limitsEnabled: true });
    expect(all.quotas.find((q: any) => q.method === 'getChat')).toEqual({ method: 'getChat', limit: 1000, used: 2, remaining: 998 });
    expect(all.quotas.find((q: any) => q.method === 'getChats')).toEqual({ method: 'getChats', limit: 5000, used: 0, remaining: 5000 });
    const one = (await control(t, 'GET', `/businesses/${BIZ}/quotas?method=getChat`)).json();
    expect(one.quotas).toHaveLength(1);
    expect((await control(t, 'DELETE', `/businesses/${BIZ}/quotas?method=getChat`)).statusCode).toBe(200);
    expect((await control(t, 'GET', `/businesses/${BIZ}/quotas?method=getChat`)).json().quotas[0].used).toBe(0);
    expect((await control(t, 'GET', `/businesses/${BIZ}/quotas?method=nope`)).statusCode).toBe(400);
    expect((await control(t, 'GET', '/businesses/999/quotas')).statusCode).toBe(404);
  });
});
