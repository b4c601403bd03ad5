import path from 'node:path';

/** Every setting of ymchat, validated once; flags override env vars, env vars override defaults. */
export interface Config {
  host: string;
  port: number;
  /** Folder of the embedded SQLite database and uploaded files. */
  dataDir: string;
  /** `sqlite` (file under dataDir) or a `postgres://` URL. */
  database: string;
  /** Wipe stored data at start. */
  reset: boolean;
  /** Seed demo data when the database is empty. */
  demo: boolean;
  /** A state file imported at every start, replacing stored data (wins over `demo`). */
  fixtures: string | null;
  /** Token for the control API (`/_sandbox`); null: control API answers 401 to everyone. */
  adminToken: string | null;
  /** Public base URL used in file links; defaults to http://host:port. */
  publicUrl: string | null;
  limits: LimitsConfig;
  /**
   * Compatibility date (YYYY-MM-DD): deprecated fields (`orderId`, `orderIds`) behave as on that
   * day. null keeps them as the published docs show them.
   */
  compatDate: string | null;
  /** Whether the seller's own messages produce CHAT_MESSAGE_SENT. */
  notifyPartnerMessages: boolean;
  /** Run the notification worker in this process. */
  worker: boolean;
  logLevel: string;
  /** Optional Redis URL: hourly limits shared by every instance. */
  redisUrl: string | null;
  /** PostgreSQL schema to keep the tables in (created when missing); null: the URL's default. */
  pgSchema: string | null;
  /**
   * Longest wait for the database or Redis, in ms: connecting, one statement, a lock. Past it the
   * request answers 503 instead of hanging.
   */
  dbTimeoutMs: number;
  inspector: InspectorConfig;
}

/** The request inspector's journal: how many calls it keeps and how much of each body. */
export interface InspectorConfig {
  /** Calls kept per business; older ones are dropped. 0 records nothing. */
  perBusiness: number;
  /** Bytes of a request or response body kept; the rest is cut and marked. */
  bodyBytes: number;
}

export interface LimitsConfig {
  enabled: boolean;
  /** Parallel requests per business. */
  parallel: number;
  /** Per-operation hourly overrides. */
  hourly: Record<string, number>;
}

export class ConfigError extends Error {}

const env = process.env;

function intSetting(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got '${raw}'`);
  const v = Number(raw);
  if (v < min || v > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${v}`);
  return v;
}

function boolSetting(name: string, raw: string | boolean | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'`);
}

/** Parses `getChat=5,getChats=100` into per-operation hourly limits. */
export function parseLimitOverrides(raw: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!raw) return out;
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+)=(\d+)$/.exec(part);
    if (!m) throw new ConfigError(`limit override must look like operationId=N, got '${part}'`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

export interface ConfigInput {
  host?: string;
  port?: string;
  dataDir?: string;
  database?: string;
  reset?: boolean;
  demo?: boolean;
  fixtures?: string;
  adminToken?: string;
  publicUrl?: string;
  limits?: string;
  limitOverrides?: string;
  parallelLimit?: string;
  compatDate?: string;
  notifyPartnerMessages?: string | boolean;
  worker?: string | boolean;
  logLevel?: string;
  redisUrl?: string;
  pgSchema?: string;
  dbTimeoutMs?: string;
  inspectorLimit?: string;
  inspectorBodyBytes?: string;
}

/** `YYYY-MM-DD` naming a day that exists (no month 13, no February 30). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Builds the config from CLI flags (already parsed) and the environment. */
export function loadConfig(flags: ConfigInput = {}): Config {
  const dataDir = path.resolve(flags.dataDir ?? env.YMCHAT_DATA_DIR ?? './data');
  const compatDate = flags.compatDate ?? env.YMCHAT_COMPAT_DATE ?? null;
  if (compatDate !== null && compatDate !== '' && !isCalendarDate(compatDate)) {
    throw new ConfigError(`compat date must be a real day as YYYY-MM-DD, got '${compatDate}'`);
  }
  const database = flags.database ?? env.YMCHAT_DATABASE ?? 'sqlite';
  if (database !== 'sqlite' && !/^postgres(ql)?:\/\//.test(database)) {
    throw new ConfigError(`database must be 'sqlite' or a postgres:// URL, got '${database}'`);
  }
  const limitsMode = flags.limits ?? env.YMCHAT_LIMITS ?? 'on';
  const fixtures = flags.fixtures || env.YMCHAT_FIXTURES;
  return {
    host: flags.host ?? env.YMCHAT_HOST ?? '127.0.0.1',
    port: intSetting('port', flags.port ?? env.YMCHAT_PORT, 8080, 0, 65535),
    dataDir,
    database,
    reset: boolSetting('reset', flags.reset ?? env.YMCHAT_RESET, false),
    demo: boolSetting('demo', flags.demo ?? env.YMCHAT_DEMO, false),
    fixtures: fixtures ? path.resolve(fixtures) : null,
    adminToken: flags.adminToken ?? env.YMCHAT_ADMIN_TOKEN ?? null,
    publicUrl: flags.publicUrl ?? env.YMCHAT_PUBLIC_URL ?? null,
    limits: {
      enabled: boolSetting('limits', limitsMode, true),
      parallel: intSetting('parallel limit', flags.parallelLimit ?? env.YMCHAT_PARALLEL_LIMIT, 4, 1, 10_000),
      hourly: parseLimitOverrides(flags.limitOverrides ?? env.YMCHAT_LIMIT_OVERRIDES),
    },
    compatDate: compatDate === '' ? null : compatDate,
    notifyPartnerMessages: boolSetting('notify partner messages', flags.notifyPartnerMessages ?? env.YMCHAT_NOTIFY_PARTNER_MESSAGES, false),
    worker: boolSetting('worker', flags.worker ?? env.YMCHAT_WORKER, true),
    logLevel: flags.logLevel ?? env.YMCHAT_LOG_LEVEL ?? 'info',
    redisUrl: flags.redisUrl ?? env.YMCHAT_REDIS_URL ?? null,
    pgSchema: schemaSetting(flags.pgSchema ?? env.YMCHAT_PG_SCHEMA),
    dbTimeoutMs: intSetting('db timeout', flags.dbTimeoutMs ?? env.YMCHAT_DB_TIMEOUT_MS, 5000, 100, 600_000),
    inspector: {
      perBusiness: intSetting('inspector limit', flags.inspectorLimit ?? env.YMCHAT_INSPECTOR_LIMIT, 10_000, 0, 10_000_000),
      bodyBytes: intSetting('inspector body bytes', flags.inspectorBodyBytes ?? env.YMCHAT_INSPECTOR_BODY_BYTES, 8192, 0, 10_000_000),
    },
  };
}

function schemaSetting(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new ConfigError(`pg schema must be a lower-case SQL identifier, got '${raw}'`);
  return raw;
}

/** Config for tests and embedding: defaults with the given fields replaced. */
export function testConfig(over: Partial<Config> = {}): Config {
  const base = loadConfigFrom({});
  return { ...base, ...over, limits: { ...base.limits, ...(over.limits ?? {}) }, inspector: { ...base.inspector, ...(over.inspector ?? {}) } };
}

function loadConfigFrom(flags: ConfigInput): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    dataDir: path.resolve(flags.dataDir ?? './data'),
    database: 'sqlite',
    reset: false,
    demo: false,
    fixtures: null,
    adminToken: null,
    publicUrl: null,
    limits: { enabled: true, parallel: 4, hourly: {} },
    compatDate: null,
    notifyPartnerMessages: false,
    worker: false,
    logLevel: 'silent',
    redisUrl: null,
    pgSchema: null,
    dbTimeoutMs: 5000,
    inspector: { perBusiness: 10_000, bodyBytes: 8192 },
  };
}
