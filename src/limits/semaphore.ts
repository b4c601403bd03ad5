import crypto from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { Redis } from 'ioredis';
import type { Db } from '../storage/storage.js';
import { opsOf } from '../storage/dialect-ops.js';
import { OutageError } from '../storage/outage.js';
import { nameStatement } from '../storage/prepared.js';
import type { ApiKeyCheck } from '../domain/access.js';
import { type QuotaStore, SqlQuotaStore } from './quota.js';
import { RedisQuotaStore } from './redis-quota.js';

/**
 * Market's "at most N parallel requests" per entity: a request over the limit is refused at once,
 * never queued. `tryAcquire` gives a token to release with, or null when all slots are taken.
 */
export interface ParallelSlots {
  readonly limit: number;
  tryAcquire(key: string): string | null | Promise<string | null>;
  release(key: string, token: string): void | Promise<void>;
  current(key: string): number | Promise<number>;
  /** The same slots counting `quota` in the same round trip, where both live in one store. */
  countingWith?(quota: QuotaStore): CountingSlots | null;
}

/** One process (SQLite: the file has one owner): a counter per key. */
export class ParallelLimiter implements ParallelSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(public limit: number) {}

  tryAcquire(key: string): string | null {
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.limit) return null;
    this.inFlight.set(key, n + 1);
    return '1';
  }

  release(key: string): void {
    const n = this.inFlight.get(key) ?? 0;
    if (n <= 1) this.inFlight.delete(key);
    else this.inFlight.set(key, n - 1);
  }

  current(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }
}

/**
 * Longest a slot is held without being released: beyond the longest request (a DELAY fault of
 * 60 s plus the database timeout). A killed instance's slots are free again after it.
 */
export const SLOT_LEASE_MS = 70_000;

const holderId = () => `${process.pid}.${crypto.randomBytes(6).toString('hex')}`;

/** One counted call: the hourly counter of (owner, method, window) it adds to. */
export interface Count {
  owner: number;
  method: string;
  window: number;
}

/**
 * Slots that can count the hourly quota in the same round trip, where both live in one store:
 * the slot and the count are taken together (no count without a slot), and freed together.
 */
export interface CountingSlots {
  /** Whether `acquire` can confirm an Api-Key in the same round trip (the keys are in the same database). */
  readonly checksKeys: boolean;
  /**
   * A token and the count after this call; null and nothing counted when all slots are taken.
   * With `check` (only where `checksKeys`), nothing is taken and the answer is 'stale' unless the
   * key is still exactly as checked.
   */
  acquire(key: string, count: Count, check?: ApiKeyCheck): Promise<{ slot: string; used: number } | null | 'stale'>;
  /** Frees the slot and, with `giveBack`, uncounts the call. */
  release(key: string, token: string, giveBack: Count | null): Promise<void>;
}

/**
 * Slots in the database, shared by every instance over it (PostgreSQL; SQLite's one process
 * keeps them in memory): N numbered rows per entity, each taken by one request under a lease
 * measured by the database's clock.
 *
 * Each statement is one round trip of fixed text (no query building per call; a named prepared
 * statement, planned once per connection), and commits without waiting for its WAL flush
 * (`synchronous_commit` off for that transaction only): a slot or a count is visible to every
 * instance the moment it commits, so exactness is unchanged; a crash of PostgreSQL may forget
 * the last fraction of a second of counting, as SQLite's write-behind counters may.
 */
export class SqlParallelSlots implements ParallelSlots {
  constructor(
    private readonly db: Db,
    readonly limit: number,
    private readonly leaseMs = SLOT_LEASE_MS,
  ) {}

  async tryAcquire(key: string): Promise<string | null> {
    const taken = await this.take(key, null);
    return taken === null || taken === 'stale' ? null : taken.slot;
  }

  /**
   * Two requests may pick the same free slot; the loser's upsert changes nothing and it tries
   * again while slots are free, so a free slot is never refused. The search starts at a random
   * slot and stops at the first free one, making collisions rare and the cost independent of N.
   */
  private async take(key: string, count: Count | null, check?: ApiKeyCheck): Promise<{ slot: string; used: number } | null | 'stale'> {
    const holder = holderId();
    for (let attempt = 0; attempt < Math.min(this.limit, 8) * 4; attempt++) {
      const start = 1 + Math.floor(Math.random() * this.limit);
      const params: unknown[] = [key, holder, this.leaseMs, start, this.limit];
      if (count) params.push(count.owner, count.method, count.window);
      if (count && check) params.push(check.tokenHash, check.keyId, check.name, check.businessId, check.scopes);
      const r = await this.db.executeQuery<{ slot: number | null; used: string | number | null; key_ok?: boolean }>(
        CompiledQuery.raw(count ? (check ? CHECK_TAKE_AND_COUNT : TAKE_AND_COUNT) : TAKE, params),
      );
      const row = r.rows[0];
      if (row?.key_ok === false) return 'stale';
      if (row?.slot != null) return { slot: `${row.slot}:${holder}`, used: Number(row.used ?? 0) };
      if ((await this.current(key)) >= this.limit) return null;
    }
    return null;
  }

  async release(key: string, token: string): Promise<void> {
    await this.free(key, token, null);
  }

  private async free(key: string, token: string, giveBack: Count | null): Promise<void> {
    const [slot, holder] = token.split(':');
    if (giveBack) {
      await this.db.executeQuery(CompiledQuery.raw(FREE_AND_GIVE_BACK, [key, Number(slot), holder, giveBack.owner, giveBack.method, giveBack.window]));
      return;
    }
    await this.db.executeQuery(CompiledQuery.raw(FREE, [key, Number(slot), holder]));
  }

  async current(key: string): Promise<number> {
    const row = await this.db
      .selectFrom('parallel_slots')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('entity_key', '=', key)
      .where('lease_until', '>=', opsOf(this.db).realNowMs())
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Counting in the same statement, when the quota's counters are in this database. */
  countingWith(quota: QuotaStore): CountingSlots | null {
    if (!(quota instanceof SqlQuotaStore) || quota.db !== this.db) return null;
    return {
      checksKeys: true,
      acquire: (key, count, check) => this.take(key, count, check),
      release: (key, token, giveBack) => this.free(key, token, giveBack),
    };
  }
}

// $1 entity key, $2 holder, $3 lease ms, $4 first slot looked at, $5 number of slots; with
// counting $6 owner, $7 method, $8 window. The slot search walks $4..$5 then 1..$4-1 and stops at
// the first free slot.
const slotCte = (keyCheck: string) => `
with t as (select (extract(epoch from clock_timestamp()) * 1000)::bigint as now),${keyCheck}
free as (
  select c.n from (
    select n from generate_series($4::int, $5::int) as n
    union all
    select n from generate_series(1, $4::int - 1) as n
  ) as c
  where not exists (select 1 from parallel_slots p, t where p.entity_key = $1 and p.slot = c.n and p.lease_until >= t.now)${keyCheck ? '\n    and exists (select 1 from known_key)' : ''}
  limit 1
),
taken as (
  insert into parallel_slots (entity_key, slot, holder, lease_until)
  select $1, free.n, $2, t.now + $3::bigint from free, t
  on conflict (entity_key, slot) do update set holder = excluded.holder, lease_until = excluded.lease_until
    where parallel_slots.lease_until < (select now from t)
  returning slot
)`;
const ASYNC_COMMIT = `set_config('synchronous_commit', 'off', true)`;
const SLOT_CTE = slotCte('');
const TAKE = nameStatement(`${SLOT_CTE}
select (select slot from taken) as slot, null as used, ${ASYNC_COMMIT} as async`);
// The count is the one SqlQuotaStore.take makes, here only when a slot was taken.
const COUNTED = `
counted as (
  insert into quota_counters (business_id, method, window_start, used)
  select $6::bigint, $7::text, $8::bigint, 1 from taken
  on conflict (business_id, method) do update set
    used = case when quota_counters.window_start = excluded.window_start then quota_counters.used + 1 else 1 end,
    window_start = excluded.window_start
  returning used
)`;
const TAKE_AND_COUNT = nameStatement(`${SLOT_CTE},${COUNTED}
select (select slot from taken) as slot, (select used from counted) as used, ${ASYNC_COMMIT} as async`);
// With a key to confirm: $9 token digest, $10 key id, $11 name, $12 business, $13 scopes as
// stored. Nothing is taken unless the key is still exactly so, read in this statement's snapshot,
// which is newer than the call: a key revoked before the call arrived is never admitted.
const CHECK_TAKE_AND_COUNT = nameStatement(`${slotCte(`
known_key as (
  select 1 from api_keys
  where token_hash = $9::text and id = $10::bigint and name = $11::text and business_id = $12::bigint and scopes = $13::text
    and revoked_at is null
),`)},${COUNTED}
select (select slot from taken) as slot, (select used from counted) as used, exists (select 1 from known_key) as key_ok, ${ASYNC_COMMIT} as async`);
// $1 entity key, $2 slot, $3 holder.
const FREE = nameStatement(`
with freed as (delete from parallel_slots where entity_key = $1 and slot = $2::int and holder = $3)
select ${ASYNC_COMMIT} as async`);
// $1 entity key, $2 slot, $3 holder, $4 owner, $5 method, $6 window.
const FREE_AND_GIVE_BACK = nameStatement(`
with freed as (delete from parallel_slots where entity_key = $1 and slot = $2::int and holder = $3),
back as (
  update quota_counters set used = case when used > 0 then used - 1 else 0 end
  where business_id = $4::bigint and method = $5::text and window_start = $6::bigint
)
select ${ASYNC_COMMIT} as async`);

const ACQUIRE = `
for i = 1, tonumber(ARGV[1]) do
  if redis.call('set', KEYS[1] .. ':' .. i, ARGV[2], 'NX', 'PX', ARGV[3]) then return i end
end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** Slots in Redis, shared by every instance pointing at it; each slot key expires with its lease. */
export class RedisParallelSlots implements ParallelSlots {
  constructor(
    private readonly redis: Redis,
    readonly limit: number,
    private readonly prefix = 'ymchat:parallel',
    private readonly leaseMs = SLOT_LEASE_MS,
  ) {}

  async tryAcquire(key: string): Promise<string | null> {
    const holder = holderId();
    const slot = Number(await outage(this.redis.eval(ACQUIRE, 1, `${this.prefix}:${key}`, this.limit, holder, this.leaseMs)));
    return slot > 0 ? `${slot}:${holder}` : null;
  }

  async release(key: string, token: string): Promise<void> {
    const [slot, holder] = token.split(':');
    await outage(this.redis.eval(RELEASE, 1, `${this.prefix}:${key}:${slot}`, holder));
  }

  async current(key: string): Promise<number> {
    const keys = Array.from({ length: this.limit }, (_, i) => `${this.prefix}:${key}:${i + 1}`);
    return (await outage(this.redis.exists(...keys))) as number;
  }

  /**
   * Counting in the same script, when the quota's counters are on this connection: the count is
   * the one RedisQuotaStore.take makes (rate-limiter-flexible's key and expiry), here only when a
   * slot was taken.
   */
  countingWith(quota: QuotaStore): CountingSlots | null {
    if (!(quota instanceof RedisQuotaStore) || quota.redis !== this.redis) return null;
    return {
      checksKeys: false,
      acquire: async (key, { owner, method, window }) => {
        await quota.connected();
        const holder = holderId();
        const counter = quota.counterOf(owner, method, window);
        const [slot, used] = (await outage(
          this.redis.eval(ACQUIRE_AND_COUNT, 2, `${this.prefix}:${key}`, counter.key, this.limit, holder, this.leaseMs, counter.ttlSec),
        )) as [number, number];
        return slot > 0 ? { slot: `${slot}:${holder}`, used: Number(used) } : null;
      },
      release: async (key, token, giveBack) => {
        if (!giveBack) return this.release(key, token);
        const [slot, holder] = token.split(':');
        const counter = quota.counterOf(giveBack.owner, giveBack.method, giveBack.window);
        await outage(this.redis.eval(RELEASE_AND_GIVE_BACK, 2, `${this.prefix}:${key}:${slot}`, counter.key, holder, counter.ttlSec));
      },
    };
  }
}

const ACQUIRE_AND_COUNT = `
for i = 1, tonumber(ARGV[1]) do
  if redis.call('set', KEYS[1] .. ':' .. i, ARGV[2], 'NX', 'PX', ARGV[3]) then
    redis.call('set', KEYS[2], 0, 'EX', ARGV[4], 'NX')
    return {i, redis.call('incrby', KEYS[2], 1)}
  end
end
return {0, 0}`;
const RELEASE_AND_GIVE_BACK = `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('set', KEYS[2], 0, 'EX', ARGV[2], 'NX')
redis.call('incrby', KEYS[2], -1)
return 0`;

async function outage<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new OutageError('redis', e);
  }
}
