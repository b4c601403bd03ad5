import { type Clock, HOUR_MS } from '../clock.js';
import { AppError } from '../domain/errors.js';
import type { LimitsConfig } from '../config.js';
import type { ApiKeyCheck } from '../domain/access.js';
import { type QuotaStore, windowStart } from './quota.js';
import { type Count, type CountingSlots, ParallelLimiter, type ParallelSlots } from './semaphore.js';

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

/** The Api-Key a call was admitted on is no longer as it was last seen: look it up afresh. */
export class StaleKeyError extends Error {}

/**
 * One mechanism for every partner method: the parallel semaphore per entity, then the hourly
 * quota per (business, method). Quota is consumed by 2xx and 4xx answers; a 5xx gives it back,
 * and a refused (420) request never holds any.
 */
export class Limiter {
  readonly parallel: ParallelSlots;
  /** Slot and count in one round trip (database or Redis shared by instances), when they can. */
  private readonly counting: CountingSlots | null;

  constructor(
    private readonly config: LimitsConfig,
    private readonly clock: Clock,
    readonly quota: QuotaStore,
    /** Shared slots (Redis, database) for several instances; in-process by default. */
    parallel?: (limit: number) => ParallelSlots,
  ) {
    this.parallel = parallel ? parallel(config.parallel) : new ParallelLimiter(config.parallel);
    this.counting = this.parallel.countingWith?.(quota) ?? null;
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Whether `acquire` can confirm an Api-Key in the round trip that admits the call. */
  get checksKeys(): boolean {
    return this.config.enabled && this.counting?.checksKeys === true;
  }

  hourlyLimitOf(op: LimitedOperation): number {
    return this.config.hourly[op.operationId] ?? op.hourlyLimit;
  }

  /**
   * With `check` (only where `checksKeys`): throws `StaleKeyError`, having taken nothing, unless
   * the Api-Key is still as checked when the call is admitted.
   */
  async acquire(entity: LimitEntity, businessId: number | null, op: LimitedOperation, check?: ApiKeyCheck): Promise<Ticket> {
    // Limits turned off since the key was guessed: nothing here can confirm it.
    if (check && !this.checksKeys) throw new StaleKeyError();
    const window = windowStart(this.clock.now());
    const limit = this.hourlyLimitOf(op);
    const untilMs = window + HOUR_MS;
    if (!this.config.enabled) {
      // Nothing is counted: the headers show the whole hourly limit as remaining.
      return { entityKey: null, slot: null, businessId, method: op.operationId, window, counted: false, headers: { limit, remaining: limit, untilMs } };
    }
    const entityKey = `${entity.kind}:${entity.id}`;
    const quotaOwner = businessId ?? -entity.id;
    let slot: string | null;
    let used = 0;
    if (this.counting) {
      const taken = await this.counting.acquire(entityKey, { owner: quotaOwner, method: op.operationId, window }, check);
      if (taken === 'stale') throw new StaleKeyError();
      slot = taken?.slot ?? null;
      used = taken?.used ?? 0;
    } else slot = await this.parallel.tryAcquire(entityKey);
    if (slot === null) {
      const headers = await this.peek(quotaOwner, op);
      throw new LimitError('PARALLEL_LIMIT', { limit: this.parallel.limit, entity: entity.kind, id: entity.id }, headers);
    }
    if (!this.counting) {
      try {
        used = await this.quota.take(quotaOwner, op.operationId, window);
      } catch (e) {
        await Promise.resolve(this.parallel.release(entityKey, slot)).catch(() => {});
        throw e;
      }
    }
    if (used > limit) {
      await this.free(entityKey, slot, { owner: quotaOwner, method: op.operationId, window });
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

  /**
   * The headers of a request that was refused before it was counted (401, 403, 400 for the
   * business header, 405, 404, parallel 420): the owner's quota as it stands, untouched.
   * A negative owner is an OAuth user without a business (see `acquire`).
   */
  async peek(owner: number, op: LimitedOperation): Promise<RateHeaders> {
    const window = windowStart(this.clock.now());
    const limit = this.hourlyLimitOf(op);
    if (!this.config.enabled) return { limit, remaining: limit, untilMs: window + HOUR_MS };
    const used = (await this.quota.read(owner)).find((u) => u.method === op.operationId && u.windowStart === window)?.used ?? 0;
    return { limit, remaining: Math.max(0, limit - used), untilMs: window + HOUR_MS };
  }

  /** Frees the parallel slot; a server-side failure or a (fault-injected) 420 gives the quota back. */
  async finish(ticket: Ticket, statusCode: number): Promise<void> {
    const { entityKey, slot } = ticket;
    ticket.entityKey = null;
    ticket.slot = null;
    const giveBack = ticket.counted && (statusCode >= 500 || statusCode === 420) && ticket.businessId !== null;
    ticket.counted = false;
    const back = giveBack ? { owner: ticket.businessId!, method: ticket.method, window: ticket.window } : null;
    if (entityKey && slot) await this.free(entityKey, slot, back);
    else if (back) await this.quota.giveBack(back.owner, back.method, back.window);
  }

  private async free(entityKey: string, slot: string, giveBack: Count | null): Promise<void> {
    if (this.counting) return this.counting.release(entityKey, slot, giveBack);
    await Promise.all([this.parallel.release(entityKey, slot), giveBack ? this.quota.giveBack(giveBack.owner, giveBack.method, giveBack.window) : undefined]);
  }
}
