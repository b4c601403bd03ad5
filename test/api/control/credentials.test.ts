import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { control, sellerChat } from '../../helpers/control.js';
import { BIZ, DEMO, errorBody } from '../../helpers/demo.js';

describe('control API: Api-Keys and OAuth tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('a new key’s token is shown once and works on the partner API with its scopes', async () => {
    const res = await control(t, 'POST', `/businesses/${BIZ}/keys`, { name: 'my integration', scopes: ['communication'] });
    expect(res.statusCode).toBe(201);
    const key = res.json();
    expect(key).toMatchObject({ businessId: BIZ, name: 'my integration', scopes: ['communication'], revokedAt: null });
    expect(key.token).toMatch(/^ACMA:[A-Za-z0-9]{40}:[0-9a-f]{8}$/);
    expect((await sellerChat(t, DEMO.chats.order, BIZ, key.token)).statusCode).toBe(200);

    const list = (await control(t, 'GET', `/businesses/${BIZ}/keys`)).json().keys;
    expect(list.find((k: any) => k.id === key.id)).toEqual({ ...key, token: undefined });
    expect(JSON.stringify(list)).not.toContain(key.token);
    expect(JSON.stringify(list)).not.toMatch(/tokenHash|token_hash/);
  });

  it('takes scopes as the cabinet or as getAuthTokenInfo spells them; refuses unknown ones', async () => {
    const res = await control(t, 'POST', `/businesses/${BIZ}/keys`, { name: 'ro', scopes: ['ALL_METHODS_READ_ONLY', 'pricing'] });
    expect(res.json().scopes).toEqual(['all-methods:read-only', 'pricing']);
    const bad = await control(t, 'POST', `/businesses/${BIZ}/keys`, { name: 'x', scopes: ['chat'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].message).toMatch(/^Unknown scope 'chat': expected one of all-methods, all-methods:read-only, /);
    const none = await control(t, 'POST', `/businesses/${BIZ}/keys`, { name: 'x', scopes: [] });
    expect(none.statusCode).toBe(400);
    const long = await control(t, 'POST', `/businesses/${BIZ}/keys`, { name: 'x'.repeat(101), scopes: ['communication'] });
    expect(long.statusCode).toBe(400);
    expect((await control(t, 'POST', '/businesses/999/keys', { name: 'x', scopes: ['communication'] })).statusCode).toBe(404);
  });

  it('a revoked key fails as Market’s revoked keys do, and other keys keep working', async () => {
    const key = (await control(t, 'POST', `/businesses/${BIZ}/keys`, { name: 'to revoke', scopes: ['all-methods'] })).json();
    expect((await sellerChat(t, DEMO.chats.order, BIZ, key.token)).statusCode).toBe(200);
    const revoked = await control(t, 'DELETE', `/keys/${key.id}`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toEqual(expect.any(String));
    const call = await sellerChat(t, DEMO.chats.order, BIZ, key.token);
    expect(call.statusCode).toBe(401);
    expect(call.json()).toEqual(errorBody('UNAUTHORIZED', 'Api-Key token is revoked'));
    expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
    // Revoking again keeps the first revocation time.
    expect((await control(t, 'DELETE', `/keys/${key.id}`)).json().revokedAt).toBe(revoked.json().revokedAt);
    expect((await control(t, 'DELETE', '/keys/999999')).json()).toEqual(errorBody('NOT_FOUND', "Api key not found: '999999'"));
  });

  it('OAuth: a user of some businesses, a token for an app, then revocation', async () => {
    const user = await control(t, 'POST', '/oauth/users', { login: 'manager-2', businessIds: [BIZ] });
    expect(user.statusCode).toBe(201);
    expect(user.json()).toMatchObject({ login: 'manager-2', businessIds: [BIZ] });
    expect((await control(t, 'POST', '/oauth/users', { login: 'manager-2', businessIds: [] })).statusCode).toBe(409);

    const tok = await control(t, 'POST', `/oauth/users/${user.json().id}/tokens`, { clientId: 'my-app' });
    expect(tok.statusCode).toBe(201);
    const { token, id } = tok.json();
    const bearer = { authorization: `Bearer ${token}` };
    const url = `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`;
    expect((await t.app.inject({ method: 'GET', url, headers: bearer })).statusCode).toBe(200);
    const legacy = { authorization: `OAuth oauth_token=${token}, oauth_client_id=my-app` };
    expect((await t.app.inject({ method: 'GET', url, headers: legacy })).statusCode).toBe(200);

    const tokens = (await control(t, 'GET', `/oauth/users/${user.json().id}/tokens`)).json().tokens;
    expect(tokens).toEqual([expect.objectContaining({ id, clientId: 'my-app', revokedAt: null })]);
    expect(JSON.stringify(tokens)).not.toContain(token);

    expect((await control(t, 'DELETE', `/oauth/tokens/${id}`)).statusCode).toBe(200);
    const after = await t.app.inject({ method: 'GET', url, headers: bearer });
    expect(after.statusCode).toBe(403);
    expect(after.json()).toEqual(errorBody('FORBIDDEN', 'OAuth token is invalid'));
  });

  it('deleting an OAuth user ends their tokens', async () => {
    const user = (await control(t, 'POST', '/oauth/users', { login: 'temp', businessIds: [BIZ, DEMO.otherBusinessId] })).json();
    const { token } = (await control(t, 'POST', `/oauth/users/${user.id}/tokens`, { clientId: 'c' })).json();
    expect((await control(t, 'GET', '/oauth/users')).json().users.map((u: any) => u.login)).toContain('temp');
    expect((await control(t, 'DELETE', `/oauth/users/${user.id}`)).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(403);
    expect((await control(t, 'POST', '/oauth/users', { login: 'x', businessIds: [999] })).statusCode).toBe(404);
  });
});
