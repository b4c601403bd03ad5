import { sql, type RawBuilder } from 'kysely';
import { formatUtc } from '../clock.js';
import type { Db, Storage } from '../storage/storage.js';
import { opsOf } from '../storage/dialect-ops.js';
import { nameStatement, prepared } from '../storage/prepared.js';
import { retryAt } from './schedule.js';
import type { AttemptResult } from './send.js';

/**
 * The outbox seen from the sender: claiming the deliveries that are due, and writing down what an
 * attempt led to. Only the oldest PENDING delivery of a subscription (its head) is ever claimed,
 * so notifications of one subscription go out one at a time and in order.
 */

/** How long a claim holds without renewal; the owner renews it while the POST is in flight. */
export const LEASE_MS = 5_000;

const PENDING = sql.lit('PENDING');

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

interface HeadFilter {
  /** Only this subscription's head. */
  subscriptionId?: number;
  /** Subscriptions whose head this sender holds already. */
  exclude?: number[];
}

/**
 * Heads of enabled subscriptions, due at `nowMs` and not held by a live claim. Driven from the
 * subscriptions: each head is found by an index seek on `deliveries_pending` and read by its key,
 * so the cost is that of the number of subscriptions, never of the backlog. (Asked the other way
 * round, "pending deliveries whose id is a head", SQLite walks every pending row.)
 */
function dueHeads(db: Db, nowMs: number, { subscriptionId, exclude = [] }: HeadFilter) {
  const ops = opsOf(db);
  // Constants are literals, so that the only parameters are the caller's values (see claimNextHead).
  let q = db
    .selectFrom('subscriptions as s')
    .innerJoin('deliveries as d', (join) =>
      join.on((eb) =>
        eb(
          'd.id',
          '=',
          eb
            .selectFrom('deliveries as h')
            .select((e) => e.fn.min<number>('h.id').as('head'))
            .whereRef('h.subscription_id', '=', 's.id')
            .where('h.state', '=', PENDING),
        ),
      ),
    )
    .where('s.enabled', '=', sql.lit(1))
    .where('d.state', '=', PENDING)
    .where('d.next_attempt_at', '<=', nowMs)
    .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<', ops.realNowMs())]));
  if (subscriptionId !== undefined) q = q.where('s.id', '=', subscriptionId);
  if (exclude.length > 0) q = q.where('s.id', 'not in', exclude);
  return q;
}

/**
 * Claims up to `limit` due heads for `owner` in one UPDATE … RETURNING that also reads what
 * sending them needs (on PostgreSQL the inner select skips rows another instance is claiming).
 */
function claimHeadsQuery(db: Db, owner: string, nowMs: number, limit: number | RawBuilder<number>, filter: HeadFilter) {
  const ops = opsOf(db);
  // Rows another instance is claiming right now are skipped, not waited for.
  const pick = ops.lockSkipLocked(dueHeads(db, nowMs, filter).select('d.id').orderBy('d.next_attempt_at').orderBy('d.id').limit(limit), 'd');
  return db
    .updateTable('deliveries')
    .set({ claimed_by: owner, claimed_until: sql<number>`${ops.realNowMs()} + ${sql.lit(LEASE_MS)}` })
    .where('id', 'in', pick)
    .returning((eb) => [
      'id as deliveryId',
      'event_id as eventId',
      'subscription_id as subscriptionId',
      'attempts',
      'first_failed_at as firstFailedAt',
      eb.selectFrom('subscriptions as s').select('s.business_id').whereRef('s.id', '=', 'deliveries.subscription_id').as('businessId'),
      eb.selectFrom('subscriptions as s').select('s.url').whereRef('s.id', '=', 'deliveries.subscription_id').as('url'),
      eb.selectFrom('events as e').select('e.type').whereRef('e.id', '=', 'deliveries.event_id').as('type'),
      eb.selectFrom('events as e').select('e.payload').whereRef('e.id', '=', 'deliveries.event_id').as('payload'),
    ]);
}

// The subquery columns are never null: deliveries reference their event and subscription.
const byDeliveryId = (rows: unknown[]) => (rows as Claim[]).sort((a, b) => a.deliveryId - b.deliveryId);

/**
 * A subscription's next head, claimed as a delivery settles: once per notification of a busy
 * subscription, so compiled once rather than built each time.
 */
const claimNextHead = prepared((db: Db, owner: string, nowMs: number, subscriptionId: number) =>
  claimHeadsQuery(db, owner, nowMs, sql.lit(1), { subscriptionId }),
);

/** Claims up to `limit` due heads for `owner`, leaving out the subscriptions in `exclude`. */
export async function claimDue(storage: Storage, owner: string, nowMs: number, limit: number, exclude: number[] = []): Promise<Claim[]> {
  if (limit <= 0) return [];
  return byDeliveryId(await claimHeadsQuery(storage.db, owner, nowMs, limit, { exclude }).execute());
}

/** Keeps the claims in `deliveryIds` alive while their POSTs are in flight: one statement for all. */
export async function renewClaims(storage: Storage, owner: string, deliveryIds: number[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await storage.db
    .updateTable('deliveries')
    .set({ claimed_until: sql<number>`${opsOf(storage.db).realNowMs()} + ${LEASE_MS}` })
    .where('id', 'in', deliveryIds)
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

/**
 * The earliest instant a head becomes due (by the sandbox clock), or null when nothing waits;
 * subscriptions in `exclude` (this sender's own, in flight) left out.
 */
export async function nextDueAt(storage: Storage, exclude: number[] = []): Promise<number | null> {
  const row = await dueHeads(storage.db, Number.MAX_SAFE_INTEGER, { exclude })
    .select((eb) => eb.fn.min<number>('d.next_attempt_at').as('due'))
    .executeTakeFirst();
  return row?.due ?? null;
}

export type Outcome = 'DELIVERED' | 'REJECTED' | 'WILL_RETRY' | 'GAVE_UP';

/** Why Market gave up on a subscription, in the words the subscription shows. */
export function gaveUpReason(firstFailedAt: number): string {
  return `Disabled after 14 days of failed deliveries (first failure at ${formatUtc(firstFailedAt)}); pending notifications were dropped`;
}

// The statements of settling a delivery run once per notification: compiled once, their only
// parameters the values below (a null leaves the column as it is).
const settleDelivery = prepared(
  (db: Db, state: string, nowMs: number, firstFailedAt: number | null, nextAttemptAt: number | null, deliveryId: number, owner: string) =>
    db
      .updateTable('deliveries')
      .set((eb) => ({
        state,
        attempts: eb('attempts', '+', sql.lit(1)),
        claimed_by: sql.lit(null),
        claimed_until: sql.lit(null),
        updated_at: nowMs,
        first_failed_at: eb.fn.coalesce(eb.val(firstFailedAt), 'first_failed_at'),
        next_attempt_at: eb.fn.coalesce(eb.val(nextAttemptAt), 'next_attempt_at'),
      }))
      .where('id', '=', deliveryId)
      .where('state', '=', PENDING)
      .where('claimed_by', '=', owner)
      .returning('id'),
);

const deliveryById = prepared((db: Db, deliveryId: number) => db.selectFrom('deliveries').select('id').where('id', '=', deliveryId));

const logAttempt = prepared(
  (
    db: Db,
    deliveryId: number,
    businessId: number,
    subscriptionId: number,
    eventId: number,
    startedAt: number,
    latencyMs: number,
    httpStatus: number | null,
    errorType: string | null,
    errorSubtype: string | null,
    message: string | null,
    outcome: Outcome | null,
    nextAttemptAt: number | null,
    clock: string | null,
  ) =>
    db.insertInto('delivery_attempts').values({
      delivery_id: deliveryId,
      business_id: businessId,
      subscription_id: subscriptionId,
      event_id: eventId,
      started_at: startedAt,
      latency_ms: latencyMs,
      http_status: httpStatus,
      error_type: errorType,
      error_subtype: errorSubtype,
      message,
      outcome,
      next_attempt_at: nextAttemptAt,
      clock,
    }),
);

/**
 * Writes an attempt and its consequence in one transaction: delivered, refused (400, not retried),
 * retried on Market's schedule, or — 14 days after the first failure — the subscription disabled
 * and its pending notifications dropped. Returns null when the delivery is gone (subscription
 * deleted meanwhile) or no longer this owner's.
 */
export async function recordAttempt(
  storage: Storage,
  claim: Claim,
  owner: string,
  startedAt: number,
  result: AttemptResult,
  nowMs: number,
): Promise<Outcome | null> {
  return (await recordAttemptAndClaimNext(storage, claim, owner, startedAt, result, nowMs, false)).outcome;
}

/**
 * Records an attempt as `recordAttempt` does and, with `claimNext`, claims the subscription's
 * next head in the same transaction when it is due at `nowMs`: the previous notification is
 * settled in the very commit that hands out the next, so order holds and a busy subscription's
 * cycle is one transaction and one POST.
 */
export async function recordAttemptAndClaimNext(
  storage: Storage,
  claim: Claim,
  owner: string,
  startedAt: number,
  result: AttemptResult,
  nowMs: number,
  claimNext: boolean,
): Promise<{ outcome: Outcome | null; next: Claim | null }> {
  // The claim's first failure is the row's: only the holder of a claim writes it.
  const firstFailedAt = claim.firstFailedAt ?? startedAt;
  let outcome: Outcome;
  let next: number | null = null;
  if (result.kind === 'ACCEPTED') outcome = 'DELIVERED';
  else if (result.kind === 'REJECTED') outcome = 'REJECTED';
  else {
    next = retryAt(firstFailedAt, startedAt);
    outcome = next === null ? 'GAVE_UP' : 'WILL_RETRY';
  }
  const state = { DELIVERED: 'DELIVERED', REJECTED: 'FAILED', WILL_RETRY: 'PENDING', GAVE_UP: 'DROPPED' }[outcome];
  // The common case of a busy subscription, where round trips are the cost: one statement.
  if (claimNext && (outcome === 'DELIVERED' || outcome === 'REJECTED') && opsOf(storage.db).combinesWrites) {
    return settleAndClaimInOneStatement(storage.db, claim, owner, startedAt, result, nowMs, outcome, state);
  }
  return storage.db.transaction().execute(async (trx) => {
    const [settled] = await settleDelivery(
      trx,
      state,
      nowMs,
      result.kind === 'ERROR' ? firstFailedAt : null,
      next,
      claim.deliveryId,
      owner,
    );
    // Another instance took over an expired claim and settled it: log the attempt, change nothing.
    const ours = settled !== undefined;
    if (!ours) {
      const [exists] = await deliveryById(trx, claim.deliveryId);
      if (!exists) return { outcome: null, next: null };
    }
    await logAttempt(
      trx,
      claim.deliveryId,
      claim.businessId,
      claim.subscriptionId,
      claim.eventId,
      startedAt,
      result.latencyMs,
      result.httpStatus,
      result.errorType,
      result.errorSubtype,
      result.message,
      ours ? outcome : null,
      ours ? next : null,
      result.clock ?? null,
    );
    if (!ours) return { outcome: null, next: null };
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
      return { outcome, next: null };
    }
    if (!claimNext) return { outcome, next: null };
    const [head] = await claimNextHead(trx, owner, nowMs, claim.subscriptionId);
    return { outcome, next: (head as Claim | undefined) ?? null };
  });
}

/**
 * What `recordAttemptAndClaimNext` does for a delivered or refused notification (no retry to
 * schedule, nothing to drop), as one statement of data-modifying WITH clauses. They all read the
 * snapshot from before the statement, where the settled delivery is still PENDING: the next head
 * is therefore the oldest PENDING delivery after it (it was the head; later ones have greater ids,
 * and `>` keeps the lookup on `deliveries_pending` rather than a walk of the primary key). The
 * next head is claimed only when the settled one was ours; a row another instance holds is
 * waited for, then found claimed, and left.
 *
 * Its commit does not wait for the WAL to reach the disk (synchronous_commit off, for this
 * transaction only): that wait (2–3 ms) would bound a subscription to a few hundred
 * notifications a second. Other sessions see the commit at once as usual; only a crash of the
 * database server itself may lose the last fraction of a second of these commits, and the
 * notifications they settled are then sent again (at least once, as Market promises).
 */
async function settleAndClaimInOneStatement(
  db: Db,
  claim: Claim,
  owner: string,
  startedAt: number,
  result: AttemptResult,
  nowMs: number,
  outcome: Outcome,
  state: string,
): Promise<{ outcome: Outcome | null; next: Claim | null }> {
  const realNow = opsOf(db).realNowMs();
  const { deliveryId, subscriptionId } = claim;
  const query = sql<{
    ours: number;
    present: number;
    deliveryId: number | null;
    eventId: number;
    attempts: number;
    firstFailedAt: number | null;
    type: string;
    payload: string;
  }>`
    with settled as (
      update deliveries
      set state = ${state}, attempts = attempts + 1, claimed_by = null, claimed_until = null, updated_at = ${nowMs}
      where id = ${deliveryId} and state = 'PENDING' and claimed_by = ${owner}
      returning id
    ), logged as (
      insert into delivery_attempts (delivery_id, business_id, subscription_id, event_id, started_at, latency_ms,
        http_status, error_type, error_subtype, message, outcome, next_attempt_at, clock)
      select id, cast(${claim.businessId} as bigint), subscription_id, event_id, cast(${startedAt} as bigint),
        cast(${result.latencyMs} as integer), cast(${result.httpStatus} as integer), cast(${result.errorType} as text),
        cast(${result.errorSubtype} as text), cast(${result.message} as text),
        case when exists (select 1 from settled) then cast(${outcome} as text) end, cast(null as bigint),
        cast(${result.clock ?? null} as text)
      from deliveries where id = ${deliveryId}
    ), next as (
      update deliveries
      set claimed_by = ${owner}, claimed_until = ${realNow} + ${LEASE_MS}
      where id = (
          select min(h.id) from deliveries h
          where h.subscription_id = ${subscriptionId} and h.state = 'PENDING' and h.id > ${deliveryId}
        )
        and exists (select 1 from settled)
        and exists (select 1 from subscriptions s where s.id = ${subscriptionId} and s.enabled = 1)
        and state = 'PENDING' and next_attempt_at <= ${nowMs}
        and (claimed_until is null or claimed_until < ${realNow})
      returning id, event_id, attempts, first_failed_at,
        (select e.type from events e where e.id = deliveries.event_id) as type,
        (select e.payload from events e where e.id = deliveries.event_id) as payload
    )
    select set_config('synchronous_commit', 'off', true) as "asyncCommit", (select count(*) from settled) as "ours", (select count(*) from deliveries where id = ${deliveryId}) as "present",
      next.id as "deliveryId", next.event_id as "eventId", next.attempts as "attempts", next.first_failed_at as "firstFailedAt",
      next.type as "type", next.payload as "payload"
    from (select 1) as one left join next on true
  `.compile(db);
  // Fixed text: planned once per connection as a named statement (planning cost more than running).
  nameStatement(query.sql);
  const { rows } = await db.executeQuery(query);
  const row = rows[0];
  if (!row || Number(row.present) === 0 || Number(row.ours) === 0) return { outcome: null, next: null };
  const next: Claim | null =
    row.deliveryId === null
      ? null
      : {
          deliveryId: row.deliveryId,
          eventId: row.eventId,
          subscriptionId,
          businessId: claim.businessId,
          url: claim.url,
          type: row.type,
          payload: row.payload,
          attempts: row.attempts,
          firstFailedAt: row.firstFailedAt,
        };
  return { outcome, next };
}
