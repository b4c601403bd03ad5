import { SandboxClock } from './clock.js';
import type { Config } from './config.js';
import { FaultBook } from './domain/faults.js';
import { Limiter } from './limits/limiter.js';
import { SqlQuotaStore } from './limits/quota.js';
import { RedisQuotaStore } from './limits/redis-quota.js';
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
  return {
    config,
    storage,
    clock,
    limiter: new Limiter(
      config.limits,
      clock,
      config.redisUrl
        ? new RedisQuotaStore(config.redisUrl, undefined, { timeoutMs: config.dbTimeoutMs, incidents: storage.incidents })
        : new SqlQuotaStore(storage),
    ),
    faults: new FaultBook(),
    notifyOutbox: () => {},
  };
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
