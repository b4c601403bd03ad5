import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, T0, type TestApp } from '../../helpers/app.js';
import { sellerChat } from '../../helpers/control.js';
import { BIZ, DEMO, errorBody, KEY } from '../../helpers/demo.js';
import { hashToken } from '../../../src/domain/access.js';

noteSkippedPostgres();

/**
 * Keys changed in the database behind this process's back, as another instance sharing it
 * would: the very next call answers as the key now stands, and a refused call counts nothing.
 */
for (const dialect of dialects()) {
  describe(`an Api-Key changed by another instance (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ dialect, config: { limits: { enabled: true, parallel: 4, hourly: { getChat: 100 } } } });
    });
    afterAll(async () => t.close());

    const setKey = (values: { revoked_at?: number | null; scopes?: string; business_id?: number }) =>
      t.services.storage.db.updateTable('api_keys').set(values).where('token_hash', '=', hashToken(KEY)).execute();
    const remaining = (res: { headers: Record<string, unknown> }) => Number(res.headers['x-ratelimit-resource-remaining']);

    it('revoked: refused on the next call, uncounted; restored: admitted again', async () => {
      const first = await sellerChat(t, DEMO.chats.order);
      expect(first.statusCode).toBe(200);
      await setKey({ revoked_at: T0 });
      const refused = await sellerChat(t, DEMO.chats.order);
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toEqual(errorBody('UNAUTHORIZED', 'Api-Key token is revoked'));
      await setKey({ revoked_at: null });
      const again = await sellerChat(t, DEMO.chats.order);
      expect(again.statusCode).toBe(200);
      expect(remaining(again)).toBe(remaining(first) - 1);
    });

    it('scopes narrowed: 403 on the next call', async () => {
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
      await setKey({ scopes: JSON.stringify(['pricing']) });
      const refused = await sellerChat(t, DEMO.chats.order);
      expect(refused.json()).toEqual(errorBody('FORBIDDEN', 'Token does not have any of the scopes to access the API method'));
      await setKey({ scopes: JSON.stringify(['communication']) });
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
    });

    it('moved to another business: 403 on the next call', async () => {
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
      await setKey({ business_id: BIZ + 1 });
      const refused = await sellerChat(t, DEMO.chats.order);
      expect(refused.json()).toEqual(errorBody('FORBIDDEN', 'Access denied'));
      await setKey({ business_id: BIZ });
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
    });
  });
}
