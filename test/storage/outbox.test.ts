import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, noteSkippedPostgres, openTestStorage, type TestStorage } from '../helpers/app.js';
import { DEMO, seedDemo } from '../../src/domain/demo.js';
import { messageSentPayload, recordEvent } from '../../src/domain/events.js';
import { claimDue, nextDueAt, recordAttempt, releaseAllClaims, renewClaims, type Claim } from '../../src/notify/outbox.js';
import { DAY_MS, MINUTE_MS } from '../../src/clock.js';
import type { AttemptResult } from '../../src/notify/send.js';

noteSkippedPostgres();
const T = Date.parse('2026-11-21T07:00:00Z');
const BIZ = DEMO.businessId;

const ok: AttemptResult = { kind: 'ACCEPTED', httpStatus: 200, errorType: null, errorSubtype: null, message: null, latencyMs: 3 };
const down: AttemptResult = { kind: 'ERROR', httpStatus: 500, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'HTTP', message: 'HTTP 500', latencyMs: 3 };
const refused: AttemptResult = { kind: 'REJECTED', httpStatus: 400, errorType: 'WRONG_EVENT_FORMAT', errorSubtype: null, message: 'no', latencyMs: 3 };

for (const dialect of dialects()) {
  describe(`outbox on ${dialect}`, () => {
    let s: TestStorage;
    beforeEach(async () => {
      s = await openTestStorage(dialect);
      await seedDemo(s.storage, T);
    });
    afterEach(async () => s.dispose());

    const db = () => s.storage.db;
    async function subscription(business: number = BIZ, enabled = 1): Promise<number> {
      const row = await db()
        .insertInto('subscriptions')
        .values({ business_id: business, url: 'http://127.0.0.1:9/', event_types: '["CHAT_MESSAGE_SENT"]', enabled, disabled_reason: null, created_at: T, updated_at: T })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    }
    /** One event (and a delivery per subscription of the business), committed like a domain action does. */
    const event = (messageId: number, at = T, business: number = BIZ) =>
      db().transaction().execute((trx) => recordEvent(trx, business, messageSentPayload(business, 1, messageId, at), at));
    const state = async (id: number) => (await db().selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow());

    it('an event and its deliveries commit or vanish with the change that caused them', async () => {
      await subscription();
      await expect(
        db().transaction().execute(async (trx) => {
          await recordEvent(trx, BIZ, messageSentPayload(BIZ, 1, 7, T), T);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      expect(await db().selectFrom('events').select('id').execute()).toEqual([]);
      expect(await db().selectFrom('deliveries').select('id').execute()).toEqual([]);
      await event(8);
      expect(await db().selectFrom('deliveries').select(['state', 'attempts', 'next_attempt_at']).execute()).toEqual([
        { state: 'PENDING', attempts: 0, next_attempt_at: T },
      ]);
    });

    it('claims only the head of each enabled subscription, when due, for one owner at a time', async () => {
      const a = await subscription();
      const b = await subscription(DEMO.otherBusinessId);
      await subscription(BIZ, 0);
      await event(1);
      await event(2);
      await event(3, T, DEMO.otherBusinessId);
      expect(await claimDue(s.storage, 'x', T - 1, 10)).toEqual([]);
      const claims = await claimDue(s.storage, 'x', T, 10);
      expect(claims.map((c) => [c.subscriptionId, JSON.parse(c.payload).messageId])).toEqual([
        [a, '1'],
        [b, '3'],
      ]);
      expect(claims[0]).toMatchObject({ businessId: BIZ, type: 'CHAT_MESSAGE_SENT', attempts: 0, firstFailedAt: null, url: 'http://127.0.0.1:9/' });
      // Held: neither the same nor another owner gets anything while the claims live.
      expect(await claimDue(s.storage, 'y', T, 10)).toEqual([]);
      expect(await nextDueAt(s.storage)).toBeNull();
      // A claim whose lease ran out (its owner died) is taken over.
      await db().updateTable('deliveries').set({ claimed_until: 0 }).where('id', '=', claims[0].deliveryId).execute();
      const taken = await claimDue(s.storage, 'y', T, 10);
      expect(taken.map((c) => c.deliveryId)).toEqual([claims[0].deliveryId]);
      // Renewing is only for the holder.
      await renewClaims(s.storage, 'x', [claims[0].deliveryId]);
      expect((await state(claims[0].deliveryId)).claimed_by).toBe('y');
      await db().updateTable('deliveries').set({ claimed_until: 0 }).where('id', '=', claims[0].deliveryId).execute();
      await renewClaims(s.storage, 'y', [claims[0].deliveryId]);
      expect((await state(claims[0].deliveryId)).claimed_until).toBeGreaterThan(0);
      await releaseAllClaims(s.storage);
      expect((await claimDue(s.storage, 'z', T, 1)).map((c) => c.deliveryId)).toEqual([claims[0].deliveryId]);
    });

    it('records each outcome: delivered frees the next head, failure reschedules, 400 settles, 14 days disable and drop', async () => {
      const sub = await subscription();
      for (let i = 1; i <= 4; i++) await event(i);
      const claim = async (now: number): Promise<Claim> => (await claimDue(s.storage, 'w', now, 10))[0];

      let c = await claim(T);
      expect(await recordAttempt(s.storage, c, 'w', T, ok, T)).toBe('DELIVERED');
      expect(await state(c.deliveryId)).toMatchObject({ state: 'DELIVERED', attempts: 1, claimed_by: null });

      c = await claim(T);
      expect(JSON.parse(c.payload).messageId).toBe('2');
      expect(await recordAttempt(s.storage, c, 'w', T, down, T)).toBe('WILL_RETRY');
      expect(await state(c.deliveryId)).toMatchObject({ state: 'PENDING', attempts: 1, first_failed_at: T, next_attempt_at: T + MINUTE_MS, claimed_by: null });
      expect(await claimDue(s.storage, 'w', T + MINUTE_MS - 1, 10)).toEqual([]);
      expect(await nextDueAt(s.storage)).toBe(T + MINUTE_MS);
      c = await claim(T + MINUTE_MS);
      expect(c.attempts).toBe(1);
      expect(await recordAttempt(s.storage, c, 'w', T + MINUTE_MS, refused, T + MINUTE_MS)).toBe('REJECTED');
      expect(await state(c.deliveryId)).toMatchObject({ state: 'FAILED', attempts: 2 });

      c = await claim(T + MINUTE_MS);
      expect(JSON.parse(c.payload).messageId).toBe('3');
      await recordAttempt(s.storage, c, 'w', T + MINUTE_MS, down, T + MINUTE_MS);
      const late = T + MINUTE_MS + 14 * DAY_MS;
      c = await claim(late);
      expect(await recordAttempt(s.storage, c, 'w', late, down, late)).toBe('GAVE_UP');
      const rows = await db().selectFrom('deliveries').select(['state']).where('subscription_id', '=', sub).orderBy('id').execute();
      expect(rows.map((r) => r.state)).toEqual(['DELIVERED', 'FAILED', 'DROPPED', 'DROPPED']);
      const after = await db().selectFrom('subscriptions').selectAll().where('id', '=', sub).executeTakeFirstOrThrow();
      expect(after).toMatchObject({ enabled: 0, disabled_at: late });
      expect(after.disabled_reason).toMatch(/^Disabled after 14 days of failed deliveries/);
      const attempts = await db().selectFrom('delivery_attempts').select(['outcome', 'next_attempt_at']).orderBy('id').execute();
      expect(attempts).toEqual([
        { outcome: 'DELIVERED', next_attempt_at: null },
        { outcome: 'WILL_RETRY', next_attempt_at: T + MINUTE_MS },
        { outcome: 'REJECTED', next_attempt_at: null },
        { outcome: 'WILL_RETRY', next_attempt_at: T + 2 * MINUTE_MS },
        { outcome: 'GAVE_UP', next_attempt_at: null },
      ]);
      // A disabled subscription gets no new deliveries.
      await event(5);
      expect(await db().selectFrom('deliveries').select('id').where('state', '=', 'PENDING').execute()).toEqual([]);
    });

    it('an attempt whose claim was taken over is logged but changes nothing', async () => {
      await subscription();
      await event(1);
      const [mine] = await claimDue(s.storage, 'old', T, 1);
      await db().updateTable('deliveries').set({ claimed_until: 0 }).execute();
      const [theirs] = await claimDue(s.storage, 'new', T, 1);
      expect(await recordAttempt(s.storage, theirs, 'new', T, ok, T)).toBe('DELIVERED');
      expect(await recordAttempt(s.storage, mine, 'old', T, down, T)).toBeNull();
      expect(await state(mine.deliveryId)).toMatchObject({ state: 'DELIVERED', attempts: 1 });
      expect((await db().selectFrom('delivery_attempts').select('outcome').orderBy('id').execute()).map((r) => r.outcome)).toEqual(['DELIVERED', null]);
    });

    it('concurrent claimers never share a delivery nor hold two of one subscription', async () => {
      const subs = [await subscription(), await subscription(DEMO.otherBusinessId)];
      for (let i = 1; i <= 20; i++) {
        await event(i);
        await event(100 + i, T, DEMO.otherBusinessId);
      }
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => claimDue(s.storage, `owner-${i}`, T, 5)));
      const all = results.flat();
      expect(new Set(all.map((c) => c.deliveryId)).size).toBe(all.length);
      expect(all.map((c) => c.subscriptionId).sort()).toEqual([...subs].sort());
      expect(all.every((c) => JSON.parse(c.payload).messageId === '1' || JSON.parse(c.payload).messageId === '101')).toBe(true);
    });
  });
}
