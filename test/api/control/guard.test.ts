import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { DEMO, errorBody } from '../../helpers/demo.js';

describe('control API: the admin token guards it, partner credentials never open it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('401 without a token, 403 with a wrong one', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/_sandbox/businesses' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual(errorBody('UNAUTHORIZED', 'Admin token is not specified (X-Admin-Token header)'));
    const wrong = await t.app.inject({ method: 'GET', url: '/_sandbox/businesses', headers: { 'x-admin-token': 'nope' } });
    expect(wrong.statusCode).toBe(403);
  });

  it('a partner Api-Key or OAuth token is not an admin token', async () => {
    const key = await t.app.inject({ method: 'GET', url: '/_sandbox/businesses', headers: { 'api-key': DEMO.keys.allMethods } });
    expect(key.statusCode).toBe(401);
    const oauth = await t.app.inject({ method: 'GET', url: '/_sandbox/businesses', headers: { authorization: `Bearer ${DEMO.oauth.token}` } });
    expect(oauth.statusCode).toBe(403);
  });

  it('Authorization: Bearer <admin token> works as well as X-Admin-Token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/_sandbox/clock', headers: { authorization: 'Bearer test-admin-token' } });
    expect(res.statusCode).toBe(200);
  });

  it('control routes stay out of the partner OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => p.startsWith('/_sandbox'))).toEqual([]);
  });
});
