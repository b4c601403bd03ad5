import { type Compilable, CompiledQuery } from 'kysely';
import type { Db } from './storage.js';

/**
 * A query built and compiled once per database, then run with new parameter values: on hot paths
 * Kysely's building and compiling cost more than the query itself. The builder must use each
 * argument exactly once, in order (checked on first use), so the compiled parameters line up.
 */
export function prepared<A extends unknown[], R>(build: (db: Db, ...args: A) => Compilable<R>): (db: Db, ...args: A) => Promise<R[]> {
  const compiled = new WeakMap<Db, string>();
  return async (db, ...args) => {
    let sql = compiled.get(db);
    if (sql === undefined) {
      const q = build(db, ...args).compile();
      if (q.parameters.length !== args.length || q.parameters.some((p, i) => p !== args[i])) {
        throw new Error(`prepared query must use its arguments once each, in order: ${q.sql}`);
      }
      sql = q.sql;
      compiled.set(db, sql);
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(sql, args));
    return result.rows;
  };
}
