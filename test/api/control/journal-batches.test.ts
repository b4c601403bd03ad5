import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, noteSkippedPostgres, openTestStorage, type TestStorage } from '../../helpers/app.js';
import { RequestJournal, listRequests, type CallSeen } from '../../../src/inspector/journal.js';

noteSkippedPostgres();

const call = (n: number, businessId: number | null): CallSeen => ({
  at: 1_000 + n, clockAt: 2_000 + n, method: 'POST', path: `/v2/businesses/1/chats/message?chatId=${n}`, operationId: 'sendMessageToChat',
  businessId, keyName: 'k', status: n % 7 === 0 ? 400 : 200, latencyMs: 1.234, rateLimit: n % 2 ? { limit: '10', remaining: '9', until: 'x' } : null,
  chatId: n, requestBody: { message: `m${n}` },
  responseBody: n % 7 === 0 ? JSON.stringify({ status: 'ERROR', errors: [{ code: 'BAD_REQUEST', message: `bad ${n}` }] }) : '{"status":"OK"}',
});

for (const dialect of dialects()) {
  describe(`the request journal writes big batches in slices on ${dialect}`, () => {
    let s: TestStorage;
    beforeAll(async () => {
      s = await openTestStorage(dialect);
    }, 30_000);
    afterAll(async () => s?.dispose());

    it('stores every call of a batch larger than a slice, field for field, and trims past a delete slice', async () => {
      const journal = new RequestJournal(() => s.storage.db, { perBusiness: 300, bodyBytes: 100 });
      for (let n = 1; n <= 1234; n++) journal.record(call(n, n % 10 === 0 ? null : 1));
      await journal.flush();
      const mine = await listRequests(s.storage.db, { businessId: 1, limit: 1000 });
      // Trimmed once per 5% of the bound: at least the newest 300, never more than 5% over.
      expect(mine.length).toBeGreaterThanOrEqual(300);
      expect(mine.length).toBeLessThanOrEqual(315);
      expect(mine[0].chatId).toBe(1234);
      expect(mine.find((e) => e.chatId === 1233)).toMatchObject({
        businessId: 1, at: 2233, clockAt: 3233, method: 'POST', operationId: 'sendMessageToChat', keyName: 'k', status: 200,
        errorCode: null, latencyMs: 1.23, rateLimit: { limit: '10', remaining: '9', until: 'x' }, chatId: 1233,
        requestBody: '{"message":"m1233"}', responseBody: '{"status":"OK"}',
      });
      const failed = mine.find((e) => e.chatId === 1232)!;
      expect(failed).toMatchObject({ status: 400, errorCode: 'BAD_REQUEST', errorMessage: 'bad 1232', rateLimit: null });
      // The newest 300 are all there, in order.
      const ids = mine.map((e) => e.chatId);
      const expected = Array.from({ length: 1234 }, (_, i) => 1234 - i).filter((n) => n % 10 !== 0).slice(0, 300);
      expect(ids.slice(0, 300)).toEqual(expected);
      const unowned = await s.storage.db.selectFrom('request_log').select('id').where('business_id', 'is', null).execute();
      expect(unowned.length).toBe(123);
    });
  });
}
