import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../../src/domain/access.js';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';

const info = (t: TestApp, key: string, extra: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: '/v2/auth/token', headers: apiKey(key), ...extra });

describe('getAuthTokenInfo', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  it("answers the key's name and scopes as ApiKeyScopeType names", async () => {
    const res = await info(t, DEMO.keys.communication);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'OK', result: { apiKey: { name: 'demo-communication', authScopes: ['COMMUNICATION'] } } });
  });

  it('names every scope of multi-scope and read-only keys', async () => {
    expect((await info(t, DEMO.keys.pricingOnly)).json().result.apiKey).toEqual({
      name: 'demo-pricing-only',
      authScopes: ['PRICING', 'OFFERS_AND_CARDS_MANAGEMENT'],
    });
    expect((await info(t, DEMO.keys.readOnly)).json().result.apiKey.authScopes).toEqual(['ALL_METHODS_READ_ONLY']);
    expect((await info(t, DEMO.keys.allMethods)).json().result.apiKey.authScopes).toEqual(['ALL_METHODS']);
  });

  it('maps each of the 14 scopes to its enum name', async () => {
    const token = `ACMA:${'EveryScopeKey'.padEnd(40, '0')}:0000c0ff`;
    const scopes = [
      'all-methods', 'all-methods:read-only', 'inventory-and-order-processing', 'inventory-and-order-processing:read-only',
      'pricing', 'pricing:read-only', 'offers-and-cards-management', 'offers-and-cards-management:read-only', 'promotion',
      'promotion:read-only', 'finance-and-accounting', 'communication', 'settings-management', 'supplies-management:read-only',
    ];
    await t.services.storage.db
      .insertInto('api_keys')
      .values({ business_id: BIZ, name: 'every scope', token_hash: hashToken(token), scopes: JSON.stringify(scopes), created_at: T0, revoked_at: null })
      .execute();
    expect((await info(t, token)).json().result.apiKey).toEqual({
      name: 'every scope',
      authScopes: [
        'ALL_METHODS', 'ALL_METHODS_READ_ONLY', 'INVENTORY_AND_ORDER_PROCESSING', 'INVENTORY_AND_ORDER_PROCESSING_READ_ONLY',
        'PRICING', 'PRICING_READ_ONLY', 'OFFERS_AND_CARDS_MANAGEMENT', 'OFFERS_AND_CARDS_MANAGEMENT_READ_ONLY', 'PROMOTION',
        'PROMOTION_READ_ONLY', 'FINANCE_AND_ACCOUNTING', 'COMMUNICATION', 'SETTINGS_MANAGEMENT', 'SUPPLIES_MANAGEMENT_READ_ONLY',
      ],
    });
  });

  it('takes no body: none, an empty one with a JSON Content-Type, or `{}`', async () => {
    for (const extra of [
      {},
      { headers: { ...apiKey(DEMO.keys.communication), 'content-type': 'application/json' } },
      { headers: { ...apiKey(DEMO.keys.communication), 'content-type': 'application/x-www-form-urlencoded' } },
      { payload: {} },
    ]) {
      const res = await info(t, DEMO.keys.communication, extra);
      expect(res.statusCode).toBe(200);
      expect(res.json().result.apiKey.name).toBe('demo-communication');
    }
  });

  it("takes the `.json` suffix and shows Market's quota headers: 100 an hour", async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v2/auth/token.json', headers: apiKey() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-ratelimit-resource-limit']).toBe('100');
    expect(res.headers['x-ratelimit-resource-remaining']).toBe('99');
  });
});
