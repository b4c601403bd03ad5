import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, errorBody } from '../../helpers/demo.js';

describe('getCampaigns: bad paging parameters, each with its exact body and counted', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  const cases: [string, string][] = [
    ['limit=0', "'limit' must be greater than or equal to '1' (rejected value: '0')"],
    ['limit=101', "Parameter limit must be less than or equal to '100' (rejected value: '101')"],
    ['limit=ten', "Type mismatch: 'ten'"],
    ['limit=2147483648', "Type mismatch: '2147483648'"],
    ['page=0', "'page' must be greater than or equal to '1' (rejected value: '0')"],
    ['page=10001', "'page' must be less than or equal to '10000' (rejected value: '10001')"],
    ['pageSize=0', "'pageSize' must be greater than or equal to '1' (rejected value: '0')"],
    ['pageSize=101', "'pageSize' must be less than or equal to '100' (rejected value: '101')"],
    ['pageToken=not-a-token', 'Bad page token'],
    [`pageToken=${Buffer.from('{"nextId":0}').toString('base64')}`, 'Bad page token'],
    [`page_token=${Buffer.from('{"page":2}').toString('base64')}`, 'Bad page token'],
  ];

  for (const [query, message] of cases) {
    it(`400 for ${query}`, async () => {
      const res = await t.app.inject({ method: 'GET', url: `/v2/campaigns?${query}`, headers: apiKey() });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorBody('BAD_REQUEST', message));
      expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
    });
  }

  it('405 for other verbs on /v2/campaigns', async () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: '/v2/campaigns', headers: apiKey() });
      expect(res.statusCode).toBe(405);
      expect(res.json()).toEqual(errorBody('METHOD_NOT_ALLOWED', `Request method '${method}' not supported`));
    }
  });
});
