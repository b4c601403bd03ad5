import { SandboxClock } from './clock.js';
import type { Config } from './config.js';
import { FaultBook } from './domain/faults.js';
import { followStoredClock } from './domain/sandbox-clock.js';
import { Limiter } from './limits/limiter.js';
import { SqlQuotaStore } from './limits/quota.js';
import { opsOf } from './storage/dialect-ops.js';
import { RedisQuotaStore } from './limits/redis-quota.js';
import { RedisParallelSlots, SqlParallelSlots } from './limits/semaphore.js';
import type { Storage } from './storage/storage.js';

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
}

/** Wires the core objects over an open storage. */
export function createServices(config: Config, storage: Storage, clock: SandboxClock = new SandboxClock()): Services {
  followStoredClock(storage.db, clock, storage.changes);
  return {
    config,
    storage,
    clock,
    limiter: createLimiter(config, storage, clock),
    faults: new FaultBook(storage.db, storage.changes),
    notifyOutbox: () => {},
  };
}

/**
 * Hourly counters and parallel slots where every instance sees them: Redis when configured, else
 * the database; on SQLite (one process owns the file) the parallel slots stay in memory.
 */
function createLimiter(config: Config, storage: Storage, clock: SandboxClock): Limiter {
  if (config.redisUrl) {
    const quota = new RedisQuotaStore(config.redisUrl, undefined, { timeoutMs: config.dbTimeoutMs, incidents: storage.incidents });
    return new Limiter(config.limits, clock, quota, (limit) => new RedisParallelSlots(quota.redis, limit));
  }
  const shared = opsOf(storage.db).sharedByInstances ? (limit: number) => new SqlParallelSlots(storage.db, limit) : undefined;
  return new Limiter(config.limits, clock, new SqlQuotaStore(storage), shared);
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
