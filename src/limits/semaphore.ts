import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { Db } from '../storage/storage.js';
import { opsOf } from '../storage/dialect-ops.js';
import { OutageError } from '../storage/outage.js';

/**
 * Market's "at most N parallel requests" per entity: a request over the limit is refused at once,
 * never queued. `tryAcquire` gives a token to release with, or null when all slots are taken.
 */
export interface ParallelSlots {
  readonly limit: number;
  tryAcquire(key: string): string | null | Promise<string | null>;
  release(key: string, token: string): void | Promise<void>;
  current(key: string): number | Promise<number>;
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

/**
 * Slots in the database, shared by every instance over it: N numbered rows per entity, each
 * taken by one request under a lease measured by the database's clock.
 */
export class SqlParallelSlots implements ParallelSlots {
  constructor(
    private readonly db: Db,
    readonly limit: number,
    private readonly leaseMs = SLOT_LEASE_MS,
  ) {}

  async tryAcquire(key: string): Promise<string | null> {
    const holder = holderId();
    const now = opsOf(this.db).realNowMs();
    const numbers = sql.join(Array.from({ length: this.limit }, (_, i) => sql`(${sql.lit(i + 1)})`));
    // Two requests may pick the same free slot; the loser's upsert changes nothing and it tries
    // again while slots are free, so a free slot is never refused. Free slots are picked in
    // random order to make such collisions rare.
    for (let attempt = 0; attempt < this.limit * 4; attempt++) {
      const r = await sql<{ slot: number }>`
        insert into parallel_slots (entity_key, slot, holder, lease_until)
        select ${key}, v.n, ${holder}, ${now} + ${this.leaseMs}
        from (values ${numbers}) as v(n)
        where not exists (select 1 from parallel_slots p where p.entity_key = ${key} and p.slot = v.n and p.lease_until >= ${now})
        order by random() limit 1
        on conflict (entity_key, slot) do update set holder = excluded.holder, lease_until = excluded.lease_until
          where parallel_slots.lease_until < ${now}
        returning slot`.execute(this.db);
      if (r.rows.length > 0) return `${r.rows[0].slot}:${holder}`;
      if ((await this.current(key)) >= this.limit) return null;
    }
    return null;
  }

  async release(key: string, token: string): Promise<void> {
    const [slot, holder] = token.split(':');
    await this.db.deleteFrom('parallel_slots').where('entity_key', '=', key).where('slot', '=', Number(slot)).where('holder', '=', holder).execute();
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
}

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
}

async function outage<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new OutageError('redis', e);
  }
}
