import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { HOUR_MS } from '../clock.js';
import type { QuotaStore, QuotaUsage } from './quota.js';
import { type IncidentLog, OutageError } from '../storage/outage.js';

// Both clients are loaded when a Redis store is made: a server without --redis-url never loads
// them, and their code stays out of its heap.
const load = createRequire(import.meta.url);

/** A counter outlives its window by a minute. */
const QUOTA_TTL_SEC = HOUR_MS / 1000 + 60;

/**
 * Hourly counters in Redis, shared by every ymchat instance that points at it. One key per
 * (business, method, window); it expires with its window, so no cleanup is needed.
 */
export class RedisQuotaStore implements QuotaStore {
  /** The connection, shared with the parallel slots. */
  readonly redis: Redis;
  private readonly timeoutMs: number;
  private everReady = false;
  private readonly counter: RateLimiterRedis;

  constructor(
    url: string,
    private readonly prefix = 'ymchat:quota',
    opts: { timeoutMs?: number; incidents?: IncidentLog } = {},
  ) {
    const timeoutMs = opts.timeoutMs ?? 5000;
    this.timeoutMs = timeoutMs;
    // Fail fast while Redis is away (no offline queue, no per-command retries): the request answers
    // 503 at once instead of waiting on retries; the connection itself keeps being retried.
    const { Redis: RedisClient } = load('ioredis') as typeof import('ioredis');
    const { RateLimiterRedis: Counter } = load('rate-limiter-flexible') as typeof import('rate-limiter-flexible');
    this.redis = new RedisClient(url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
    });
    // Without a listener ioredis prints "Unhandled error event" for every reconnect attempt.
    this.redis.on('error', (err) => opts.incidents?.failure('redis', err));
    this.redis.on('ready', () => {
      this.everReady = true;
      opts.incidents?.recovered('redis');
    });
    // Counting only: the limit itself is checked by the Limiter, which knows each method's number.
    this.counter = new Counter({
      storeClient: this.redis,
      keyPrefix: prefix,
      points: Number.MAX_SAFE_INTEGER,
      duration: QUOTA_TTL_SEC,
    });
  }

  private key(businessId: number, method: string, window: number): string {
    return `${businessId}:${method}:${window}`;
  }

  /**
   * The counter's full Redis key and lifetime, for a script that counts a call together with
   * something else (the parallel slot) in one round trip, as `take` would.
   */
  counterOf(businessId: number, method: string, window: number): { key: string; ttlSec: number } {
    return { key: this.counter.getKey(this.key(businessId, method, window)), ttlSec: QUOTA_TTL_SEC };
  }

  /** Waits (bounded) until connected, so the first requests after start do not see an outage. */
  async ready(timeoutMs: number): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.redis.once('ready', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Before the first connection, calls wait for it (bounded); afterwards they fail fast. */
  async connected(): Promise<void> {
    if (!this.everReady) await this.ready(this.timeoutMs);
  }

  async take(businessId: number, method: string, window: number): Promise<number> {
    await this.connected();
    const res = await outage(this.counter.consume(this.key(businessId, method, window), 1));
    return res.consumedPoints;
  }

  async giveBack(businessId: number, method: string, window: number): Promise<void> {
    await this.connected();
    await outage(this.counter.reward(this.key(businessId, method, window), 1));
  }

  private async keysOf(businessId: number, method?: string): Promise<string[]> {
    const pattern = `${this.prefix}:${businessId}:${method ?? '*'}:*`;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  async read(businessId: number): Promise<QuotaUsage[]> {
    await this.connected();
    return outage(this.readAll(businessId));
  }

  private async readAll(businessId: number): Promise<QuotaUsage[]> {
    const out: QuotaUsage[] = [];
    for (const full of await this.keysOf(businessId)) {
      const [method, window] = full.slice(this.prefix.length + 1).split(':').slice(1);
      const res = await this.counter.get(full.slice(this.prefix.length + 1));
      if (res) out.push({ method, windowStart: Number(window), used: Math.max(0, res.consumedPoints) });
    }
    return out.sort((a, b) => a.method.localeCompare(b.method) || a.windowStart - b.windowStart);
  }

  async reset(businessId: number, method?: string): Promise<void> {
    await this.connected();
    const keys = await outage(this.keysOf(businessId, method));
    if (keys.length > 0) await outage(this.redis.del(...keys));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/**
 * Any failure of a Redis call is an outage of Redis: rate-limiter-flexible rejects with the
 * client's error (or a plain value), never with a limit decision, since its limit is unreachable.
 */
async function outage<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new OutageError('redis', e);
  }
}
