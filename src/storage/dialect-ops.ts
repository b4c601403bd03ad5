import { PostgresAdapter, sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './db.js';

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
  /** As lockForUpdate (of `of` only, for reads that join other tables), skipping rows another transaction holds (work queues). */
  lockSkipLocked<Q extends AnySelect>(qb: Q, of?: string): Q;
  /** The database's real time in ms, the same for every instance reading it. */
  realNowMs(): RawBuilder<number>;
  /** After rows were inserted with explicit ids: the next generated id continues past them. */
  syncSequences(db: Db, tables: readonly string[]): Promise<void>;
  /** After the tables were emptied: ids start from 1 again (both databases remember deleted ids otherwise). */
  restartSequences(db: Db, tables: readonly string[]): Promise<void>;
  /**
   * Whether one statement may write several tables (data-modifying WITH): a transaction of
   * several writes then costs one round trip instead of one per statement plus BEGIN and COMMIT.
   */
  readonly combinesWrites: boolean;
}

const postgres: DialectOps = {
  name: 'postgres',
  sharedByInstances: true,
  lockForUpdate: (qb, of) => (of ? qb.forUpdate(of as never) : qb.forUpdate()) as typeof qb,
  lockSkipLocked: (qb, of) => (of ? qb.forUpdate(of as never) : qb.forUpdate()).skipLocked() as typeof qb,
  realNowMs: () => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
  async syncSequences(db, tables) {
    for (const t of tables) {
      await sql`select setval(pg_get_serial_sequence(${t}, 'id'), greatest((select coalesce(max(id), 0) from ${sql.table(t)}), 1), (select count(*) > 0 from ${sql.table(t)}))`.execute(db);
    }
  },
  async restartSequences(db, tables) {
    for (const t of tables) await sql`select setval(pg_get_serial_sequence(${t}, 'id'), 1, false)`.execute(db);
  },
  combinesWrites: true,
};

const sqlite: DialectOps = {
  name: 'sqlite',
  sharedByInstances: false,
  lockForUpdate: (qb) => qb,
  lockSkipLocked: (qb) => qb,
  realNowMs: () => sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`,
  // AUTOINCREMENT already continues past the largest id inserted.
  syncSequences: async () => {},
  async restartSequences(db, tables) {
    await sql`delete from sqlite_sequence where name in (${sql.join(tables)})`.execute(db);
  },
  // SQLite runs in-process: statements cost no round trip, and its WITH holds selects only.
  combinesWrites: false,
};

/** The operations of the database behind `db` (a Kysely instance or a transaction of one). */
export function opsOf(db: Db): DialectOps {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}
