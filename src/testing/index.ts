import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxClock } from '../clock.js';
import { testConfig } from '../config.js';
import { DEMO } from '../domain/demo.js';
import { parseInstant, saveClock } from '../domain/sandbox-clock.js';
import { startServer } from '../server.js';
import { SandboxControl, type StateFile } from './control.js';

export * from './control.js';
export { ControlApiError } from './control-http.js';

export interface StartYmchatOptions {
  /** A state file to start from (its path, or the document itself) instead of the demo data. */
  fixtures?: string | StateFile;
  /** Load the demo data (default: true, unless `fixtures` are given). */
  demo?: boolean;
  /** Freeze the sandbox clock at this instant (epoch ms, Date, or ISO 8601 with an offset). Default: real time. */
  clock?: number | string | Date;
  /** Market's limits: `false` turns them off; or hourly overrides per method and the parallel limit. */
  limits?: boolean | { hourly?: Record<string, number>; parallel?: number };
  /** `sqlite` (default: a temporary file) or a `postgres://` URL (tables in a schema of their own, dropped on close). */
  database?: string;
  /** Deliver notifications in the background, as `ymchat serve` does (default true). */
  notifications?: boolean;
  /** Whether the seller's own messages produce CHAT_MESSAGE_SENT (default false, as on Market). */
  notifyPartnerMessages?: boolean;
  /** Behave as Market did on this day (YYYY-MM-DD) for deprecated fields. */
  compatDate?: string;
  /** The control API token (default: a random one). */
  adminToken?: string;
}

/** The demo's credentials (valid while the demo data is loaded). */
export interface SandboxKeys {
  /** Api-Key with the `communication` scope: every chat method. */
  communication: string;
  readOnly: string;
  allMethods: string;
  /** Api-Key without chat scopes: chat methods answer 403. */
  pricingOnly: string;
  /** Api-Key of the other demo business (1000002). */
  otherBusiness: string;
  /** OAuth token of the demo manager (business 1000001), client id {@link SandboxKeys.oauthClientId}. */
  oauth: string;
  oauthClientId: string;
}

export interface Ymchat {
  /** Base URL of the partner API and the control API, e.g. http://127.0.0.1:40123. */
  url: string;
  adminToken: string;
  /** The demo business, 1000001. */
  business: number;
  keys: SandboxKeys;
  /** The control API, its calls defaulting to {@link Ymchat.business}. */
  control: SandboxControl;
  /**
   * The sandbox's time for a client under test: `now()` reads it, `sleep(ms)` advances it instead
   * of waiting (pass both to `MarketChatClient` to wait out a 420 without waiting).
   */
  time: { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> };
  /** Stops the server and removes its database. */
  close(): Promise<void>;
}

export const DEMO_BUSINESS_ID = DEMO.businessId;

const KEYS: SandboxKeys = { ...DEMO.keys, oauth: DEMO.oauth.token, oauthClientId: DEMO.oauth.clientId };

/**
 * Starts ymchat in this process on a free port of 127.0.0.1, over a temporary SQLite database (or a
 * PostgreSQL schema of its own), with the demo data unless told otherwise. One per test file, or
 * per test: they share nothing.
 */
export async function startYmchat(opts: StartYmchatOptions = {}): Promise<Ymchat> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-sandbox-'));
  const adminToken = opts.adminToken ?? crypto.randomBytes(18).toString('base64url');
  let fixtures: string | null = null;
  if (typeof opts.fixtures === 'string') fixtures = path.resolve(opts.fixtures);
  else if (opts.fixtures) {
    fixtures = path.join(dataDir, 'fixtures.json');
    fs.writeFileSync(fixtures, JSON.stringify(opts.fixtures));
  }
  const limits = opts.limits;
  const config = testConfig({
    dataDir,
    adminToken,
    database: opts.database ?? 'sqlite',
    demo: opts.demo ?? fixtures === null,
    fixtures,
    worker: opts.notifications ?? true,
    notifyPartnerMessages: opts.notifyPartnerMessages ?? false,
    compatDate: opts.compatDate ?? null,
    limits: {
      enabled: limits !== false,
      parallel: (typeof limits === 'object' && limits.parallel) || 4,
      hourly: (typeof limits === 'object' && limits.hourly) || {},
    },
  });
  const clock = new SandboxClock();
  if (opts.clock !== undefined) clock.freeze(parseInstant(opts.clock instanceof Date ? opts.clock.getTime() : opts.clock));
  const pgSchema = config.database === 'sqlite' ? undefined : `ymchat_${crypto.randomBytes(6).toString('hex')}`;
  let server;
  try {
    server = await startServer(config, { clock, pgSchema });
  } catch (e) {
    await dropSchema(config.database, pgSchema);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  if (opts.clock !== undefined) await saveClock(server.services.storage.db, clock);
  const control = new SandboxControl(server.url, adminToken, DEMO.businessId);
  let closed: Promise<void> | null = null;
  return {
    url: server.url,
    adminToken,
    business: DEMO.businessId,
    keys: { ...KEYS },
    control,
    time: {
      now: () => server.services.clock.now(),
      sleep: async (ms, signal) => {
        signal?.throwIfAborted();
        await control.clock.advance(ms);
      },
    },
    close: () =>
      (closed ??= (async () => {
        await server.close();
        await dropSchema(config.database, pgSchema);
        fs.rmSync(dataDir, { recursive: true, force: true });
      })()),
  };
}

async function dropSchema(database: string, schema: string | undefined): Promise<void> {
  if (!schema) return;
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
