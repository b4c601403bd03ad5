import { sql } from 'kysely';
import { HOUR_MS } from '../clock.js';
import type { Storage } from '../storage/storage.js';

/** Start of the fixed hourly window that contains `nowMs`. */
export function windowStart(nowMs: number): number {
  return Math.floor(nowMs / HOUR_MS) * HOUR_MS;
}

export interface QuotaUsage {
  method: string;
  windowStart: number;
  used: number;
}

/**
 * Hourly request counters per (business, method). `take` is one atomic upsert that opens a new
 * window when the stored one has passed, so concurrent requests (and instances) never lose counts.
 */
export interface QuotaStore {
  take(businessId: number, method: string, window: number): Promise<number>;
  giveBack(businessId: number, method: string, window: number): Promise<void>;
  read(businessId: number): Promise<QuotaUsage[]>;
  reset(businessId: number, method?: string): Promise<void>;
  /** Forgets cached counts after the table was changed directly (business deleted, state replaced). */
  forget?(businessId?: number): void;
  close?(): Promise<void>;
  /** Waits, at most `timeoutMs`, until the store can answer (a network store after start). */
  ready?(timeoutMs: number): Promise<void>;
}

/**
 * Counters in the database, one atomic upsert per request: exact across instances sharing a
 * PostgreSQL database.
 */
export class SqlQuotaStore implements QuotaStore {
  /** Where the counters are, for slots that count in the same statement (semaphore.ts). */
  readonly db;

  constructor(private readonly storage: Storage) {
    this.db = storage.db;
  }

  async take(businessId: number, method: string, window: number): Promise<number> {
    const r = await sql<{ used: number }>`
      insert into quota_counters (business_id, method, window_start, used) values (${businessId}, ${method}, ${window}, 1)
      on conflict (business_id, method) do update set
        used = case when quota_counters.window_start = excluded.window_start then quota_counters.used + 1 else 1 end,
        window_start = excluded.window_start
      returning used`.execute(this.storage.db);
    return Number(r.rows[0].used);
  }

  async giveBack(businessId: number, method: string, window: number): Promise<void> {
    await this.storage.db
      .updateTable('quota_counters')
      .set({ used: sql`case when used > 0 then used - 1 else 0 end` })
      .where('business_id', '=', businessId)
      .where('method', '=', method)
      .where('window_start', '=', window)
      .execute();
  }

  async read(businessId: number): Promise<QuotaUsage[]> {
    const rows = await this.storage.db
      .selectFrom('quota_counters')
      .select(['method', 'window_start', 'used'])
      .where('business_id', '=', businessId)
      .orderBy('method')
      .execute();
    return rows.map((r) => ({ method: r.method, windowStart: r.window_start, used: r.used }));
  }

  async reset(businessId: number, method?: string): Promise<void> {
    let q = this.storage.db.deleteFrom('quota_counters').where('business_id', '=', businessId);
    if (method) q = q.where('method', '=', method);
    await q.execute();
  }
}

interface Counter {
  businessId: number;
  method: string;
  window: number;
  used: number;
  dirty: boolean;
}

/** How long counts may stay in memory only; shutdown and every read of the counters write them at once. */
export const QUOTA_FLUSH_MS = 1000;

/**
 * SQLite: one process owns the database file (exclusive locking), so its memory is the exact
 * count and the table a write-behind copy. A read request then costs no write transaction; the
 * dirty counters are written together, at most a second later, at shutdown, and before anything
 * reads or resets them. A crash loses at most that last second of counting.
 */
export class SqliteQuotaStore implements QuotaStore {
  private readonly counters = new Map<string, Counter>();
  private readonly dirty = new Set<Counter>();
  private timer: NodeJS.Timeout | null = null;
  private readonly load;
  private readonly save;
  private readonly saveAll;

  constructor(
    private readonly storage: Storage,
    private readonly flushMs = QUOTA_FLUSH_MS,
  ) {
    const handle = storage.sqlite!;
    this.load = handle.prepare('select window_start, used from quota_counters where business_id = ? and method = ?');
    this.save = handle.prepare(
      `insert into quota_counters (business_id, method, window_start, used) values (?, ?, ?, ?)
       on conflict (business_id, method) do update set used = excluded.used, window_start = excluded.window_start`,
    );
    this.saveAll = handle.transaction((counters: Counter[]) => {
      for (const c of counters) this.save.run(c.businessId, c.method, c.window, c.used);
    });
  }

  private counter(businessId: number, method: string, window: number): Counter {
    const key = `${businessId}:${method}`;
    let c = this.counters.get(key);
    if (c === undefined) {
      const row = this.load.get(businessId, method) as { window_start: number; used: number } | undefined;
      c = { businessId, method, window: row?.window_start ?? window, used: row?.used ?? 0, dirty: false };
      this.counters.set(key, c);
    }
    // Another window (later, or earlier when the virtual clock was set back) starts from zero, as
    // the database upsert does.
    if (c.window !== window) {
      c.window = window;
      c.used = 0;
    }
    return c;
  }

  private touch(c: Counter): void {
    this.dirty.add(c);
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes every changed counter in one transaction. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.dirty.size === 0) return;
    // Closed under us (a shutdown that did not close the store first): nothing left to write to.
    if (!this.storage.sqlite!.open) return this.dirty.clear();
    // Inside another statement's open transaction the batch would share its fate: try again later.
    if (this.storage.sqlite!.inTransaction) return this.touch([...this.dirty][0]);
    const batch = [...this.dirty];
    this.dirty.clear();
    this.saveAll(batch);
  }

  async take(businessId: number, method: string, window: number): Promise<number> {
    const c = this.counter(businessId, method, window);
    c.used++;
    this.touch(c);
    return c.used;
  }

  async giveBack(businessId: number, method: string, window: number): Promise<void> {
    // A late giveBack for a window that has passed finds nothing to give back.
    const c = this.counters.get(`${businessId}:${method}`) ?? this.counter(businessId, method, window);
    if (c.window !== window || c.used === 0) return;
    c.used--;
    this.touch(c);
  }

  async read(businessId: number): Promise<QuotaUsage[]> {
    this.flush();
    const rows = this.storage.sqlite!
      .prepare('select method, window_start, used from quota_counters where business_id = ? order by method')
      .all(businessId) as { method: string; window_start: number; used: number }[];
    // Memory is the truth should the flush have had to wait.
    return rows.map((r) => {
      const c = this.counters.get(`${businessId}:${r.method}`);
      return c ? { method: c.method, windowStart: c.window, used: c.used } : { method: r.method, windowStart: r.window_start, used: r.used };
    });
  }

  async reset(businessId: number, method?: string): Promise<void> {
    this.forget(businessId, method);
    let q = this.storage.db.deleteFrom('quota_counters').where('business_id', '=', businessId);
    if (method) q = q.where('method', '=', method);
    await q.execute();
  }

  /** Drops what memory holds for a business (or all), after the table was changed under it. */
  forget(businessId?: number, method?: string): void {
    for (const [key, c] of this.counters) {
      if (businessId !== undefined && c.businessId !== businessId) continue;
      if (method !== undefined && c.method !== method) continue;
      this.counters.delete(key);
      this.dirty.delete(c);
    }
  }

  async close(): Promise<void> {
    this.flush();
  }
}
