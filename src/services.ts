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
import type { DomainContext } from './domain/context.js';
import type { ActionContext } from './domain/chat-actions.js';
import { createOutboxSender, type OutboxSender } from './notify/sender.js';

/**
 * Everything a request handler may use: built once by whoever starts the app, frozen, never
 * reassigned. Functions below the API take the narrow part they need (`domain`, `actions`, a
 * `Db`), not this object.
 */
export interface Services {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: SandboxClock;
  readonly limiter: Limiter;
  readonly faults: FaultBook;
  /** The database and the clock: what domain functions run with. */
  readonly domain: DomainContext;
  /** What chat actions run with: the domain context, the notification rule, the outbox's doorbell. */
  readonly actions: ActionContext;
  /** This process's sender of the outbox: rung after commits, flushed by the control API, started by server.ts. */
  readonly outbox: OutboxSender;
  /** The request inspector's journal of partner calls, written in batches off the request path. */
  readonly journal: RequestJournal;
  /** Tells the console what changed, whoever changed it. */
  readonly live: LiveFeed;
}

export interface ServiceOptions {
  /** How long a notification POST may take (Market: 10 s; tests shorten it). */
  notificationTimeoutMs?: number;
}

const backgroundError = (what: string) => (err: unknown) =>
  process.stderr.write(`ymchat: ${what} failed: ${(err as Error)?.message ?? String(err)}\n`);

/** Wires the core objects over an open storage. */
export function createServices(config: Config, storage: Storage, clock: SandboxClock = new SandboxClock(), opts: ServiceOptions = {}): Services {
  followStoredClock(storage.db, clock, storage.changes);
  const live = new LiveFeed(() => storage.db, undefined, backgroundError('live feed'));
  const outbox = createOutboxSender({ storage, clock }, { timeoutMs: opts.notificationTimeoutMs });
  const domain: DomainContext = Object.freeze({ db: storage.db, clock });
  return Object.freeze({
    config,
    storage,
    clock,
    domain,
    actions: Object.freeze({ ...domain, notifyPartnerMessages: config.notifyPartnerMessages, afterCommit: () => outbox.wake() }),
    outbox,
    journal: new RequestJournal(() => storage.db, config.inspector, () => live.nudge(), backgroundError('request journal')),
    live,
    limiter: createLimiter(config, storage, clock),
    faults: new FaultBook(storage.db, storage.changes),
  });
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
