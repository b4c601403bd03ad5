import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { SandboxClock } from '../../src/clock.js';
import { type Config, testConfig } from '../../src/config.js';
import { seedDemo } from '../../src/domain/demo.js';
import { createServices, type Services } from '../../src/services.js';
import { openStorage, type Dialect, type Storage } from '../../src/storage/storage.js';

export const PG_URL = process.env.YMCHAT_TEST_PG_URL ?? '';

/**
 * The database HTTP, scenario, notification and CLI suites run on: `YMCHAT_TEST_DIALECT`
 * (`sqlite` by default; `postgres` needs YMCHAT_TEST_PG_URL). `npm test` runs them once on each.
 */
export const TEST_DIALECT: Dialect = (() => {
  const v = process.env.YMCHAT_TEST_DIALECT ?? 'sqlite';
  if (v !== 'sqlite' && v !== 'postgres') throw new Error(`YMCHAT_TEST_DIALECT must be sqlite or postgres, got '${v}'`);
  if (v === 'postgres' && !PG_URL) throw new Error('YMCHAT_TEST_DIALECT=postgres needs YMCHAT_TEST_PG_URL');
  return v;
})();

/** Dialects storage tests loop over; PostgreSQL only where YMCHAT_TEST_PG_URL is set. */
export function dialects(): Dialect[] {
  // The PostgreSQL pass of `npm test` has already run the SQLite cases in the first pass.
  if (TEST_DIALECT === 'postgres') return ['postgres'];
  return PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

let pgSkipPrinted = false;
export function noteSkippedPostgres(): void {
  if (!PG_URL && !pgSkipPrinted) {
    pgSkipPrinted = true;
    console.log('[skip] PostgreSQL storage tests: YMCHAT_TEST_PG_URL is not set');
  }
}

/** Prefix of every PostgreSQL schema this test run creates (dropped at its end, see global-setup). */
export function testSchemaPrefix(): string {
  return `tp_${process.env.YMCHAT_TEST_RUN_ID ?? 'local'}_`;
}

export function tempDir(prefix = 'ymchat-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestStorage {
  storage: Storage;
  dataDir: string;
  reopen(): Promise<Storage>;
  dispose(): Promise<void>;
}

/** A fresh, empty database of the dialect: a temp SQLite file or a PostgreSQL schema of its own. */
export async function openTestStorage(dialect: Dialect = 'sqlite'): Promise<TestStorage> {
  const dataDir = tempDir();
  // Named after the run, so the run drops what a crashed test left behind, and nothing else.
  const schema = `${testSchemaPrefix()}s${crypto.randomBytes(6).toString('hex')}`;
  const opts =
    dialect === 'sqlite' ? { database: 'sqlite', dataDir } : { database: PG_URL, dataDir, pgSchema: schema };
  let storage = await openStorage(opts);
  return {
    get storage() {
      return storage;
    },
    dataDir,
    async reopen() {
      await storage.close();
      storage = await openStorage(opts);
      return storage;
    },
    async dispose() {
      await storage.close();
      if (dialect === 'postgres') {
        const pg = (await import('pg')).default;
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists "${schema}" cascade`);
        await c.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  } as TestStorage;
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  clock: SandboxClock;
  config: Config;
  db: TestStorage;
  close(): Promise<void>;
}

export interface TestAppOptions {
  dialect?: Dialect;
  config?: Partial<Config>;
  demo?: boolean;
  /** Freeze the clock here (default: a fixed instant, so tests are deterministic). */
  nowMs?: number;
}

export const ADMIN_TOKEN = 'test-admin-token';

/** 2026-11-21T10:00:00+03:00, a Saturday morning in Moscow. */
export const T0 = Date.parse('2026-11-21T07:00:00Z');

/** The built app over a fresh database with the demo data, on a frozen virtual clock. */
export async function buildTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const db = await openTestStorage(opts.dialect ?? TEST_DIALECT);
  const config = testConfig({ dataDir: db.dataDir, adminToken: ADMIN_TOKEN, ...(opts.config ?? {}) });
  const clock = new SandboxClock();
  clock.freeze(opts.nowMs ?? T0);
  const services = createServices(config, db.storage, clock);
  if (opts.demo !== false) await seedDemo(db.storage, clock.now());
  const app = await buildApp(services);
  await app.ready();
  return {
    app,
    services,
    clock,
    config,
    db,
    async close() {
      await app.close();
      await db.dispose();
    },
  };
}
