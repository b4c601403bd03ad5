import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { type DatabaseConnection, type Driver, Kysely, type QueryCompiler, PostgresDialect, SqliteDialect, type TransactionSettings, sql } from 'kysely';
import type { Database } from './schema.js';
import { dropAll, migrate } from './migrations.js';
import { IncidentLog } from './outage.js';
import { type ChangeFeed, localFeed, postgresFeed } from './changes.js';

export type { Db, Dialect } from './db.js';
import type { Db, Dialect } from './db.js';
import { runDirectly, statementName } from './prepared.js';
import { opaqueParameters } from './opaque-parameters.js';

export interface Storage {
  db: Db;
  dialect: Dialect;
  /**
   * The raw SQLite handle, for prepared statements on hot paths; null on PostgreSQL. Writes made
   * through it pass no statement cache, so `remembered` reads do not see them: use it only for
   * tables no remembered read names (the quota counters).
   */
  sqlite: SqliteDatabase.Database | null;
  /** Outages of the database, logged once each (the server points it at its logger). */
  incidents: IncidentLog;
  /** News of changes to state instances keep in memory (clock, faults), shared by all of them. */
  changes: ChangeFeed;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** `sqlite` or a postgres:// URL. */
  database: string;
  /** Folder of the SQLite file. */
  dataDir: string;
  /** SQLite file name inside dataDir (tests use their own). */
  sqliteFile?: string;
  /** PostgreSQL schema to live in (tests isolate themselves this way); created when missing. */
  pgSchema?: string;
  /** Wipe everything before migrating. */
  reset?: boolean;
  /** Longest wait for a connection, a statement or a lock, in ms (PostgreSQL; default 5000). */
  timeoutMs?: number;
  incidents?: IncidentLog;
}

/** Until the server gives its logger: one plain line on stderr. */
export function stderrIncidents(): IncidentLog {
  return new IncidentLog((level, msg) => process.stderr.write(`ymchat ${level}: ${msg}\n`));
}

const INT8_OID = 20;

/** Opens the configured database, migrates it, and returns the handle. */
export async function openStorage(opts: StorageOptions): Promise<Storage> {
  if (opts.database === 'sqlite') return openSqlite(opts);
  return openPostgres(opts);
}

async function openSqlite(opts: StorageOptions): Promise<Storage> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const file = path.join(opts.dataDir, opts.sqliteFile ?? 'ymchat.sqlite');
  const handle = new SqliteDatabase(file);
  // One process owns the file (several instances use PostgreSQL): exclusive locking spares every
  // statement the file-lock system calls that shared WAL access costs.
  handle.pragma('locking_mode = EXCLUSIVE');
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  // 16 MB of page cache (SQLite's default is 2 MB): at a million chats the inner pages of the hot
  // indexes stay in memory instead of costing a read system call per request.
  handle.pragma('cache_size = -16384');
  const versions = new WriteVersions();
  const cached = withStatementCache(handle, versions);
  const dialect = new HeldSqliteDialect({ database: cached });
  const driver = dialect.driver;
  const db = new Kysely<Database>({ dialect });
  runDirectly(db, {
    run: (text, parameters) => {
      const stmt = cached.prepare(text);
      if (stmt.reader) return stmt.all(parameters as unknown[]);
      stmt.run(parameters as unknown[]);
      return [];
    },
    free: () => !driver.held,
    versionOf: (tables) => versions.of(tables),
  });
  if (opts.reset) await dropAll(db);
  await migrate(db, 'sqlite');
  return {
    db,
    dialect: 'sqlite',
    sqlite: handle,
    incidents: opts.incidents ?? stderrIncidents(),
    changes: localFeed(),
    close: () => db.destroy(),
  };
}

/** Kysely's SQLite dialect whose one driver is kept, to ask it whether the connection is held. */
class HeldSqliteDialect extends SqliteDialect {
  readonly driver = new HeldSqliteDriver(super.createDriver());
  override createDriver(): HeldSqliteDriver {
    return this.driver;
  }
}

/** Kysely's SQLite driver, telling whether a query or transaction holds the one connection. */
class HeldSqliteDriver implements Driver {
  held = false;
  constructor(private readonly inner: Driver) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    this.held = true;
    return connection;
  }
  releaseConnection(connection: DatabaseConnection) {
    this.held = false;
    return this.inner.releaseConnection(connection);
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.inner.rollbackTransaction(connection);
  }
  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.inner.savepoint!(connection, name, compile);
  }
  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }
  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }
  destroy() {
    return this.inner.destroy();
  }
}

/**
 * What each statement may write, counted per table: the versions `remembered` reads check. A
 * statement that is not a plain read or DML on named tables (DDL, rollback, pragmas) counts as
 * writing every table; so does anything the patterns do not recognise, erring towards a re-read.
 */
export class WriteVersions {
  private all = 0;
  private readonly byTable = new Map<string, number>();

  /** Tables a statement may write: none, these, or every table ('all'). */
  static written(source: string): readonly string[] | 'all' {
    const text = source.trim();
    if (/^(begin|commit|end|release|savepoint)\b/i.test(text)) return [];
    // The table is the last part of a possibly qualified name (`"main"."api_keys"`).
    const dml = /\b(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|update|delete\s+from)\s+"?(\w+)"?(?:\s*\.\s*"?(\w+)"?)?/gi;
    const tables = [...text.matchAll(dml)].map((m) => (m[2] ?? m[1]).toLowerCase());
    if (tables.length > 0) return tables;
    return /^(select|with)\b/i.test(text) && !/\b(insert|update|delete|replace)\b/i.test(text) ? [] : 'all';
  }

  wrote(tables: readonly string[] | 'all'): void {
    if (tables === 'all') this.all++;
    else for (const t of tables) this.byTable.set(t, (this.byTable.get(t) ?? 0) + 1);
  }

  /** Changes whenever one of these tables may have been written (the counters only grow). */
  of(tables: readonly string[]): number {
    let v = this.all;
    for (const t of tables) v += this.byTable.get(t) ?? 0;
    return v;
  }
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every SQLite query anew; on the hot paths preparing costs more than running.
 * Queries are used one at a time (Kysely's single-connection mutex), so a prepared statement can
 * be reused for the same SQL text. Its parameters are made opaque to the planner, or SQLite would
 * prepare it again on most runs anyway (see opaque-parameters.ts).
 */
function withStatementCache(handle: SqliteDatabase.Database, versions: WriteVersions): SqliteDatabase.Database {
  const cache = new Map<string, { stmt: SqliteDatabase.Statement; writes: readonly string[] | 'all' }>();
  // Every statement is prepared here right before it runs (by Kysely and by direct runs alike),
  // so counting its writes here counts every write.
  const prepare = (source: string) => {
    let entry = cache.get(source);
    if (entry) {
      // Least recently used goes first: a full cache must not shut out a statement that turns hot later.
      cache.delete(source);
    } else {
      entry = { stmt: handle.prepare(opaqueParameters(source)), writes: WriteVersions.written(source) };
      // Schema changes (migrations, reset) invalidate nothing here: SQLite re-prepares internally.
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, entry);
    if (entry.writes === 'all' || entry.writes.length > 0) versions.wrote(entry.writes);
    return entry.stmt;
  };
  return new Proxy(handle, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      // Raw scripts bypass the cache: whatever they do, remembered reads read again.
      if (prop === 'exec') return (source: string) => (versions.wrote('all'), target.exec(source));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Statements marked by `nameStatement` run as named prepared statements on this client. */
function namePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) ? statementName(text) : undefined;
    return name === undefined ? query(text, values, callback) : query({ text, values, name }, callback);
  };
}

async function openPostgres(opts: StorageOptions): Promise<Storage> {
  // Loaded here, not at the top: a server on SQLite never loads the client (its code stays out of the heap).
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === INT8_OID ? (v: string) => Number(v) : (pg.types.getTypeParser as any)(oid, format)) as typeof pg.types.getTypeParser,
  };
  const timeoutMs = opts.timeoutMs ?? 5000;
  const incidents = opts.incidents ?? stderrIncidents();
  const schema = opts.pgSchema?.replace(/"/g, '');
  if (schema) {
    const admin = new pg.Client({ connectionString: opts.database, connectionTimeoutMillis: timeoutMs });
    admin.on('error', () => {});
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${schema}"`);
    } catch (e) {
      // Several instances starting at once: one creates it, the others may collide.
      if ((e as { code?: string }).code !== '23505') throw e;
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.database,
    application_name: 'ymchat',
    max: 10,
    types,
    // Bounded waits: an unreachable server, a held lock or a stuck statement ends in an error
    // (answered 503) instead of a request that hangs.
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    idle_in_transaction_session_timeout: Math.max(timeoutMs * 4, 10_000),
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client whose backend was terminated or whose server went away emits 'error' on the
  // pool; without a listener that would end the process. The pool drops the client by itself.
  pool.on('error', (err) => incidents.failure('database', err));
  pool.on('connect', (client) => {
    incidents.recovered('database');
    // A client checked out of the pool (between the statements of a transaction) has no pool
    // listener: its backend's termination would be an unhandled 'error'. The statement in flight
    // fails on its own and the pool discards the broken client.
    client.on('error', (err) => incidents.failure('database', err));
    namePreparedStatements(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (opts.reset) await dropAll(db);
  // Several instances starting together migrate once: the others wait here, then find nothing
  // left to do. The lock is per schema, so instances in other schemas do not wait.
  await db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`select pg_advisory_lock(712001, hashtext(current_schema()))`.execute(conn);
    try {
      await migrate(conn, 'postgres');
    } finally {
      await sql`select pg_advisory_unlock(712001, hashtext(current_schema()))`.execute(conn);
      await sql`reset statement_timeout`.execute(conn);
    }
  });
  const current = (await sql<{ name: string }>`select current_schema() as name`.execute(db)).rows[0]?.name ?? 'public';
  const changes = postgresFeed(opts.database, `ymchat_${current}`.slice(0, 63), { connectionTimeoutMillis: timeoutMs });
  return {
    db,
    dialect: 'postgres',
    sqlite: null,
    incidents,
    changes,
    close: async () => {
      await changes.close();
      await db.destroy();
    },
  };
}
