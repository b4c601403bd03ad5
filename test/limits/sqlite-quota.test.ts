import { afterEach, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/clock.js';
import { SqliteQuotaStore } from '../../src/limits/quota.js';
import { openTestStorage, type TestStorage } from '../helpers/app.js';

const W = 1_000 * HOUR_MS;

describe('quota counters on SQLite (memory, written behind)', () => {
  let s: TestStorage;
  afterEach(async () => s.dispose());

  const stored = () =>
    s.storage.sqlite!.prepare('select method, window_start as window, used from quota_counters order by method').all();

  it('counts exactly in memory and writes the counts at close; a reopened store goes on from them', async () => {
    s = await openTestStorage('sqlite');
    const q = new SqliteQuotaStore(s.storage, 60_000);
    for (let i = 1; i <= 5; i++) expect(await q.take(7, 'getChat', W)).toBe(i);
    await q.giveBack(7, 'getChat', W);
    expect(stored()).toEqual([]); // nothing written per request
    await q.close();
    expect(stored()).toEqual([{ method: 'getChat', window: W, used: 4 }]);
    const again = new SqliteQuotaStore(s.storage, 60_000);
    expect(await again.take(7, 'getChat', W)).toBe(5);
    expect(await again.take(7, 'getChat', W + HOUR_MS)).toBe(1);
    // A late giveBack for the window that has passed changes nothing.
    await again.giveBack(7, 'getChat', W);
    expect(await again.read(7)).toEqual([{ method: 'getChat', windowStart: W + HOUR_MS, used: 1 }]);
  });

  it('a clock set back to an earlier window starts that window from zero, as the upsert does', async () => {
    s = await openTestStorage('sqlite');
    const q = new SqliteQuotaStore(s.storage, 60_000);
    await q.take(7, 'getChat', W + HOUR_MS);
    await q.take(7, 'getChat', W + HOUR_MS);
    expect(await q.take(7, 'getChat', W)).toBe(1);
    await q.giveBack(7, 'getChat', W);
    expect(await q.read(7)).toEqual([{ method: 'getChat', windowStart: W, used: 0 }]);
  });

  it('reads and resets see the counts of this very moment', async () => {
    s = await openTestStorage('sqlite');
    const q = new SqliteQuotaStore(s.storage, 60_000);
    await q.take(7, 'getChat', W);
    await q.take(7, 'getChats', W);
    expect((await q.read(7)).map((u) => u.used)).toEqual([1, 1]);
    await q.reset(7, 'getChat');
    expect(await q.take(7, 'getChat', W)).toBe(1);
    expect(await q.take(7, 'getChats', W)).toBe(2);
  });

  it('forgets a business whose rows were removed under it', async () => {
    s = await openTestStorage('sqlite');
    const q = new SqliteQuotaStore(s.storage, 60_000);
    await q.take(7, 'getChat', W);
    await q.close();
    s.storage.sqlite!.prepare('delete from quota_counters').run();
    q.forget(7);
    expect(await q.take(7, 'getChat', W)).toBe(1);
  });
});
