import { errors } from './errors.js';
import type { Selectable } from 'kysely';
import type { Db } from '../storage/storage.js';
import type { FaultTable } from '../storage/schema.js';
import type { ChangeFeed } from '../storage/changes.js';
import { opsOf } from '../storage/dialect-ops.js';

export const FAULT_KINDS = ['420', '500', '503', 'DELAY'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  id: number;
  businessId: number;
  /** operationId, or `*` for every partner method of the business. */
  method: string;
  kind: FaultKind;
  /** Calls still to hit; null when `probability` decides instead. */
  remaining: number | null;
  probability: number | null;
  delayMs: number | null;
}

export type FaultInput = Omit<Fault, 'id'>;

/** The columns a fault is read from (all but when it was added). */
const FAULT_COLUMNS = ['id', 'business_id', 'method', 'kind', 'remaining', 'probability', 'delay_ms'] as const;
type FaultRow = Pick<Selectable<FaultTable>, (typeof FAULT_COLUMNS)[number]>;

const toFault = (r: FaultRow): Fault => ({
  id: r.id,
  businessId: r.business_id,
  method: r.method,
  kind: r.kind as FaultKind,
  remaining: r.remaining,
  probability: r.probability,
  delayMs: r.delay_ms,
});

const FAULTS_TOPIC = 'faults';

/**
 * Injected failures for (business, method): the next N calls, or a share of calls, answer with a
 * Market error or after a delay. Kept in the database, so every instance over it sees the same
 * faults and a counted fault is used up once whichever instance takes it. Each instance keeps
 * only which businesses have faults, refreshed on the change feed, so calls of a business
 * without faults never ask the database.
 */
export class FaultBook {
  /** Businesses with faults; null until first read (then every call looks once). */
  private businesses: Set<number> | null = null;
  private readonly unlisten: () => void;

  constructor(
    private readonly db: Db,
    private readonly changes: ChangeFeed,
    private readonly random: () => number = Math.random,
  ) {
    this.unlisten = changes.on(FAULTS_TOPIC, () => {
      this.refresh().catch(() => {
        // the database is away: the next change or reconnect refreshes again
      });
    });
  }

  /** Reads which businesses have faults (at start, and on news from other instances). */
  async refresh(): Promise<void> {
    const rows = await this.db.selectFrom('faults').select('business_id').distinct().execute();
    this.businesses = new Set(rows.map((r) => r.business_id));
  }

  /** Whether a call of the business may hit a fault (no database read). */
  mayHit(businessId: number): boolean {
    return this.businesses === null || this.businesses.has(businessId);
  }

  private async changed(db: Db = this.db): Promise<void> {
    await this.changes.publish(db, FAULTS_TOPIC);
  }

  async add(input: FaultInput, nowMs = 0): Promise<Fault> {
    if (!FAULT_KINDS.includes(input.kind)) throw errors.invalid(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    if (input.remaining === null && input.probability === null) throw errors.invalid('give count or probability');
    if (input.remaining !== null && (!Number.isInteger(input.remaining) || input.remaining < 1)) {
      throw errors.invalid('count must be a whole number ≥ 1');
    }
    if (input.probability !== null && !(input.probability > 0 && input.probability <= 1)) {
      throw errors.invalid('probability must be in (0, 1]');
    }
    if (input.kind === 'DELAY' && !(input.delayMs !== null && input.delayMs >= 0 && input.delayMs <= 60_000)) {
      throw errors.invalid('delayMs must be between 0 and 60000 for DELAY');
    }
    const row = await this.db
      .insertInto('faults')
      .values({
        business_id: input.businessId,
        method: input.method,
        kind: input.kind,
        remaining: input.remaining,
        probability: input.probability,
        delay_ms: input.delayMs,
        created_at: nowMs,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.businesses?.add(input.businessId);
    await this.changed();
    return { ...input, id: row.id };
  }

  async list(businessId?: number): Promise<Fault[]> {
    let q = this.db.selectFrom('faults').select(FAULT_COLUMNS).orderBy('id');
    if (businessId !== undefined) q = q.where('business_id', '=', businessId);
    return (await q.execute()).map(toFault);
  }

  /** Removes one fault; null when there was none of that id. */
  async remove(id: number): Promise<Fault | null> {
    const row = await this.db
      .deleteFrom('faults')
      .where('id', '=', id)
      .returning(FAULT_COLUMNS)
      .executeTakeFirst();
    if (!row) return null;
    await this.refresh();
    await this.changed();
    return toFault(row);
  }

  /** Removes the faults of a business, or all; returns how many. */
  async clear(businessId?: number): Promise<number> {
    let q = this.db.deleteFrom('faults');
    if (businessId !== undefined) q = q.where('business_id', '=', businessId);
    const res = await q.executeTakeFirst();
    await this.forget();
    return Number(res.numDeletedRows ?? 0);
  }

  /** After the faults table was emptied by someone else (reset, import): refresh everywhere. */
  async forget(): Promise<void> {
    await this.refresh();
    await this.changed();
  }

  /**
   * The fault that hits this call, if any. A counted fault is used up under a row lock, so N
   * calls across all instances hit it exactly N times.
   */
  async take(businessId: number, method: string): Promise<Fault | null> {
    if (!this.mayHit(businessId)) return null;
    let exhausted = false;
    const hit = await this.db.transaction().execute(async (trx) => {
      const q = trx
        .selectFrom('faults')
        .select(FAULT_COLUMNS)
        .where('business_id', '=', businessId)
        .where((eb) => eb.or([eb('method', '=', '*'), eb('method', '=', method)]))
        .orderBy('id');
      const rows = await opsOf(trx).lockForUpdate(q).execute();
      for (const r of rows) {
        if (r.remaining !== null) {
          if (r.remaining <= 1) {
            await trx.deleteFrom('faults').where('id', '=', r.id).execute();
            exhausted = true;
          } else {
            await trx.updateTable('faults').set({ remaining: r.remaining - 1 }).where('id', '=', r.id).execute();
          }
          return toFault(r);
        }
        if (this.random() < (r.probability ?? 0)) return toFault(r);
      }
      if (rows.length === 0) exhausted = true;
      return null;
    });
    if (exhausted) await this.refresh();
    if (exhausted && hit) await this.changed();
    return hit;
  }

  close(): void {
    this.unlisten();
  }
}
