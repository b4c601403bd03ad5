import { SandboxClock } from './clock.js';
import type { Config } from './config.js';
import { FaultBook } from './domain/faults.js';
import { Limiter } from './limits/limiter.js';
import { type QuotaStore, SqlQuotaStore, SqliteQuotaStore } from './limits/quota.js';
import { RedisQuotaStore } from './limits/redis-quota.js';
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
  const faults = new FaultBook();
  const live = new LiveFeed(() => storage.db, () => JSON.stringify(faults.list()), backgroundError('live feed'));
  return {
    config,
    storage,
    clock,
    journal: new RequestJournal(() => storage.db, config.inspector, () => live.nudge(), backgroundError('request journal')),
    live,
    limiter: new Limiter(
      config.limits,
      clock,
      quotaStoreFor(config, storage),
    ),
    faults,
    notifyOutbox: () => {},
  };
}

/** Redis when configured (shared by instances); else the database, counted in memory on SQLite. */
function quotaStoreFor(config: Config, storage: Storage): QuotaStore {
  if (config.redisUrl) return new RedisQuotaStore(config.redisUrl);
  return storage.sqlite ? new SqliteQuotaStore(storage) : new SqlQuotaStore(storage);
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
