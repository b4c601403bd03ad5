import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { buildTestApp, type TestApp } from './app.js';
import { BIZ, DEMO, errorBody } from './demo.js';

export interface SecuredRoute {
  operationId: string;
  /** Market's hourly limit for the method. */
  hourlyLimit: number;
  /** Path template named in the 420 message. */
  resource: string;
  /** Write methods refuse read-only keys. */
  write: boolean;
  /** A call that succeeds (2xx) with the communication key on the demo data; no auth headers. */
  request: () => InjectOptions;
  /** The business the path names (default: the demo business); null for business-less paths. */
  pathBusiness?: number | null;
  /** Methods open to every Api-Key scope (getCampaigns): a key without chat scopes succeeds. */
  anyScope?: boolean;
  /** Api-Key-only methods: the 403 message OAuth callers get instead of an answer. */
  apiKeyOnly?: string;
}

type Headers = Record<string, string>;

async function call(t: TestApp, route: SecuredRoute, headers: Headers) {
  const req = route.request();
  return t.app.inject({ ...req, headers: { ...(req.headers as Headers | undefined), ...headers } });
}

/**
 * The same authentication, scope, access and limit cases, run against one partner route. Every
 * partner method's security test calls this.
 */
export function partnerSecuritySuite(route: SecuredRoute): void {
  describe(`${route.operationId}: authentication, access and limits`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ config: { limits: { enabled: true, parallel: 4, hourly: { [route.operationId]: 3 } } } });
    });
    afterAll(async () => t.close());
    beforeEach(async () => {
      await t.services.limiter.quota.reset(BIZ);
      await t.services.limiter.quota.reset(DEMO.otherBusinessId);
    });

    const unauthorized: [string, Headers, string][] = [
      ['no credentials', {}, 'Credentials are not specified'],
      ['empty Api-Key', { 'api-key': '' }, 'Api-Key token is not specified'],
      ['Bearer in Api-Key', { 'api-key': `Bearer ${DEMO.keys.communication}` }, 'Api-Key token prefix invalid'],
      ['short Api-Key', { 'api-key': 'ACMA:abc:12345678' }, 'Api-Key token length invalid'],
      ['Api-Key with bad characters', { 'api-key': `ACMA:${'!'.repeat(40)}:0000c001` }, 'Api-Key token format invalid'],
      ['unknown Api-Key', { 'api-key': `ACMA:${'Z'.repeat(40)}:00000000` }, 'Api-Key token is invalid'],
      ['OAuth without client id', { authorization: `OAuth ${DEMO.oauth.token}` }, 'OAuth client id is not specified'],
      ['Bearer without token', { authorization: 'Bearer' }, 'OAuth token is not specified'],
      ['unsupported scheme', { authorization: 'Basic dXNlcjpwYXNz' }, 'Unsupported authorization type specified in Authorization header'],
    ];
    for (const [name, headers, message] of unauthorized) {
      it(`401 for ${name}`, async () => {
        const res = await call(t, route, headers);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual(errorBody('UNAUTHORIZED', message));
        if (route.pathBusiness === null) {
          // No business in the path and no caller: nobody's quota to show.
          expect(res.headers['x-ratelimit-resource-limit']).toBeUndefined();
        } else {
          // The business's quota as it stands: a refused request takes none of it.
          expect(res.headers['x-ratelimit-resource-limit']).toBe('3');
          expect(res.headers['x-ratelimit-resource-remaining']).toBe('3');
          expect(res.headers['x-ratelimit-resource-until']).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:00:00 GMT$/);
        }
      });
    }

    it('403 for an unknown OAuth token (not 401, as on Market)', async () => {
      const res = await call(t, route, { authorization: 'Bearer y0_unknown' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual(errorBody('FORBIDDEN', 'OAuth token is invalid'));
    });

    it('403 for a legacy OAuth header with a wrong client id', async () => {
      const res = await call(t, route, { authorization: `OAuth oauth_token=${DEMO.oauth.token}, oauth_client_id=nope` });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Client id is invalid'));
    });

    it(route.anyScope ? 'accepts a key of any scope' : '403 for a key without a chat scope', async () => {
      const res = await call(t, route, { 'api-key': DEMO.keys.pricingOnly });
      if (route.anyScope) {
        expect(res.statusCode).toBeLessThan(300);
      } else {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Token does not have any of the scopes to access the API method'));
        expect(res.headers['x-ratelimit-resource-limit']).toBe('3');
        expect(res.headers['x-ratelimit-resource-remaining']).toBe('3');
      }
    });

    it(route.write ? '403 for a read-only key' : 'accepts a read-only key', async () => {
      const res = await call(t, route, { 'api-key': DEMO.keys.readOnly });
      if (route.write) {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Token does not have any of the scopes to access the API method'));
      } else {
        expect(res.statusCode).toBeLessThan(300);
      }
    });

    if (route.pathBusiness !== null) {
      it("403 Access denied for another business's key", async () => {
        const res = await call(t, route, { 'api-key': DEMO.keys.otherBusiness });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Access denied'));
        expect(res.headers['x-ratelimit-resource-remaining']).toBe('3');
      });

      it('400 when X-Business-Id differs from the path', async () => {
        const res = await call(t, route, { 'api-key': DEMO.keys.communication, 'x-business-id': '42' });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual(
          errorBody('BAD_REQUEST', `URL businessId ('${route.pathBusiness ?? BIZ}') does not match businessId in X-Business-Id header ('42')`),
        );
      });
    }

    it('400 for a malformed X-Business-Id', async () => {
      const res = await call(t, route, { 'api-key': DEMO.keys.communication, 'x-business-id': 'abc' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorBody('BAD_REQUEST', "Incorrect X-Business-Id header value: 'abc'"));
      // The caller is known (its key's business, or the path's): its quota is shown, untouched.
      expect(res.headers['x-ratelimit-resource-remaining']).toBe('3');
    });

    it(
      route.apiKeyOnly ? 'refuses valid Bearer and legacy OAuth tokens with 403' : 'accepts Bearer and legacy OAuth tokens of a user who sees the business',
      async () => {
        const bearer = await call(t, route, { authorization: `Bearer ${DEMO.oauth.token}` });
        const legacy = await call(t, route, {
          authorization: `OAuth oauth_token=${DEMO.oauth.token}, oauth_client_id=${DEMO.oauth.clientId}`,
        });
        for (const res of [bearer, legacy]) {
          if (route.apiKeyOnly) {
            expect(res.statusCode).toBe(403);
            expect(res.json()).toEqual(errorBody('FORBIDDEN', route.apiKeyOnly));
          } else {
            expect(res.statusCode).toBeLessThan(300);
          }
        }
      },
    );

    it('counts the hourly quota, answers 420 past it, and opens a new window on the hour', async () => {
      await t.services.limiter.quota.reset(BIZ);
      await t.services.limiter.quota.reset(DEMO.otherBusinessId);
      const key = { 'api-key': DEMO.keys.allMethods };
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(t, route, key);
        expect(res.statusCode).toBeLessThan(300);
        expect(res.headers['x-ratelimit-resource-limit']).toBe('3');
        remaining.push(String(res.headers['x-ratelimit-resource-remaining']));
        expect(res.headers['x-ratelimit-resource-until']).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:00:00 GMT$/);
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const over = await call(t, route, key);
      expect(over.statusCode).toBe(420);
      expect(over.statusMessage).toBe('Enhance Your Calm');
      expect(over.headers['x-ratelimit-resource-remaining']).toBe('0');
      expect(over.json()).toEqual(
        errorBody(
          'METHOD_FAILURE',
          `Hit rate limit of 3 requests per 1 hour for resource ${route.resource} for businessId ${route.pathBusiness ?? BIZ}`,
        ),
      );
      t.clock.advance(3600_000);
      const next = await call(t, route, key);
      expect(next.statusCode).toBeLessThan(300);
      expect(next.headers['x-ratelimit-resource-remaining']).toBe('2');
    });

    it(`declares Market's limit of ${route.hourlyLimit}/hour by default`, async () => {
      const op = t.app.printRoutes({ commonPrefix: false });
      expect(op).toBeTruthy();
      const doc = t.app.swagger() as any;
      const found = Object.values(doc.paths as Record<string, Record<string, any>>)
        .flatMap((p) => Object.values(p))
        .find((o) => o.operationId === route.operationId);
      expect(found?.['x-resource-limit']).toBe(route.hourlyLimit);
    });
  });
}
