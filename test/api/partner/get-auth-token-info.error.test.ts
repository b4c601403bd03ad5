import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../../helpers/demo.js';

describe('getAuthTokenInfo: errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  it('403 for an OAuth token of a user who sees the business (the method is Api-Key only)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v2/auth/token', headers: { authorization: `Bearer ${DEMO.oauth.token}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorBody('FORBIDDEN', 'The method is available only for Api-Key tokens'));
  });

  it('400 for a malformed JSON body, counted', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v2/auth/token',
      headers: { ...apiKey(), 'content-type': 'application/json' },
      payload: '{"x":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorBody('BAD_REQUEST', 'Unexpected end of content'));
    expect(res.headers['x-ratelimit-resource-remaining']).toBe('99');
  });

  it('415 for a non-JSON body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v2/auth/token',
      headers: { ...apiKey(), 'content-type': 'text/plain' },
      payload: 'who am i',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual(errorBody('UNSUPPORTED_MEDIA_TYPE', "Content type 'text/plain' not supported"));
  });

  it('405 for GET and other verbs', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: '/v2/auth/token', headers: apiKey() });
      expect(res.statusCode).toBe(405);
      expect(res.json()).toEqual(errorBody('METHOD_NOT_ALLOWED', `Request method '${method}' not supported`));
    }
  });
});
