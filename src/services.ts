import { SandboxClock } from './clock.js';
import type { Config } from './config.js';
import { FaultBook } from './domain/faults.js';
import { followStoredClock } from './domain/sandbox-clock.js';
import { Limiter } from './limits/limiter.js';
import { SqlQuotaStore, SqliteQuotaStore } from './limits/quota.js';
import { opsOf } from './storage/dialect-ops.js';
import { RedisQuotaStore } from './limits/redis-quota.js';
import { RedisParallelSlots, SqlParallelSlots } from './limits/semaphore.js';
import type { Storage } from './storage/storage.js';
import { RequestJournal } from './inspector/journal.js';
import { LiveFeed } from './live/feed.js';

/** Everything a request handler may use; built once by whoever starts the app. */
export interface Services {
  config: Config;
  storage: Storage;
  clock: SandboxClock;
  limiter: Limiter;
  faults: FaultBook;
  /** Wakes the notification worker after a change wrote to the outbox (no-op without one). */
  notifyOutbox: () => void;
  /** The notification sender of this process, if it runs one; the flush route makes one when not. */
  notifier?: { runOnce(): Promise<import('./notify/worker.js').FlushResult> };
  /** The request inspector's journal of partner calls, written in batches off the request path. */
  journal: RequestJournal;
  /** Tells the console what changed, whoever changed it. */
  live: LiveFeed;
}

const backgroundError = (what: string) => (err: unknown) =>
  process.stderr.write(`ymchat: ${what} failed: ${(err as Error)?.message ?? String(err)}\n`);

/** Wires the core objects over an open storage. */
export function createServices(config: Config, storage: Storage, clock: SandboxClock = new SandboxClock()): Services {
  followStoredClock(storage.db, clock, storage.changes);
  const faults = new FaultBook(storage.db, storage.changes);
  const live = new LiveFeed(() => storage.db, undefined, backgroundError('live feed'));
  return {
    config,
    storage,
    clock,
    journal: new RequestJournal(() => storage.db, config.inspector, () => live.nudge(), backgroundError('request journal')),
    live,
    limiter: createLimiter(config, storage, clock),
    faults,
    notifyOutbox: () => {},
  };
}

/**
 * Hourly counters and parallel slots where every instance sees them: Redis when configured, else
 * the database. On SQLite (one process owns the file) the parallel slots stay in memory and the
 * hourly counts are kept in memory and written behind.
 */
function createLimiter(config: Config, storage: Storage, clock: SandboxClock): Limiter {
  if (config.redisUrl) {
    const quota = new RedisQuotaStore(config.redisUrl, undefined, { timeoutMs: config.dbTimeoutMs, incidents: storage.incidents });
    return new Limiter(config.limits, clock, quota, (limit) => new RedisParallelSlots(quota.redis, limit));
  }
  const shared = opsOf(storage.db).sharedByInstances ? (limit: number) => new SqlParallelSlots(storage.db, limit) : undefined;
  const quota = storage.sqlite ? new SqliteQuotaStore(storage) : new SqlQuotaStore(storage);
  return new Limiter(config.limits, clock, quota, shared);
}

/** The context domain actions run in, from the services. */
export function actionContext(services: Services): import('./domain/chat-actions.js').ActionContext {
  return {
    db: services.storage.db,
    clock: services.clock,
    notifyPartnerMessages: services.config.notifyPartnerMessages,
    afterCommit: services.notifyOutbox,
  };
}
