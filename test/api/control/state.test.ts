import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, T0, type TestApp } from '../../helpers/app.js';
import { admin, control, outboxEvents, partner, sellerChat } from '../../helpers/control.js';
import { BIZ, DEMO } from '../../helpers/demo.js';
import { multipartRequest } from '../../helpers/multipart.js';

noteSkippedPostgres();

/** A hand-written fixture: defaults fill what it leaves out, and the key is given in plain text. */
const KEY = `ACMA:${'FixtureKey'.padEnd(40, '0')}:0000f001`;
const fixture = {
  version: 1,
  businesses: [{ id: 10, name: 'Fixture Shop' }],
  campaigns: [{ id: 20, businessId: 10, placementModel: 'FBS' }],
  buyers: [{ id: 30, name: 'Petr' }],
  orders: [{ id: 40, campaignId: 20, buyerId: 30 }],
  returns: [{ id: 45, orderId: 40 }],
  chats: [
    { id: 50, contextType: 'ORDER', orderId: 40, status: 'WAITING_FOR_PARTNER', createdAt: '2026-11-20T09:00:00+03:00' },
    { id: 51, contextType: 'DIRECT', businessId: 10, buyerId: 30, subject: 'Kettle' },
  ],
  messages: [{ id: 60, chatId: 50, sender: 'CUSTOMER', text: 'Hello from a fixture' }],
  apiKeys: [{ businessId: 10, name: 'fixture key', scopes: ['communication'], token: KEY }],
  subscriptions: [{ businessId: 10, url: 'http://127.0.0.1:9/hook', eventTypes: ['CHAT_CREATED'], enabled: false }],
};

for (const dialect of dialects()) {
  describe(`control API: export, import and reset (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ dialect });
    });
    afterAll(async () => t.close());

    it('an export imported back gives the same sandbox, files included', async () => {
      // Larger than a JSON call may be (512 KB) once base64: state files have their own limit.
      const bytes = Buffer.alloc(700 * 1024, 7);
      bytes.set([0, 1, 2, 255]);
      await t.app.inject(multipartRequest(`/_sandbox/chats/${DEMO.chats.direct}/files`, [{ name: 'file', filename: 'a.bin', data: bytes }], admin));
      await control(t, 'POST', '/oauth/users', { login: 'second', businessIds: [BIZ, DEMO.otherBusinessId] });
      await control(t, 'POST', '/clock', { action: 'freeze', at: T0 });
      const exported = (await control(t, 'GET', '/state')).body;
      const before = JSON.parse(exported);
      expect(before).toMatchObject({ format: 'ymchat-state', version: 1, exportedAt: '2026-11-21T07:00:00.000Z' });
      expect(before.files[0]).toMatchObject({ name: 'a.bin', size: bytes.length, data: bytes.toString('base64') });
      expect(JSON.stringify(before)).not.toContain(DEMO.keys.communication);
      // The file's layout is a format others keep files in: lists and fields in this order.
      const layout = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, Array.isArray(v) ? Object.keys(v[0] ?? {}).join() : typeof v]));
      expect(layout).toEqual({
        format: 'string',
        version: 'number',
        exportedAt: 'string',
        businesses: 'id,name,createdAt',
        campaigns: 'id,businessId,placementModel,domain,clientId,apiAvailability,createdAt',
        buyers: 'id,name,publicId,createdAt',
        orders: 'id,businessId,campaignId,buyerId,createdAt',
        returns: 'id,businessId,orderId,campaignId,createdAt',
        chats: 'id,businessId,contextType,orderId,returnId,campaignId,buyerId,subject,type,status,createdAt,updatedAt,version',
        messages: 'id,chatId,businessId,sender,text,createdAt',
        files: 'id,messageId,businessId,name,contentType,size,token,data,createdAt',
        apiKeys: 'id,businessId,name,scopes,tokenHash,createdAt,revokedAt',
        oauthUsers: 'id,login,businessIds,createdAt',
        oauthTokens: 'id,userId,clientId,tokenHash,createdAt,revokedAt',
        // The demo has none; the fixture's are checked below.
        subscriptions: '',
        settings: 'object',
      });

      expect((await control(t, 'POST', '/reset', { to: 'empty' })).json()).toEqual({ reset: 'empty' });
      expect((await control(t, 'GET', '/businesses')).json().businesses).toEqual([]);

      const imported = await control(t, 'PUT', '/state', before);
      expect(imported.statusCode).toBe(200);
      expect(imported.json().imported).toMatchObject({ businesses: 2, chats: 7, files: 1, apiKeys: 5, oauthUsers: 2 });
      // The same bytes, field order included: a file exported, imported and exported again is unchanged.
      expect((await control(t, 'GET', '/state')).body).toBe(exported);

      // Keys kept as digests still open the partner API; the file link still serves the bytes.
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
      const history = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/history?chatId=${DEMO.chats.direct}`, {});
      const url = new URL(history.json().result.messages.at(-1).payload[0].url);
      expect((await t.app.inject({ method: 'GET', url: url.pathname })).rawPayload).toEqual(bytes);
      // New rows continue after the imported ids.
      const created = (await control(t, 'POST', '/chats/direct', { businessId: BIZ, buyerId: 6000001 })).json();
      expect(created.chat.chatId).toBeGreaterThan(5000007);
    });

    it('a hand-written fixture gets defaults; its plain token becomes a working key', async () => {
      const res = await control(t, 'PUT', '/state', fixture);
      expect(res.statusCode).toBe(200);
      const chat = await sellerChat(t, 50, 10, KEY);
      expect(chat.statusCode).toBe(200);
      expect(chat.json().result).toMatchObject({
        status: 'WAITING_FOR_PARTNER',
        createdAt: '2026-11-20T09:00:00+03:00',
        updatedAt: '2026-11-20T09:00:00+03:00',
        context: { type: 'ORDER', orderId: 40, campaignId: 20, customer: { name: 'Petr' } },
      });
      expect((await sellerChat(t, 51, 10, KEY)).json().result).toMatchObject({ status: 'NEW', context: { type: 'DIRECT' } });
      // The demo is gone: import replaced everything.
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(401);
      const state = (await control(t, 'GET', '/state')).json();
      expect(state.apiKeys[0].tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(state.campaigns[0]).toMatchObject({ domain: 'Fixture Shop (FBS)', apiAvailability: 'AVAILABLE', clientId: 10 });
      expect(Object.keys(state.subscriptions[0]).join()).toBe('id,businessId,url,eventTypes,enabled,disabledReason,disabledAt,createdAt,updatedAt');
      expect(state.subscriptions[0]).toMatchObject({ id: 1, eventTypes: ['CHAT_CREATED'], enabled: false, disabledReason: null, updatedAt: state.subscriptions[0].createdAt });
      expect(await outboxEvents(t, 10)).toEqual([]);
    });

    it('a bad file names the path of the bad field, and a failed import changes nothing', async () => {
      await control(t, 'POST', '/reset', { to: 'demo' });
      const before = (await control(t, 'GET', '/state')).json();
      const bad = (patch: (f: any) => void) => {
        const f = structuredClone(fixture) as any;
        patch(f);
        return f;
      };
      const cases: [unknown, string][] = [
        [bad((f) => (f.chats[1].status = 'OPEN')), "Invalid state file at 'chats[1].status' must be one of NEW, WAITING_FOR_CUSTOMER, WAITING_FOR_PARTNER, WAITING_FOR_ARBITER, WAITING_FOR_MARKET, FINISHED (got 'OPEN')"],
        [bad((f) => delete f.orders[0].campaignId), "Invalid state file at 'orders[0].campaignId' is required"],
        [bad((f) => (f.buyers[0].nickname = 'p')), "Invalid state file at 'buyers[0].nickname' is not a field of the state file"],
        [bad((f) => (f.messages[0].chatId = 'x')), "Invalid state file at 'messages[0].chatId' must be integer (got 'x')"],
        [bad((f) => (f.version = 2)), "Invalid state file at 'version' must be 1 (got 2)"],
        [bad((f) => (f.orders[0].buyerId = 31)), "Invalid state file at 'orders[0].buyerId': buyer 31 is not in the file"],
        [bad((f) => f.businesses.push({ id: 10, name: 'Twin' })), "Invalid state file at 'businesses[1].id': id 10 appears twice"],
        [bad((f) => f.chats.push({ id: 52, contextType: 'ORDER', orderId: 40 })), "Invalid state file at 'chats[2].orderId': a chat about ORDER 40 appears twice"],
        [bad((f) => (f.chats[0].createdAt = 'yesterday')), "Invalid state file at 'chats[0].createdAt': \"yesterday\" is not epoch milliseconds or ISO 8601 with an offset"],
        [bad((f) => (f.apiKeys[0].tokenHash = 'a'.repeat(64))), "Invalid state file at 'apiKeys[0].token': give exactly one of token and tokenHash"],
        [bad((f) => (f.chats[1].orderId = 40)), "Invalid state file at 'chats[1].orderId': a DIRECT chat has no order, return or campaign"],
        [bad((f) => (f.orders[0].businessId = 11)), "Invalid state file at 'orders[0].businessId': business 11 does not match business 10 of the row it refers to"],
        [[], 'Invalid state file: expected a JSON object'],
      ];
      for (const [body, message] of cases) {
        const res = await control(t, 'PUT', '/state', body);
        expect(res.statusCode, message).toBe(400);
        expect(res.json().errors[0].message).toBe(message);
      }
      expect((await control(t, 'GET', '/state')).json()).toEqual(before);
    });

    it('a file the database refuses midway is rolled back whole', async () => {
      await control(t, 'POST', '/reset', { to: 'demo' });
      const before = (await control(t, 'GET', '/state')).json();
      // A rule of the database itself (not of the file checks) refuses one message, after the
      // wipe and the businesses, chats and other messages were already written in the transaction.
      const db = t.services.storage.db;
      if (dialect === 'sqlite') {
        await sql`create trigger refuse_boom before insert on messages when new.text = 'boom' begin select raise(abort, 'boom refused'); end`.execute(db);
      } else {
        await sql`create function refuse_boom() returns trigger as $$ begin if new.text = 'boom' then raise exception 'boom refused'; end if; return new; end $$ language plpgsql`.execute(db);
        await sql`create trigger refuse_boom before insert on messages for each row execute function refuse_boom()`.execute(db);
      }
      try {
        const file = { ...fixture, messages: [...fixture.messages, { id: 61, chatId: 51, sender: 'CUSTOMER', text: 'boom' }] };
        const res = await control(t, 'PUT', '/state', file);
        expect(res.statusCode).toBe(400);
        expect(res.json().errors[0].message).toMatch(/^Import failed, nothing was changed: .*boom refused/);
        expect((await control(t, 'GET', '/state')).json()).toEqual(before);
      } finally {
        await sql`drop trigger refuse_boom${dialect === 'postgres' ? sql` on messages` : sql``}`.execute(db);
      }
    });

    it('settings in a file set the clock; reset keeps the clock and clears faults', async () => {
      const withClock = { ...fixture, settings: { clock: JSON.stringify({ mode: 'virtual', baseMs: T0 + 86_400_000, runningSinceRealMs: null }) } };
      await control(t, 'PUT', '/state', withClock);
      expect((await control(t, 'GET', '/clock')).json()).toMatchObject({ frozen: true, nowMs: T0 + 86_400_000 });
      await control(t, 'POST', '/faults', { businessId: 10, kind: '500' });
      await control(t, 'POST', '/reset', { to: 'demo' });
      expect((await control(t, 'GET', '/faults')).json().faults).toEqual([]);
      expect((await control(t, 'GET', '/clock')).json().nowMs).toBe(T0 + 86_400_000);
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
      expect((await control(t, 'POST', '/reset', { to: 'everything' })).statusCode).toBe(400);
      await control(t, 'POST', '/clock', { action: 'freeze', at: T0 });
    });
  });
}
