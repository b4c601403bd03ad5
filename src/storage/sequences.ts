import type { Db } from './db.js';
import { opsOf } from './dialect-ops.js';
import { SANDBOX_ID_TABLES, SANDBOX_TABLES_CHILDREN_FIRST } from './tables.js';

/** After rows were inserted with explicit ids, make generated ids continue past them. */
export async function syncSequences(db: Db): Promise<void> {
  await opsOf(db).syncSequences(db, SANDBOX_ID_TABLES);
}

/**
 * Empties every sandbox table (settings and the request journal stay) and restarts their ids
 * from 1, so the same fixture or the demo always gives the same chat and message ids.
 */
export async function wipeSandbox(db: Db): Promise<void> {
  for (const t of SANDBOX_TABLES_CHILDREN_FIRST) await db.deleteFrom(t).execute();
  await opsOf(db).restartSequences(db, SANDBOX_ID_TABLES);
}
