import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../../helpers/demo.js';

const url = (query: string) => `/v2/businesses/${BIZ}/chat${query}`;

describe('getChat: bad input and unknown resources', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  const badRequests: [string, string, string][] = [
    ['missing chatId', '', "Required request parameter 'chatId' is not present"],
    ['empty chatId', '?chatId=', "Required request parameter 'chatId' is not present"],
    ['chatId=0', '?chatId=0', "'chatId' must be greater than or equal to '1' (rejected value: '0')"],
    ['negative chatId', '?chatId=-5', "'chatId' must be greater than or equal to '1' (rejected value: '-5')"],
    ['chatId=abc', '?chatId=abc', "Type mismatch: 'abc'"],
    ['fractional chatId', '?chatId=1.5', "Type mismatch: '1.5'"],
    ['chatId beyond int64', '?chatId=9223372036854775808', "Type mismatch: '9223372036854775808'"],
  ];
  for (const [name, query, message] of badRequests) {
    it(`400 for ${name}`, async () => {
      const res = await t.app.inject({ method: 'GET', url: url(query), headers: apiKey() });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorBody('BAD_REQUEST', message));
    });
  }

  it('404 for an unknown chat id, with the id quoted', async () => {
    const res = await t.app.inject({ method: 'GET', url: url('?chatId=424242'), headers: apiKey() });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorBody('NOT_FOUND', "Can't find chat by id: '424242'"));
  });

  it('404 for the largest int64 (valid, never issued), with its exact digits', async () => {
    const res = await t.app.inject({ method: 'GET', url: url('?chatId=9223372036854775807'), headers: apiKey() });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorBody('NOT_FOUND', "Can't find chat by id: '9223372036854775807'"));
  });

  it("404 for a chat of another business: it is invisible, not forbidden", async () => {
    const res = await t.app.inject({ method: 'GET', url: url('?chatId=5000007'), headers: apiKey() });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorBody('NOT_FOUND', "Can't find chat by id: '5000007'"));
  });

  const unknownPaths = [
    `/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`,
    `/v1/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`,
    `/v3/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`,
    `/V2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`,
    `/v2/businesses/${BIZ}/chat.xml?chatId=${DEMO.chats.order}`,
    `/v2/businesses/${BIZ}/chatz?chatId=${DEMO.chats.order}`,
  ];
  for (const path of unknownPaths) {
    it(`404 Resource not found for ${path.split('?')[0]}`, async () => {
      const res = await t.app.inject({ method: 'GET', url: path, headers: apiKey() });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(errorBody('NOT_FOUND', 'Resource not found'));
    });
  }

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    it(`405 for ${method} on the getChat path`, async () => {
      const res = await t.app.inject({ method, url: url(`?chatId=${DEMO.chats.order}`), headers: apiKey() });
      expect(res.statusCode).toBe(405);
      expect(res.json()).toEqual(errorBody('METHOD_NOT_ALLOWED', `Request method '${method}' not supported`));
    });
  }

  it('403 Access denied for a malformed businessId in the path (no business of the key)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v2/businesses/abc/chat?chatId=1`, headers: apiKey() });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Access denied'));
  });
});

describe('getChat: server-side failures', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  afterEach(async () => { await t.services.faults.clear(); });

  const call = () => t.app.inject({ method: 'GET', url: url(`?chatId=${DEMO.chats.order}`), headers: apiKey() });

  it('an injected 500 answers INTERNAL_ERROR, gives its quota back, and the next call recovers', async () => {
    const before = Number((await call()).headers['x-ratelimit-resource-remaining']);
    await t.services.faults.add({ businessId: BIZ, method: 'getChat', kind: '500', remaining: 1, probability: null, delayMs: null });
    const failed = await call();
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual(errorBody('INTERNAL_ERROR', 'Internal server error'));
    // The quota is given back once the answer has gone (in the database on PostgreSQL).
    const used = async () => (await t.services.limiter.quota.read(BIZ)).find((u) => u.method === 'getChat')?.used ?? 0;
    const usedBefore = Number(failed.headers['x-ratelimit-resource-limit']) - before;
    for (let i = 0; i < 200 && (await used()) > usedBefore; i++) await new Promise((r) => setTimeout(r, 10));
    const next = await call();
    expect(next.statusCode).toBe(200);
    // The failed call took no quota: the next one is just one below the call before it.
    expect(Number(next.headers['x-ratelimit-resource-remaining'])).toBe(before - 1);
  });

  it('an injected 503 uses Market\'s body', async () => {
    await t.services.faults.add({ businessId: BIZ, method: 'getChat', kind: '503', remaining: 1, probability: null, delayMs: null });
    const res = await call();
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(errorBody('SERVICE_UNAVAILABLE', 'Service temporarily unavailable. Please, try again later'));
  });

  it('an unexpected failure is 500 INTERNAL_ERROR with no internals in the body', async () => {
    const broken = await buildTestApp();
    try {
      await broken.services.storage.db.schema.dropTable('buyers').ifExists().execute().catch(() => {});
      await broken.services.storage.db.schema.alterTable('chats').renameTo('chats_gone').execute();
      const res = await broken.app.inject({ method: 'GET', url: url(`?chatId=${DEMO.chats.order}`), headers: apiKey() });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual(errorBody('INTERNAL_ERROR', 'Internal server error'));
      expect(res.body).not.toMatch(/sqlite|chats|stack|at /i);
    } finally {
      await broken.close();
    }
  });
});

describe('getChat: at most 4 parallel requests per business', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('a fifth concurrent request is refused with 420; slots free up afterwards', async () => {
    await t.services.faults.add({ businessId: BIZ, method: 'getChat', kind: 'DELAY', remaining: 4, probability: null, delayMs: 300 });
    const call = () => t.app.inject({ method: 'GET', url: url(`?chatId=${DEMO.chats.order}`), headers: apiKey() });
    const slow = [call(), call(), call(), call()];
    // Let the four enter their (delayed) handling before the fifth arrives.
    for (let i = 0; i < 200 && (await t.services.limiter.parallel.current(`businessId:${BIZ}`)) < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const fifth = await call();
    expect(fifth.statusCode).toBe(420);
    expect(fifth.statusMessage).toBe('Enhance Your Calm');
    expect(fifth.json()).toEqual(errorBody('METHOD_FAILURE', `Hit rate limit of 4 parallel requests for businessId ${BIZ}`));
    const done = await Promise.all(slow);
    expect(done.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    // Slots are released once each answer has gone (after the response, in the database on PostgreSQL).
    for (let i = 0; i < 200 && (await t.services.limiter.parallel.current(`businessId:${BIZ}`)) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await t.services.limiter.parallel.current(`businessId:${BIZ}`)).toBe(0);
    expect((await call()).statusCode).toBe(200);
  });

  it('another business keeps its own slots', async () => {
    await t.services.faults.add({ businessId: BIZ, method: 'getChat', kind: 'DELAY', remaining: 4, probability: null, delayMs: 300 });
    const call = () => t.app.inject({ method: 'GET', url: url(`?chatId=${DEMO.chats.order}`), headers: apiKey() });
    const slow = [call(), call(), call(), call()];
    for (let i = 0; i < 200 && (await t.services.limiter.parallel.current(`businessId:${BIZ}`)) < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const other = await t.app.inject({
      method: 'GET',
      url: `/v2/businesses/${DEMO.otherBusinessId}/chat?chatId=5000007`,
      headers: apiKey(DEMO.keys.otherBusiness),
    });
    expect(other.statusCode).toBe(200);
    await Promise.all(slow);
  });
});
