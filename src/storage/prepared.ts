import { type Compilable, CompiledQuery } from 'kysely';
import type { Db } from './db.js';

const names = new Map<string, string>();

/**
 * Marks a statement text as worth a named prepared statement on PostgreSQL: each connection
 * parses and plans it once, then only binds new values (planning a CTE costs more than running
 * it). For hot statements of fixed text whose tables keep their shape.
 */
export function nameStatement(text: string): string {
  if (!names.has(text)) names.set(text, `ym_${names.size + 1}`);
  return text;
}

/** The prepared statement's name for a statement text, if it has one. */
export function statementName(text: string): string | undefined {
  return names.get(text);
}

/**
 * The key compiled texts are kept under: the database's adapter, which its transactions share.
 * Keyed by the Kysely object itself, a query run in a transaction (a new object each time) would
 * be compiled on every run.
 */
const compiledKeyOf = (db: Db): object => db.getExecutor().adapter;

/**
 * SQLite's one connection, run without Kysely's executor: a compiled statement only needs binding,
 * and the executor's connection hand-over, result plumbing and promise turns cost more than a
 * point read. `free()` says no Kysely query or transaction holds the connection right now.
 */
export interface DirectSqlite {
  run(sql: string, parameters: readonly unknown[]): unknown[];
  free(): boolean;
  /** A number that changes whenever a statement run on this database may have written one of these tables. */
  versionOf(tables: readonly string[]): number;
}

const directs = new WeakMap<object, DirectSqlite>();

/** Lets the queries of `prepared` on this database (its transactions included) run directly. */
export function runDirectly(db: Db, direct: DirectSqlite): void {
  directs.set(compiledKeyOf(db), direct);
}

/**
 * Statements run synchronously, so a direct run never interleaves with another. Inside a
 * transaction it runs on the connection that transaction holds (SQLite has no other); outside
 * one only while nothing holds the connection, or it would run inside someone else's open
 * transaction: then it queues through Kysely like any query.
 */
function execute<R>(db: Db, key: object, sql: string, parameters: readonly unknown[]): Promise<R[]> | R[] {
  const direct = directs.get(key);
  if (direct !== undefined && (db.isTransaction || direct.free())) return direct.run(sql, parameters) as R[];
  return db.executeQuery<R>(CompiledQuery.raw(sql, parameters as unknown[])).then((r) => r.rows);
}

/**
 * A query built and compiled once per database (its transactions included), then run with new
 * parameter values: on hot paths Kysely's building and compiling cost more than the query itself. The builder must use each
 * argument exactly once, in order (checked on first use), so the compiled parameters line up.
 */
export function prepared<A extends unknown[], R>(build: (db: Db, ...args: A) => Compilable<R>): (db: Db, ...args: A) => Promise<R[]> {
  const compiled = new WeakMap<object, string>();
  return async (db, ...args) => {
    const key = compiledKeyOf(db);
    let sql = compiled.get(key);
    if (sql === undefined) {
      const q = build(db, ...args).compile();
      if (q.parameters.length !== args.length || q.parameters.some((p, i) => p !== args[i])) {
        throw new Error(`prepared query must use its arguments once each, in order: ${q.sql}`);
      }
      sql = nameStatement(q.sql);
      compiled.set(key, sql);
    }
    return execute<R>(db, key, sql, args);
  };
}

/**
 * `prepared` for a query over a list of values (`in (…)`): compiled once per database and list
 * length, the list's values being its only parameters, in order.
 */
export function preparedList<T, R>(build: (db: Db, values: readonly T[]) => Compilable<R>): (db: Db, values: readonly T[]) => Promise<R[]> {
  const compiled = new WeakMap<object, Map<number, string>>();
  return async (db, values) => {
    const key = compiledKeyOf(db);
    let byLength = compiled.get(key);
    if (byLength === undefined) compiled.set(key, (byLength = new Map()));
    let sql = byLength.get(values.length);
    if (sql === undefined) {
      const q = build(db, values).compile();
      if (q.parameters.length !== values.length || q.parameters.some((p, i) => p !== values[i])) {
        throw new Error(`prepared list query must use its values once each, in order: ${q.sql}`);
      }
      // Not named on PostgreSQL: one statement per list length would pile up in every connection.
      sql = q.sql;
      byLength.set(values.length, sql);
    }
    return execute<R>(db, key, sql, values);
  };
}

/**
 * A read whose answers are remembered per database and key until a statement written to one of
 * `tables` runs on that database: on SQLite only, where this process owns the file, so every write
 * passes its statement cache (`src/storage/storage.ts`, which tells what each statement may
 * write). Elsewhere, and inside transactions, it reads every time. Answers are shared between
 * callers: the read must return values nobody changes (frozen).
 */
export function remembered<R>(tables: readonly string[], read: (db: Db, key: string) => Promise<R>, size = 1024): (db: Db, key: string) => Promise<R> {
  const caches = new WeakMap<DirectSqlite, Map<string, { version: number; value: R }>>();
  return async (db, key) => {
    const direct = directs.get(compiledKeyOf(db));
    if (direct === undefined || db.isTransaction) return read(db, key);
    // Taken before reading: a write landing while the read waits makes the answer stale at once.
    const version = direct.versionOf(tables);
    let cache = caches.get(direct);
    if (cache === undefined) caches.set(direct, (cache = new Map()));
    const hit = cache.get(key);
    if (hit !== undefined && hit.version === version) return hit.value;
    const value = await read(db, key);
    if (cache.size >= size) cache.clear();
    cache.set(key, { version, value });
    return value;
  };
}
