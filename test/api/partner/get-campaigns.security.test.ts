import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerSecuritySuite } from '../../helpers/security.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { DEMO, errorBody } from '../../helpers/demo.js';

partnerSecuritySuite({
  operationId: 'getCampaigns',
  hourlyLimit: 1000,
  resource: '/campaigns.json',
  write: false,
  anyScope: true,
  pathBusiness: null,
  request: () => ({ method: 'GET', url: '/v2/campaigns' }),
});

describe('getCampaigns: whose stores', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it("gives another business's key that business's stores, not 403", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v2/campaigns', headers: { 'api-key': DEMO.keys.otherBusiness } });
    expect(res.statusCode).toBe(200);
    expect(res.json().campaigns.map((c: { id: number }) => c.id)).toEqual([DEMO.campaigns.other]);
  });

  it('403 Access denied when X-Business-Id names a business the key does not belong to', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v2/campaigns',
      headers: { 'api-key': DEMO.keys.communication, 'x-business-id': String(DEMO.otherBusinessId) },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Access denied'));
  });

  it("403 Access denied when an OAuth user's X-Business-Id names a business the user cannot see", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v2/campaigns',
      headers: { authorization: `Bearer ${DEMO.oauth.token}`, 'x-business-id': String(DEMO.otherBusinessId) },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Access denied'));
  });
});
