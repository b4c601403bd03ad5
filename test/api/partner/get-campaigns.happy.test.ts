import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';

const FBS = {
  domain: 'demo-electronics.market.example',
  id: DEMO.campaigns.fbs,
  clientId: 7000001,
  business: { id: BIZ, name: 'Demo Electronics' },
  placementType: 'FBS',
  apiAvailability: 'AVAILABLE',
};
const DBS = {
  domain: 'demo-electronics-dbs.market.example',
  id: DEMO.campaigns.dbs,
  clientId: 7000002,
  business: { id: BIZ, name: 'Demo Electronics' },
  placementType: 'DBS',
  apiAvailability: 'AVAILABLE',
};
const OTHER = {
  domain: 'another-seller.market.example',
  id: DEMO.campaigns.other,
  clientId: 7000003,
  business: { id: DEMO.otherBusinessId, name: 'Another Seller' },
  placementType: 'FBY',
  apiAvailability: 'AVAILABLE',
};

const token = (nextId: number) => Buffer.from(JSON.stringify({ nextId })).toString('base64');

const get = (t: TestApp, query = '', headers: Record<string, string> = apiKey()) =>
  t.app.inject({ method: 'GET', url: `/v2/campaigns${query}`, headers });

describe('getCampaigns', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  beforeEach(async () => {
    await t.services.limiter.quota.reset(BIZ);
    await t.services.limiter.quota.reset(DEMO.otherBusinessId);
  });

  it("lists the key's cabinet's stores, unwrapped, with the page-number pager", async () => {
    const res = await get(t);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      campaigns: [FBS, DBS],
      pager: { total: 2, from: 1, to: 2, currentPage: 1, pagesCount: 1, pageSize: 100 },
    });
  });

  it('token paging: limit, nextPageToken (base64 {"nextId":N}), and the last page without one', async () => {
    const first = await get(t, '?limit=1');
    expect(first.json()).toEqual({ campaigns: [FBS], paging: { nextPageToken: token(DEMO.campaigns.dbs) } });
    const second = await get(t, `?limit=1&pageToken=${encodeURIComponent(first.json().paging.nextPageToken)}`);
    expect(second.json()).toEqual({ campaigns: [DBS] });
  });

  it('takes the page_token alias, and a token without limit gives the rest', async () => {
    const res = await get(t, `?page_token=${encodeURIComponent(token(DEMO.campaigns.dbs))}`);
    expect(res.json()).toEqual({ campaigns: [DBS] });
  });

  it('deprecated page/pageSize still work, with nextPageToken for switching to tokens', async () => {
    expect((await get(t, '?pageSize=1')).json()).toEqual({
      campaigns: [FBS],
      pager: { total: 2, from: 1, to: 1, currentPage: 1, pagesCount: 2, pageSize: 1 },
      paging: { nextPageToken: token(DEMO.campaigns.dbs) },
    });
    expect((await get(t, '?page=2&pageSize=1')).json()).toEqual({
      campaigns: [DBS],
      pager: { total: 2, from: 2, to: 2, currentPage: 2, pagesCount: 2, pageSize: 1 },
    });
  });

  it('a page past the end is empty, with no from/to', async () => {
    expect((await get(t, '?page=3&pageSize=1')).json()).toEqual({
      campaigns: [],
      pager: { total: 2, currentPage: 3, pagesCount: 2, pageSize: 1 },
    });
  });

  it("another cabinet's key sees only its own stores", async () => {
    expect((await get(t, '', apiKey(DEMO.keys.otherBusiness))).json().campaigns).toEqual([OTHER]);
  });

  it('X-Business-Id equal to the key\'s cabinet is fine', async () => {
    const res = await get(t, '', { ...apiKey(), 'x-business-id': String(BIZ) });
    expect(res.json().campaigns).toEqual([FBS, DBS]);
  });

  it('reports an Express store as FBS, and each store\'s API availability', async () => {
    const db = t.services.storage.db;
    await db
      .insertInto('campaigns')
      .values({
        id: 2000009,
        business_id: BIZ,
        domain: 'demo-express.market.example',
        client_id: 7000009,
        placement_model: 'EXPRESS',
        api_availability: 'DISABLED_BY_INACTIVITY',
        created_at: T0,
      })
      .execute();
    try {
      const res = await get(t, '?limit=1&pageToken=' + encodeURIComponent(token(2000009)));
      expect(res.json()).toEqual({
        campaigns: [
          {
            domain: 'demo-express.market.example',
            id: 2000009,
            clientId: 7000009,
            business: { id: BIZ, name: 'Demo Electronics' },
            placementType: 'FBS',
            apiAvailability: 'DISABLED_BY_INACTIVITY',
          },
        ],
      });
    } finally {
      await db.deleteFrom('campaigns').where('id', '=', 2000009).execute();
    }
  });

  it("OAuth: the stores of every cabinet the user sees; X-Business-Id narrows to one", async () => {
    const db = t.services.storage.db;
    const user = await db.selectFrom('oauth_users').select('id').where('login', '=', DEMO.oauth.login).executeTakeFirstOrThrow();
    const bearer = { authorization: `Bearer ${DEMO.oauth.token}` };
    expect((await get(t, '', bearer)).json().campaigns).toEqual([FBS, DBS]);
    await db.insertInto('oauth_user_businesses').values({ user_id: user.id, business_id: DEMO.otherBusinessId }).execute();
    try {
      const all = await get(t, '', bearer);
      expect(all.json()).toEqual({
        campaigns: [FBS, DBS, OTHER],
        pager: { total: 3, from: 1, to: 3, currentPage: 1, pagesCount: 1, pageSize: 100 },
      });
      const narrowed = await get(t, '', { ...bearer, 'x-business-id': String(DEMO.otherBusinessId) });
      expect(narrowed.json().campaigns).toEqual([OTHER]);
      // Counted against that cabinet, not against the user (whose calls above already count).
      expect(narrowed.headers['x-ratelimit-resource-remaining']).toBe('999');
    } finally {
      await db.deleteFrom('oauth_user_businesses').where('user_id', '=', user.id).where('business_id', '=', DEMO.otherBusinessId).execute();
    }
  });

  it('an OAuth user without cabinets gets an empty list', async () => {
    const db = t.services.storage.db;
    const user = await db.selectFrom('oauth_users').select('id').where('login', '=', DEMO.oauth.login).executeTakeFirstOrThrow();
    await db.deleteFrom('oauth_user_businesses').where('user_id', '=', user.id).execute();
    try {
      expect((await get(t, '', { authorization: `Bearer ${DEMO.oauth.token}` })).json()).toEqual({
        campaigns: [],
        pager: { total: 0, currentPage: 1, pagesCount: 0, pageSize: 100 },
      });
    } finally {
      await db.insertInto('oauth_user_businesses').values({ user_id: user.id, business_id: BIZ }).execute();
    }
  });

  it("takes the `.json` suffix and shows Market's quota headers: 1000 an hour", async () => {
    const res = await get(t, '.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-ratelimit-resource-limit']).toBe('1000');
    expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
  });
});
