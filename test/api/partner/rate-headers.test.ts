import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, type TestApp } from '../../helpers/app.js';
import { admin } from '../../helpers/control.js';
import { BIZ, DEMO, KEY, apiKey, errorBody } from '../../helpers/demo.js';

noteSkippedPostgres();

const GET_CHAT = `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`;
const UNTIL = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:00:00 GMT$/;

function expectQuota(res: { headers: Record<string, unknown> }, limit: string, remaining: string): void {
  expect(res.headers['x-ratelimit-resource-limit']).toBe(limit);
  expect(res.headers['x-ratelimit-resource-remaining']).toBe(remaining);
  expect(res.headers['x-ratelimit-resource-until']).toMatch(UNTIL);
}

describe.each(dialects())('rate-limit headers on every partner answer whose method and business are known (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect, config: { limits: { enabled: true, parallel: 4, hourly: { getChat: 5 } } } });
  });
  afterAll(async () => t.close());
  beforeEach(async () => {
    await t.services.limiter.quota.reset(BIZ);
    await t.services.faults.clear();
  });

  it('405 shows the quota of the method on that path, untouched', async () => {
    await t.app.inject({ method: 'GET', url: GET_CHAT, headers: apiKey() });
    const res = await t.app.inject({ method: 'DELETE', url: GET_CHAT, headers: apiKey() });
    expect(res.statusCode).toBe(405);
    expect(res.json()).toEqual(errorBody('METHOD_NOT_ALLOWED', "Request method 'DELETE' not supported"));
    expectQuota(res, '5', '4');
    // Business-less paths: the Api-Key tells whose quota it is.
    const campaigns = await t.app.inject({ method: 'DELETE', url: '/v2/campaigns', headers: apiKey() });
    expect(campaigns.statusCode).toBe(405);
    expectQuota(campaigns, '1000', '1000');
  });

  it('404 Resource not found for another spelling of a method path (trailing slash, version, case)', async () => {
    for (const url of [`/v2/businesses/${BIZ}/chat/?chatId=1`, `/v1/businesses/${BIZ}/chat?chatId=1`, `/V2/businesses/${BIZ}/chat`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: apiKey() });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(errorBody('NOT_FOUND', 'Resource not found'));
      expectQuota(res, '5', '5');
    }
    // A path that names no method has no quota to show.
    const unknown = await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/nothing`, headers: apiKey() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['x-ratelimit-resource-limit']).toBeUndefined();
  });

  it('the parallel-limit 420 shows the hourly quota, untouched', async () => {
    await t.app.inject({ method: 'GET', url: GET_CHAT, headers: apiKey() });
    const slots = t.services.limiter.parallel;
    // That call's slot is freed after its answer (a round trip on PostgreSQL): held, it would take one of the four.
    for (let i = 0; i < 200 && (await slots.current(`businessId:${BIZ}`)) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const held: string[] = [];
    for (let i = 0; i < 4; i++) {
      const slot = await slots.tryAcquire(`businessId:${BIZ}`);
      expect(slot).not.toBeNull();
      held.push(slot!);
    }
    try {
      const res = await t.app.inject({ method: 'GET', url: GET_CHAT, headers: apiKey() });
      expect(res.statusCode).toBe(420);
      expect(res.json()).toEqual(errorBody('METHOD_FAILURE', `Hit rate limit of 4 parallel requests for businessId ${BIZ}`));
      expectQuota(res, '5', '4');
    } finally {
      for (const slot of held) await slots.release(`businessId:${BIZ}`, slot);
    }
  });

  it('an injected 420 shows Remaining: 0 like a real one, and takes no quota', async () => {
    const add = await t.app.inject({
      method: 'POST',
      url: '/_sandbox/faults',
      headers: admin,
      payload: { businessId: BIZ, method: 'getChat', kind: 420, count: 1 },
    });
    expect(add.statusCode).toBe(201);
    const res = await t.app.inject({ method: 'GET', url: GET_CHAT, headers: apiKey() });
    expect(res.statusCode).toBe(420);
    expectQuota(res, '5', '0');
    // The quota is given back once the answer has gone (in the database on PostgreSQL): wait for it.
    const used = async () => (await t.services.limiter.quota.read(BIZ)).find((u) => u.method === 'getChat')?.used ?? 0;
    for (let i = 0; i < 200 && (await used()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const next = await t.app.inject({ method: 'GET', url: GET_CHAT, headers: apiKey() });
    expect(next.statusCode).toBe(200);
    expectQuota(next, '5', '4');
  });

  it('refusals at authentication and access show the quota of the business in the path or header', async () => {
    const cases: [Record<string, string>, number][] = [
      [{}, 401],
      [{ 'api-key': `ACMA:${'Z'.repeat(40)}:00000000` }, 401],
      [{ authorization: 'Bearer y0_unknown' }, 403],
      [{ 'api-key': DEMO.keys.pricingOnly }, 403],
      [{ 'api-key': DEMO.keys.otherBusiness }, 403],
      [{ 'api-key': KEY, 'x-business-id': '0' }, 400],
    ];
    for (const [headers, status] of cases) {
      const res = await t.app.inject({ method: 'GET', url: GET_CHAT, headers });
      expect(res.statusCode).toBe(status);
      expectQuota(res, '5', '5');
    }
    // getCampaigns names no business: a well-formed X-Business-Id does.
    const header = await t.app.inject({ method: 'GET', url: '/v2/campaigns', headers: { 'x-business-id': String(BIZ) } });
    expect(header.statusCode).toBe(401);
    expectQuota(header, '1000', '1000');
  });
});

describe.each(dialects())('with --limits off (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect, config: { limits: { enabled: false, parallel: 4, hourly: { getChat: 2 } } } });
  });
  afterAll(async () => t.close());

  it('headers still appear: the whole limit remains, the window ends on the hour, nothing is refused', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({ method: 'GET', url: GET_CHAT, headers: apiKey() });
      expect(res.statusCode).toBe(200);
      expectQuota(res, '2', '2');
    }
    const denied = await t.app.inject({ method: 'GET', url: GET_CHAT, headers: apiKey(DEMO.keys.otherBusiness) });
    expect(denied.statusCode).toBe(403);
    expectQuota(denied, '2', '2');
  });
});
