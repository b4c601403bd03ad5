import { sql } from 'kysely';
import { formatUtc } from '../clock.js';
import type { Db, Storage } from '../storage/storage.js';
import { opsOf } from '../storage/dialect-ops.js';
import { retryAt } from './schedule.js';
import type { AttemptResult } from './send.js';

/**
 * The outbox seen from the sender: claiming the deliveries that are due, and writing down what an
 * attempt led to. Only the oldest PENDING delivery of a subscription (its head) is ever claimed,
 * so notifications of one subscription go out one at a time and in order.
 */

/** How long a claim holds without renewal; the owner renews it while the POST is in flight. */
export const LEASE_MS = 5_000;

/**
 * Leases are measured by the database's own real time (`opsOf(db).realNowMs()`): they detect
 * crashed senders, a real-world event, so they must not stop with a frozen sandbox clock (a
 * restored frozen clock would otherwise keep a dead instance's claims forever), and every
 * instance reads the same clock this way.
 */

export interface Claim {
  deliveryId: number;
  eventId: number;
  subscriptionId: number;
  businessId: number;
  url: string;
  type: string;
  payload: string;
  attempts: number;
  firstFailedAt: number | null;
}

/**
 * Heads of enabled subscriptions, due at `nowMs` and not held by a live claim. The head of each
 * subscription is found once per subscription (an index seek on `deliveries_pending`), not once
 * per pending row: with a backlog the cost stays that of the number of subscriptions.
 */
function dueHeads(db: Db, nowMs: number, exclude: number[]) {
  const ops = opsOf(db);
  let q = db
    .selectFrom('deliveries as d')
    .where('d.id', 'in', (eb) =>
      eb
        .selectFrom('subscriptions as s')
        .where('s.enabled', '=', 1)
        .select((e) =>
          e
            .selectFrom('deliveries as h')
            .select((e2) => e2.fn.min<number>('h.id').as('head'))
            .whereRef('h.subscription_id', '=', 's.id')
            .where('h.state', '=', 'PENDING')
            .as('head'),
        ),
    )
    .where('d.state', '=', 'PENDING')
    .where('d.next_attempt_at', '<=', nowMs)
    .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<', ops.realNowMs())]));
  if (exclude.length > 0) q = q.where('d.id', 'not in', exclude);
  return q;
}

/**
 * Claims up to `limit` due heads for `owner` with one UPDATE … RETURNING (on PostgreSQL the inner
 * select skips rows another instance is claiming), then reads what sending them needs.
 */
export async function claimDue(storage: Storage, owner: string, nowMs: number, limit: number, exclude: number[] = []): Promise<Claim[]> {
  if (limit <= 0) return [];
  const { db } = storage;
  const ops = opsOf(db);
  // Rows another instance is claiming right now are skipped, not waited for.
  const pick = ops.lockSkipLocked(dueHeads(db, nowMs, exclude).select('d.id').orderBy('d.next_attempt_at').orderBy('d.id').limit(limit));
  const claimed = await db
    .updateTable('deliveries')
    .set({ claimed_by: owner, claimed_until: sql<number>`${ops.realNowMs()} + ${LEASE_MS}` })
    .where('id', 'in', pick)
    .returning('id')
    .execute();
  if (claimed.length === 0) return [];
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .innerJoin('subscriptions as s', 's.id', 'd.subscription_id')
    .select([
      'd.id as deliveryId',
      'd.event_id as eventId',
      'd.subscription_id as subscriptionId',
      's.business_id as businessId',
      's.url as url',
      'e.type as type',
      'e.payload as payload',
      'd.attempts as attempts',
      'd.first_failed_at as firstFailedAt',
    ])
    .where(
      'd.id',
      'in',
      claimed.map((c) => c.id),
    )
    .where('d.claimed_by', '=', owner)
    .orderBy('d.id')
    .execute();
  return rows;
}

/** Keeps a claim alive while its POST is in flight. */
export async function renewClaim(storage: Storage, deliveryId: number, owner: string): Promise<void> {
  await storage.db
    .updateTable('deliveries')
    .set({ claimed_until: sql<number>`${opsOf(storage.db).realNowMs()} + ${LEASE_MS}` })
    .where('id', '=', deliveryId)
    .where('claimed_by', '=', owner)
    .where('state', '=', 'PENDING')
    .execute();
}

/** Gives a claim back untouched (the sender stopped before an answer). */
export async function releaseClaim(storage: Storage, deliveryId: number, owner: string): Promise<void> {
  await storage.db
    .updateTable('deliveries')
    .set({ claimed_by: null, claimed_until: null })
    .where('id', '=', deliveryId)
    .where('claimed_by', '=', owner)
    .execute();
}

/**
 * Frees every claim. Only for SQLite at start: its file is owned by one process at a time, so any
 * claim found there was left by a process that died, and need not wait for its lease to end.
 */
export async function releaseAllClaims(storage: Storage): Promise<void> {
  await storage.db
    .updateTable('deliveries')
    .set({ claimed_by: null, claimed_until: null })
    .where('state', '=', 'PENDING')
    .where('claimed_by', 'is not', null)
    .execute();
}

/** The earliest instant a head becomes due (by the sandbox clock), or null when nothing waits. */
export async function nextDueAt(storage: Storage, exclude: number[] = []): Promise<number | null> {
  const row = await dueHeads(storage.db, Number.MAX_SAFE_INTEGER, exclude)
    .select((eb) => eb.fn.min<number>('d.next_attempt_at').as('due'))
    .executeTakeFirst();
  return row?.due ?? null;
}

export type Outcome = 'DELIVERED' | 'REJECTED' | 'WILL_RETRY' | 'GAVE_UP';

/** Why Market gave up on a subscription, in the words the subscription shows. */
export function gaveUpReason(firstFailedAt: number): string {
  return `Disabled after 14 days of failed deliveries (first failure at ${formatUtc(firstFailedAt)}); pending notifications were dropped`;
}

/**
 * Writes an attempt and its consequence in one transaction: delivered, refused (400, not retried),
 * retried on Market's schedule, or — 14 days after the first failure — the subscription disabled
 * and its pending notifications dropped. Returns null when the delivery is gone (subscription
 * deleted meanwhile).
 */
export async function recordAttempt(
  storage: Storage,
  claim: Claim,
  owner: string,
  startedAt: number,
  result: AttemptResult,
  nowMs: number,
): Promise<Outcome | null> {
  return storage.db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('deliveries')
      .select(['state', 'claimed_by', 'first_failed_at'])
      .where('id', '=', claim.deliveryId)
      .executeTakeFirst();
    if (!current) return null;
    // Another instance took over an expired claim and settled it: log the attempt, change nothing.
    const ours = current.state === 'PENDING' && current.claimed_by === owner;
    let outcome: Outcome;
    let next: number | null = null;
    const firstFailedAt = current.first_failed_at ?? startedAt;
    if (result.kind === 'ACCEPTED') outcome = 'DELIVERED';
    else if (result.kind === 'REJECTED') outcome = 'REJECTED';
    else {
      next = retryAt(firstFailedAt, startedAt);
      outcome = next === null ? 'GAVE_UP' : 'WILL_RETRY';
    }
    await trx
      .insertInto('delivery_attempts')
      .values({
        delivery_id: claim.deliveryId,
        business_id: claim.businessId,
        subscription_id: claim.subscriptionId,
        event_id: claim.eventId,
        started_at: startedAt,
        latency_ms: result.latencyMs,
        http_status: result.httpStatus,
        error_type: result.errorType,
        error_subtype: result.errorSubtype,
        message: result.message,
        outcome: ours ? outcome : null,
        next_attempt_at: ours ? next : null,
        clock: result.clock ?? null,
      })
      .execute();
    if (!ours) return null;
    const state = { DELIVERED: 'DELIVERED', REJECTED: 'FAILED', WILL_RETRY: 'PENDING', GAVE_UP: 'DROPPED' }[outcome];
    await trx
      .updateTable('deliveries')
      .set((eb) => ({
        state,
        attempts: eb('attempts', '+', 1),
        claimed_by: null,
        claimed_until: null,
        updated_at: nowMs,
        ...(result.kind === 'ERROR' ? { first_failed_at: firstFailedAt } : {}),
        ...(next !== null ? { next_attempt_at: next } : {}),
      }))
      .where('id', '=', claim.deliveryId)
      .execute();
    if (outcome === 'GAVE_UP') {
      await trx
        .updateTable('deliveries')
        .set({ state: 'DROPPED', claimed_by: null, claimed_until: null, updated_at: nowMs })
        .where('subscription_id', '=', claim.subscriptionId)
        .where('state', '=', 'PENDING')
        .execute();
      await trx
        .updateTable('subscriptions')
        .set({ enabled: 0, disabled_reason: gaveUpReason(firstFailedAt), disabled_at: nowMs, updated_at: nowMs })
        .where('id', '=', claim.subscriptionId)
        .execute();
    }
    return outcome;
  });
}
