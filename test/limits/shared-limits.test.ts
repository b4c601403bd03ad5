import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxClock } from '../../src/clock.js';
import { LimitError, Limiter, type Ticket } from '../../src/limits/limiter.js';
import { type QuotaStore, SqlQuotaStore } from '../../src/limits/quota.js';
import { RedisQuotaStore } from '../../src/limits/redis-quota.js';
import { type ParallelSlots, RedisParallelSlots, SqlParallelSlots } from '../../src/limits/semaphore.js';
import { PG_URL, T0, type TestStorage, openTestStorage } from '../helpers/app.js';

const REDIS_URL = process.env.YMCHAT_TEST_REDIS_URL ?? '';
const op = { operationId: 'getChat', hourlyLimit: 1000, resource: '/businesses/{businessId}/chat.json' };
const BUSINESS = 7001;
const entity = { kind: 'businessId' as const, id: BUSINESS };

interface Shared {
  /** A fresh instance over the shared store: its own quota store and slots. */
  instance(): { quota: QuotaStore; slots: (limit: number) => ParallelSlots };
  close(): Promise<void>;
}

/**
 * Two instances counting through the store they share, where the parallel slot and the hourly
 * count are taken in one round trip: the same answers as taking them one after the other.
 */
function sharedLimits(name: string, skip: boolean, open: () => Promise<Shared>) {
  describe.skipIf(skip)(`parallel slots and hourly counts in one round trip (${name})`, () => {
    let shared: Shared;
    let a: Limiter;
    let b: Limiter;
    beforeAll(async () => {
      shared = await open();
      const clock = new SandboxClock();
      clock.freeze(T0);
      const make = () => {
        const { quota, slots } = shared.instance();
        return new Limiter({ enabled: true, parallel: 4, hourly: { getChat: 10 } }, clock, quota, slots);
      };
      a = make();
      b = make();
    });
    afterAll(async () => shared?.close());

    const used = async () => (await a.quota.read(BUSINESS)).find((u) => u.method === 'getChat')?.used ?? 0;

    it('at most 4 in flight across instances; a refused call counts nothing', async () => {
      const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).acquire(entity, BUSINESS, op)));
      const admitted = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Ticket>).value);
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
      expect(admitted).toHaveLength(4);
      expect(refused.every((e) => e instanceof LimitError && e.kind === 'PARALLEL_LIMIT')).toBe(true);
      expect(admitted.map((t) => t.headers!.remaining).sort()).toEqual([6, 7, 8, 9]);
      expect(await a.parallel.current('businessId:7001')).toBe(4);
      expect(await used()).toBe(4);
      await Promise.all(admitted.map((t, i) => (i % 2 ? a : b).finish(t, 200)));
      expect(await b.parallel.current('businessId:7001')).toBe(0);
      expect(await used()).toBe(4);
    });

    it('a 5xx gives its count back with the slot; the hourly limit is exact and frees the slot', async () => {
      await a.finish(await b.acquire(entity, BUSINESS, op), 500);
      expect(await used()).toBe(4);
      for (let i = 0; i < 6; i++) await (i % 2 ? a : b).finish(await (i % 2 ? b : a).acquire(entity, BUSINESS, op), 200);
      expect(await used()).toBe(10);
      const over = await a.acquire(entity, BUSINESS, op).catch((e) => e);
      expect(over).toBeInstanceOf(LimitError);
      expect(over.kind).toBe('HOURLY_LIMIT');
      expect(await used()).toBe(10);
      expect(await a.parallel.current('businessId:7001')).toBe(0);
    });
  });
}

sharedLimits('PostgreSQL', !PG_URL, async () => {
  const s: TestStorage = await openTestStorage('postgres');
  return {
    instance: () => ({ quota: new SqlQuotaStore(s.storage), slots: (limit) => new SqlParallelSlots(s.storage.db, limit) }),
    close: () => s.dispose(),
  };
});

sharedLimits('Redis', !REDIS_URL, async () => {
  const prefix = `ymchat-test:${crypto.randomBytes(4).toString('hex')}`;
  const stores: RedisQuotaStore[] = [];
  return {
    instance: () => {
      const quota = new RedisQuotaStore(REDIS_URL, `${prefix}:quota`);
      stores.push(quota);
      return { quota, slots: (limit) => new RedisParallelSlots(quota.redis, limit, `${prefix}:parallel`) };
    },
    async close() {
      await stores[0]?.reset(BUSINESS);
      for (const s of stores) await s.close();
    },
  };
});
