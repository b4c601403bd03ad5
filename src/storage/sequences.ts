import { sql } from 'kysely';
import type { Storage } from './storage.js';

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
