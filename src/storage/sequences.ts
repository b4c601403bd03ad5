import { sql } from 'kysely';
import type { Db, Dialect, Storage } from './storage.js';

const TABLES_WITH_IDS = [
  'businesses', 'campaigns', 'buyers', 'orders', 'returns', 'chats', 'messages', 'files', 'api_keys',
  'oauth_users', 'oauth_tokens', 'subscriptions', 'events', 'deliveries', 'delivery_attempts', 'faults',
];

/** After rows were inserted with explicit ids, make PostgreSQL's sequences continue past them. */
export async function syncSequences(storage: Storage): Promise<void> {
  if (storage.dialect !== 'postgres') return;
  for (const t of TABLES_WITH_IDS) {
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
export async function restartSequences(db: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`delete from sqlite_sequence where name in (${sql.join(TABLES_WITH_IDS)})`.execute(db);
    return;
  }
  for (const t of TABLES_WITH_IDS) await sql`select setval(pg_get_serial_sequence(${t}, 'id'), 1, false)`.execute(db);
}
