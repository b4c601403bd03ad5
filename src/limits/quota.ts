import { sql } from 'kysely';
import type { Storage } from '../storage/storage.js';

export const HOUR_MS = 3600_000;

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
  close?(): Promise<void>;
  /** Waits, at most `timeoutMs`, until the store can answer (a network store after start). */
  ready?(timeoutMs: number): Promise<void>;
}

export class SqlQuotaStore implements QuotaStore {
  private readonly takeStmt;

  constructor(private readonly storage: Storage) {
    // SQLite: a prepared statement keeps the hot path free of query building.
    this.takeStmt = storage.sqlite?.prepare(
      `insert into quota_counters (business_id, method, window_start, used) values (?, ?, ?, 1)
       on conflict (business_id, method) do update set
         used = case when quota_counters.window_start = excluded.window_start then quota_counters.used + 1 else 1 end,
         window_start = excluded.window_start
       returning used`,
    );
  }

  async take(businessId: number, method: string, window: number): Promise<number> {
    if (this.takeStmt) return (this.takeStmt.get(businessId, method, window) as { used: number }).used;
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
