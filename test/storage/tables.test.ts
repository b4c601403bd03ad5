import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, noteSkippedPostgres, openTestStorage, type TestStorage } from '../helpers/app.js';
import { SandboxClock } from '../../src/clock.js';
import { seedDemo } from '../../src/domain/demo.js';
import { resetState } from '../../src/domain/state.js';
import { dropAll } from '../../src/storage/migrations.js';
import type { Storage } from '../../src/storage/storage.js';
import { TABLES } from '../../src/storage/tables.js';

noteSkippedPostgres();
const T = Date.parse('2026-11-21T07:00:00Z');
const MIGRATOR = ['kysely_migration', 'kysely_migration_lock'];

/** The tables of the migrated schema, each with its columns and primary key, from the database itself. */
async function schemaOf(storage: Storage): Promise<Map<string, { columns: string[]; key: string[] }>> {
  const out = new Map<string, { columns: string[]; key: string[] }>();
  if (storage.dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(storage.db);
    for (const { name } of tables.rows) {
      const cols = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${name})`.execute(storage.db);
      const key = cols.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      out.set(name, { columns: cols.rows.map((c) => c.name), key });
    }
    return out;
  }
  const cols = await sql<{ table_name: string; column_name: string }>`select table_name, column_name from information_schema.columns
    where table_schema = current_schema() order by table_name, ordinal_position`.execute(storage.db);
  for (const c of cols.rows) {
    const t = out.get(c.table_name) ?? out.set(c.table_name, { columns: [], key: [] }).get(c.table_name)!;
    t.columns.push(c.column_name);
  }
  const keys = await sql<{ table_name: string; column_name: string }>`select k.table_name, k.column_name
    from information_schema.table_constraints c
    join information_schema.key_column_usage k on k.constraint_name = c.constraint_name and k.table_schema = c.table_schema
    where c.table_schema = current_schema() and c.constraint_type = 'PRIMARY KEY' order by k.table_name, k.ordinal_position`.execute(storage.db);
  for (const k of keys.rows) out.get(k.table_name)!.key.push(k.column_name);
  return out;
}

for (const dialect of dialects()) {
  describe(`the table registry on ${dialect}`, () => {
    let s: TestStorage;
    beforeAll(async () => {
      s = await openTestStorage(dialect);
    });
    afterAll(async () => s.dispose());

    it('names every table of the migrated schema, with its id column and primary key', async () => {
      const schema = await schemaOf(s.storage);
      const inDatabase = [...schema.keys()].filter((t) => !MIGRATOR.includes(t)).sort();
      // A table a migration adds must be entered in src/storage/tables.ts, or wipe, import, export
      // and dropping the schema would pass it by.
      expect(inDatabase).toEqual(TABLES.map((t) => t.name).sort());
      for (const t of TABLES) {
        expect({ table: t.name, ids: schema.get(t.name)!.columns.includes('id'), key: schema.get(t.name)!.key }).toEqual({
          table: t.name,
          ids: t.ids,
          key: [...t.key],
        });
      }
    });

    it('reset empties every sandbox table and keeps the others', async () => {
      const clock = new SandboxClock();
      clock.freeze(T);
      await seedDemo(s.storage, T);
      const db = s.storage.db;
      await db.insertInto('faults').values({ business_id: 1, method: '*', kind: '500', remaining: 1, probability: null, delay_ms: null, created_at: T }).execute();
      await db.insertInto('quota_counters').values({ business_id: 1, method: 'getChat', window_start: T, used: 1 }).execute();
      await db.insertInto('parallel_slots').values({ entity_key: 'x', slot: 0, holder: 'h', lease_until: T }).execute();
      await db.insertInto('settings').values({ key: 'registry-test', value: 'kept' }).execute();
      await resetState(s.storage, clock, 'empty');
      for (const t of TABLES) {
        const { n } = await db.selectFrom(t.name).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        if (t.lifetime === 'sandbox') expect({ table: t.name, rows: Number(n) }).toEqual({ table: t.name, rows: 0 });
      }
      expect(await db.selectFrom('parallel_slots').selectAll().execute()).toHaveLength(1);
      expect(await db.selectFrom('settings').select('value').where('key', '=', 'registry-test').executeTakeFirst()).toEqual({ value: 'kept' });
      // Ids restart with the sandbox.
      await seedDemo(s.storage, T);
      const first = await db.insertInto('faults').values({ business_id: 1, method: '*', kind: '500', remaining: 1, probability: null, delay_ms: null, created_at: T }).returning('id').executeTakeFirstOrThrow();
      expect(first.id).toBe(1);
    });

    it('dropping the schema leaves no table behind', async () => {
      await dropAll(s.storage.db);
      expect([...(await schemaOf(s.storage)).keys()]).toEqual([]);
    });
  });
}
