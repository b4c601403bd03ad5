import fs from 'node:fs';
import type { Kysely } from 'kysely';
import { formatUtc, type Clock, type SandboxClock } from '../clock.js';
import type { Db, Storage } from '../storage/storage.js';
import { syncSequences, wipeSandbox } from '../storage/sequences.js';
import { STATE_TABLES } from '../storage/tables.js';
import { seedDemo } from './demo.js';
import { AppError, errors } from './errors.js';
import { restoreClock } from './sandbox-clock.js';
import { STATE_FORMAT, STATE_VERSION, checkStateFile, type StateFile } from './state-format.js';
import { planRows, toFile, type Rows } from './state-tables.js';

/** Export, import and reset of the whole sandbox. */

/** The whole sandbox as a state file (version 1); times are epoch milliseconds, files base64. */
export async function exportState(db: Db, clock: Clock): Promise<StateFile & { exportedAt: string }> {
  // One snapshot: rows written while the export reads must not leave a message without its chat.
  const snapshot = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const tables: Rows = {};
      // Rows are read loosely typed: the fields each list writes are declared in state-tables.ts.
      const any = trx as unknown as Kysely<any>;
      for (const t of STATE_TABLES) tables[t.name] = await t.key.reduce((q, c) => q.orderBy(c), any.selectFrom(t.name).selectAll()).execute();
      const settings = await trx.selectFrom('settings').selectAll().orderBy('key').execute();
      return { tables, settings };
    });
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    exportedAt: formatUtc(clock.now()),
    ...toFile(snapshot.tables),
    settings: Object.fromEntries(snapshot.settings.map((s) => [s.key, s.value])),
  } as StateFile & { exportedAt: string };
}

export interface ImportSummary {
  /** Rows written per table of the file. */
  counts: Record<string, number>;
  /** Whether the file carried settings (the virtual clock among them). */
  settings: boolean;
}

/**
 * Replaces the whole sandbox with a state file, in one transaction: the file is checked first
 * (the error names the path of the bad field), and a failure leaves the sandbox as it was. When
 * the file carries settings, the clock follows them (real time if they hold none).
 */
export async function importState(storage: Storage, clock: SandboxClock, input: unknown): Promise<ImportSummary> {
  const file = checkStateFile(input);
  const rows = planRows(file, clock.now());
  const write = storage.db.transaction().execute(async (trx) => {
    await wipeSandbox(trx);
    for (const { name, insertBatch } of STATE_TABLES) {
      const list = rows[name] ?? [];
      // Bounded batches keep every statement under both databases' parameter limits.
      const batch = insertBatch ?? 500;
      for (let i = 0; i < list.length; i += batch) await trx.insertInto(name).values(list.slice(i, i + batch) as never).execute();
    }
    if (file.settings) {
      await trx.deleteFrom('settings').execute();
      const entries = Object.entries(file.settings).map(([key, value]) => ({ key, value }));
      if (entries.length > 0) await trx.insertInto('settings').values(entries).execute();
    }
  });
  try {
    await write;
  } catch (e) {
    // The checks above catch what they can name; anything the database still refuses rolled back.
    throw errors.invalid(`Import failed, nothing was changed: ${(e as Error).message}`);
  }
  await syncSequences(storage.db);
  if (file.settings && !(await restoreClock(storage.db, clock))) clock.reset();
  const counts: Record<string, number> = {};
  for (const key of Object.keys(file) as (keyof StateFile)[]) {
    const v = file[key];
    if (Array.isArray(v)) counts[key] = v.length;
  }
  return { counts, settings: file.settings !== undefined };
}

/** Empties the sandbox (settings such as the clock stay), then seeds the demo data when asked. */
export async function resetState(storage: Storage, clock: Clock, to: 'empty' | 'demo'): Promise<void> {
  await storage.db.transaction().execute((trx) => wipeSandbox(trx));
  if (to === 'demo') await seedDemo(storage, clock.now());
}

/** `serve --fixtures`: imports a state file from disk; errors name the file. */
export async function importFixturesFile(storage: Storage, clock: SandboxClock, path: string): Promise<ImportSummary> {
  let input: unknown;
  try {
    input = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`fixtures ${path}: ${(e as Error).message}`);
  }
  try {
    return await importState(storage, clock, input);
  } catch (e) {
    throw e instanceof AppError ? new Error(`fixtures ${path}: ${String(e.params.message ?? e.kind)}`) : e;
  }
}
