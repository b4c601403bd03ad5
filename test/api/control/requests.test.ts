import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, type TestApp } from '../../helpers/app.js';
import { control, partner, sellerChat } from '../../helpers/control.js';
import { multipartRequest } from '../../helpers/multipart.js';
import { BIZ, DEMO } from '../../helpers/demo.js';

noteSkippedPostgres();

for (const dialect of dialects()) {
  describe(`control API: the request inspector (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ dialect, config: { inspector: { perBusiness: 5, bodyBytes: 100 } } });
    });
    afterAll(async () => t.close());
    beforeEach(async () => {
      await control(t, 'DELETE', '/requests');
    });

    const list = async (query = '') => {
      const res = await control(t, 'GET', `/requests${query}`);
      expect(res.statusCode).toBe(200);
      return res.json().requests as any[];
    };

    it('records a call with its key name, status, rate-limit headers and chat, never the secret', async () => {
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
      const [entry] = await list('?bodies=true');
      expect(entry).toMatchObject({
        businessId: BIZ,
        method: 'GET',
        path: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`,
        operationId: 'getChat',
        keyName: expect.any(String),
        status: 200,
        errorCode: null,
        chatId: DEMO.chats.order,
        rateLimit: { limit: '1000', remaining: '999', until: expect.any(String) },
      });
      expect(entry.latencyMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(entry)).not.toContain(DEMO.keys.communication);
      expect(entry.responseBody).toContain('"chatId":5000001');
    });

    it('a 403 is recorded with Market’s error code and message, and filters find it', async () => {
      const refused = await sellerChat(t, DEMO.chats.order, BIZ, DEMO.keys.pricingOnly);
      expect(refused.statusCode).toBe(403);
      await sellerChat(t, DEMO.chats.order);
      const failing = await list('?status=4xx');
      expect(failing).toHaveLength(1);
      expect(failing[0]).toMatchObject({
        status: 403,
        errorCode: 'FORBIDDEN',
        errorMessage: 'Token does not have any of the scopes to access the API method',
        chatId: DEMO.chats.order,
        operationId: 'getChat',
      });
      expect(failing[0].requestBody).toBeUndefined();
      expect(await list('?status=403')).toHaveLength(1);
      expect(await list('?status=2xx')).toHaveLength(1);
      expect(await list(`?key=${encodeURIComponent(failing[0].keyName)}`)).toHaveLength(1);
      expect(await list('?operation=getChats')).toHaveLength(0);
      expect(await list(`?chatId=${DEMO.chats.order}`)).toHaveLength(2);
      const one = await control(t, 'GET', `/requests/${failing[0].id}`);
      expect(one.json().responseBody).toContain('"message":"Token does not have');
    });

    it('an unknown key is recorded without a key name; bodies are cut at the configured size', async () => {
      const res = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`, { message: 'x'.repeat(200) });
      expect(res.statusCode).toBe(200);
      await partner(t, 'GET', `/v2/businesses/${BIZ}/chat?chatId=1`, undefined, 'ACMA:' + 'Z'.repeat(40) + ':00000000');
      const [unknown, sent] = await list('?bodies=true');
      expect(unknown).toMatchObject({ status: 401, keyName: null, errorCode: 'UNAUTHORIZED', businessId: BIZ });
      expect(sent.operationId).toBe('sendMessageToChat');
      expect(sent.requestBody).toHaveLength(100 + '…[truncated]'.length);
      expect(sent.requestBody.endsWith('…[truncated]')).toBe(true);
    });

    it('files are shown by name and size only', async () => {
      const res = await t.app.inject(
        multipartRequest(
          `/v2/businesses/${BIZ}/chats/file/send?chatId=${DEMO.chats.order}`,
          [{ name: 'file', filename: 'receipt.png', contentType: 'image/png', data: Buffer.alloc(3000, 7) }],
          { 'api-key': DEMO.keys.communication },
        ),
      );
      expect(res.statusCode).toBe(200);
      const [entry] = await list('?bodies=true');
      expect(JSON.parse(entry.requestBody)).toEqual({ file: { name: 'receipt.png', size: 3000, contentType: 'image/png' } });
    });

    it('keeps only the newest N calls per business, and they outlive a restart of the storage', async () => {
      for (let i = 0; i < 8; i++) await sellerChat(t, DEMO.chats.order);
      await partner(t, 'GET', `/v2/businesses/${DEMO.otherBusinessId}/chat?chatId=5000007`, undefined, DEMO.keys.otherBusiness);
      const mine = await list(`?businessId=${BIZ}`);
      expect(mine).toHaveLength(5);
      expect(await list(`?businessId=${DEMO.otherBusinessId}`)).toHaveLength(1);
      const newest = mine[0].id;
      expect((await list(`?businessId=${BIZ}&afterId=${newest - 2}`)).map((r) => r.id)).toEqual([newest - 1, newest]);
      expect(await list(`?businessId=${BIZ}&beforeId=${newest}&limit=2`)).toHaveLength(2);
    });

    it('counts calls per minute by status class', async () => {
      await sellerChat(t, DEMO.chats.order);
      await sellerChat(t, DEMO.chats.order, BIZ, DEMO.keys.pricingOnly);
      const res = await control(t, 'GET', `/requests/stats?businessId=${BIZ}&minutes=5`);
      const minutes = res.json().perMinute as any[];
      expect(minutes).toHaveLength(5);
      const total = minutes.reduce((acc, m) => ({ ok: acc.ok + m['2xx'], bad: acc.bad + m['4xx'] }), { ok: 0, bad: 0 });
      expect(total).toEqual({ ok: 1, bad: 1 });
    });

    it('refuses a bad filter in the envelope', async () => {
      const res = await control(t, 'GET', '/requests?status=oops');
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].message).toContain('status must be a class such as 4xx');
      expect((await control(t, 'GET', '/requests/999999')).statusCode).toBe(404);
    });
  });
}

describe('the request journal survives a restart', () => {
  it('calls recorded before reopening the database are still listed', async () => {
    const t = await buildTestApp();
    try {
      await sellerChat(t, DEMO.chats.order);
      await t.services.journal.flush();
      await t.db.reopen();
      const rows = await t.db.storage.db.selectFrom('request_log').selectAll().execute();
      expect(rows.map((r) => r.operation_id)).toEqual(['getChat']);
    } finally {
      await t.close();
    }
  });
});

describe('the request journal turned off', () => {
  it('records nothing with a limit of 0', async () => {
    const t = await buildTestApp({ config: { inspector: { perBusiness: 0, bodyBytes: 100 } } });
    try {
      expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
      expect((await control(t, 'GET', '/requests')).json().requests).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
