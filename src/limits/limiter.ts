import type { Clock } from '../clock.js';
import { AppError } from '../domain/errors.js';
import type { LimitsConfig } from '../config.js';
import { HOUR_MS, type QuotaStore, windowStart } from './quota.js';
import { ParallelLimiter, type ParallelSlots } from './semaphore.js';

/** Whom a request is counted against: a business (cabinet) or, for OAuth without one, a user. */
export interface LimitEntity {
  kind: 'businessId' | 'userId';
  id: number;
}

export interface LimitedOperation {
  operationId: string;
  /** Market's hourly quota for the method. */
  hourlyLimit: number;
  /** Path template named in 420 messages, e.g. `/businesses/{businessId}/chat.json`. */
  resource: string;
}

export interface RateHeaders {
  limit: number;
  remaining: number;
  untilMs: number;
}

/** What one admitted request holds until it is answered. */
export interface Ticket {
  entityKey: string | null;
  /** Token of the parallel slot held, released with it. */
  slot: string | null;
  businessId: number | null;
  method: string;
  window: number;
  counted: boolean;
  headers: RateHeaders | null;
}

/** Thrown 420s carry the headers the response still shows. */
export class LimitError extends AppError {
  constructor(kind: 'PARALLEL_LIMIT' | 'HOURLY_LIMIT', params: Record<string, string | number>, readonly headers: RateHeaders | null) {
    super(kind, params);
  }
}

/**
 * One mechanism for every partner method: the parallel semaphore per entity, then the hourly
 * quota per (business, method). Quota is consumed by 2xx and 4xx answers; a 5xx gives it back,
 * and a refused (420) request never holds any.
 */
export class Limiter {
  readonly parallel: ParallelSlots;

  constructor(
    private readonly config: LimitsConfig,
    private readonly clock: Clock,
    readonly quota: QuotaStore,
    /** Shared slots (Redis, database) for several instances; in-process by default. */
    parallel?: (limit: number) => ParallelSlots,
  ) {
    this.parallel = parallel ? parallel(config.parallel) : new ParallelLimiter(config.parallel);
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  hourlyLimitOf(op: LimitedOperation): number {
    return this.config.hourly[op.operationId] ?? op.hourlyLimit;
  }

  async acquire(entity: LimitEntity, businessId: number | null, op: LimitedOperation): Promise<Ticket> {
    const window = windowStart(this.clock.now());
    if (!this.config.enabled) {
      return { entityKey: null, slot: null, businessId, method: op.operationId, window, counted: false, headers: null };
    }
    const limit = this.hourlyLimitOf(op);
    const untilMs = window + HOUR_MS;
    const entityKey = `${entity.kind}:${entity.id}`;
    const slot = await this.parallel.tryAcquire(entityKey);
    if (slot === null) {
      throw new LimitError('PARALLEL_LIMIT', { limit: this.parallel.limit, entity: entity.kind, id: entity.id }, null);
    }
    const quotaOwner = businessId ?? -entity.id;
    let used: number;
    try {
      used = await this.quota.take(quotaOwner, op.operationId, window);
    } catch (e) {
      await Promise.resolve(this.parallel.release(entityKey, slot)).catch(() => {});
      throw e;
    }
    if (used > limit) {
      await this.parallel.release(entityKey, slot);
      await this.quota.giveBack(quotaOwner, op.operationId, window);
      throw new LimitError(
        'HOURLY_LIMIT',
        { limit, period: '1 hour', resource: op.resource, entity: entity.kind, id: entity.id },
        { limit, remaining: 0, untilMs },
      );
    }
    return {
      entityKey,
      slot,
      businessId: quotaOwner,
      method: op.operationId,
      window,
      counted: true,
      headers: { limit, remaining: Math.max(0, limit - used), untilMs },
    };
  }

  /** Frees the parallel slot; a server-side failure gives the quota back. */
  async finish(ticket: Ticket, statusCode: number): Promise<void> {
    const { entityKey, slot } = ticket;
    ticket.entityKey = null;
    ticket.slot = null;
    const giveBack = ticket.counted && statusCode >= 500 && ticket.businessId !== null;
    ticket.counted = false;
    await Promise.all([
      entityKey && slot ? this.parallel.release(entityKey, slot) : undefined,
      giveBack ? this.quota.giveBack(ticket.businessId!, ticket.method, ticket.window) : undefined,
    ]);
  }
}
