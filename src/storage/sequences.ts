import { sql } from 'kysely';
import type { Db, Dialect, Storage } from './storage.js';
import { SANDBOX_ID_TABLES, SANDBOX_TABLES_CHILDREN_FIRST } from './tables.js';

/** After rows were inserted with explicit ids, make PostgreSQL's sequences continue past them. */
export async function syncSequences(storage: Storage): Promise<void> {
  if (storage.dialect !== 'postgres') return;
  for (const t of SANDBOX_ID_TABLES) {
    await sql`select setval(pg_get_serial_sequence(${t}, 'id'), greatest((select coalesce(max(id), 0) from ${sql.table(t)}), 1), (select count(*) > 0 from ${sql.table(t)}))`.execute(
      storage.db,
    );
  }
}

/**
 * After every table with ids was emptied: ids start from 1 again, so the same fixture or the demo
 * always gives the same chat and message ids (SQLite's AUTOINCREMENT and PostgreSQL's sequences
 * both remember ids of deleted rows otherwise).
 */
async function restartSequences(db: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`delete from sqlite_sequence where name in (${sql.join(SANDBOX_ID_TABLES)})`.execute(db);
    return;
  }
  for (const t of SANDBOX_ID_TABLES) await sql`select setval(pg_get_serial_sequence(${t}, 'id'), 1, false)`.execute(db);
}

/** Empties every sandbox table (settings and the request journal stay) and restarts their ids from 1. */
export async function wipeSandbox(db: Db, dialect: Dialect): Promise<void> {
  for (const t of SANDBOX_TABLES_CHILDREN_FIRST) await db.deleteFrom(t).execute();
  await restartSequences(db, dialect);
}
