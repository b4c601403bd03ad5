import { PostgresAdapter, sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './storage.js';

type AnySelect = SelectQueryBuilder<Database, any, any>;

/**
 * What differs between the databases beyond SQL Kysely already writes for both: row locks, the
 * database's own clock. Everything above `src/storage/` asks here instead of testing the dialect,
 * so another database is one more implementation of this interface.
 */
export interface DialectOps {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Whether several instances may share the database. When not (SQLite: one process owns the
   * file), state that is only about requests in flight may stay in memory, and claims found at
   * start were left by a process that died.
   */
  readonly sharedByInstances: boolean;
  /**
   * Locks the rows a read inside a transaction decides from, until commit. PostgreSQL takes
   * `FOR UPDATE` (of `of`, for reads that outer-join other tables); SQLite needs nothing, since a
   * write transaction there holds the one connection and so runs alone.
   */
  lockForUpdate<Q extends AnySelect>(qb: Q, of?: string): Q;
  /** As lockForUpdate, skipping rows another transaction holds (work queues). */
  lockSkipLocked<Q extends AnySelect>(qb: Q): Q;
  /** The database's real time in ms, the same for every instance reading it. */
  realNowMs(): RawBuilder<number>;
}

const postgres: DialectOps = {
  name: 'postgres',
  sharedByInstances: true,
  lockForUpdate: (qb, of) => (of ? qb.forUpdate(of as never) : qb.forUpdate()) as typeof qb,
  lockSkipLocked: (qb) => qb.forUpdate().skipLocked() as typeof qb,
  realNowMs: () => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
};

const sqlite: DialectOps = {
  name: 'sqlite',
  sharedByInstances: false,
  lockForUpdate: (qb) => qb,
  lockSkipLocked: (qb) => qb,
  realNowMs: () => sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`,
};

/** The operations of the database behind `db` (a Kysely instance or a transaction of one). */
export function opsOf(db: Db): DialectOps {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}
