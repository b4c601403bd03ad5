import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisQuotaStore } from '../../src/limits/redis-quota.js';
import { windowStart } from '../../src/limits/quota.js';

const REDIS_URL = process.env.YMCHAT_TEST_REDIS_URL ?? '';
if (!REDIS_URL) console.log('[skip] Redis quota store tests: YMCHAT_TEST_REDIS_URL is not set');

describe.skipIf(!REDIS_URL)('hourly counters shared through Redis', () => {
  const prefix = `ymchat-test:${crypto.randomBytes(4).toString('hex')}`;
  const a = new RedisQuotaStore(REDIS_URL, prefix);
  const b = new RedisQuotaStore(REDIS_URL, prefix);
  afterAll(async () => {
    await a.reset(1);
    await a.close();
    await b.close();
  });
  const w = windowStart(Date.parse('2026-11-21T07:00:00Z'));

  it('two instances count into one counter without losing increments', async () => {
    const takes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take(1, 'getChat', w)));
    expect([...takes].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await b.giveBack(1, 'getChat', w);
    expect(await a.read(1)).toEqual([{ method: 'getChat', windowStart: w, used: 39 }]);
  });

  it('a new window counts from one; reset clears one method or all', async () => {
    expect(await a.take(1, 'getChat', w + 3600_000)).toBe(1);
    expect(await a.take(1, 'getChats', w)).toBe(1);
    await a.reset(1, 'getChat');
    expect((await b.read(1)).map((u) => u.method)).toEqual(['getChats']);
    await a.reset(1);
    expect(await b.read(1)).toEqual([]);
  });
});
