import type { Db } from '../storage/storage.js';

/** One attempt of the delivery log, as the control API shows it. */
export interface LogEntry {
  id: number;
  deliveryId: number;
  subscriptionId: number;
  eventId: number;
  notificationType: string;
  startedAt: number;
  latencyMs: number;
  httpStatus: number | null;
  errorType: string | null;
  errorSubtype: string | null;
  message: string | null;
  outcome: string | null;
  nextAttemptAt: number | null;
  /** `virtual` or `real`: which clock `startedAt` came from; null for rows written before it was kept. */
  clock: string | null;
}

/** A place in the log: entries before it come after it on the next page. */
export interface LogCursor {
  startedAt: number;
  id: number;
}

export interface LogQuery {
  subscriptionId?: number;
  /** Entries after this one in the log's order (paging). */
  after?: LogCursor;
  limit: number;
}

/**
 * The delivery log of a business, newest first by the time of each attempt (ties by id). Ids
 * follow the order attempts were recorded, which differs from their start times when attempts
 * overlap or the sandbox clock was moved back; the log reads in time order all the same.
 */
export async function listAttempts(db: Db, businessId: number, q: LogQuery): Promise<LogEntry[]> {
  let query = db
    .selectFrom('delivery_attempts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .select([
      'a.id as id',
      'a.delivery_id as deliveryId',
      'a.subscription_id as subscriptionId',
      'a.event_id as eventId',
      'e.type as notificationType',
      'a.started_at as startedAt',
      'a.latency_ms as latencyMs',
      'a.http_status as httpStatus',
      'a.error_type as errorType',
      'a.error_subtype as errorSubtype',
      'a.message as message',
      'a.outcome as outcome',
      'a.next_attempt_at as nextAttemptAt',
      'a.clock as clock',
    ])
    .where('a.business_id', '=', businessId);
  if (q.subscriptionId !== undefined) query = query.where('a.subscription_id', '=', q.subscriptionId);
  const after = q.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('a.started_at', '<', after.startedAt), eb.and([eb('a.started_at', '=', after.startedAt), eb('a.id', '<', after.id)])]),
    );
  }
  return query.orderBy('a.started_at', 'desc').orderBy('a.id', 'desc').limit(q.limit).execute();
}

export type AttemptCounts = { attempts: number; delivered: number; rejected: number; retrying: number; gaveUp: number };

/** The newest attempt id, so a later count can start after it. */
export async function lastAttemptId(db: Db): Promise<number> {
  const row = await db.selectFrom('delivery_attempts').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Outbox attempts (PINGs aside) recorded after `afterId`, by whichever sender made them. */
export async function countAttemptsSince(db: Db, afterId: number): Promise<AttemptCounts & { lastId: number }> {
  const rows = await db
    .selectFrom('delivery_attempts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .select(['a.outcome as outcome', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('a.id').as('lastId')])
    .where('a.id', '>', afterId)
    .where('e.type', '!=', 'PING')
    .groupBy('a.outcome')
    .execute();
  const n = (o: string) => Number(rows.find((r) => r.outcome === o)?.n ?? 0);
  return {
    attempts: rows.reduce((sum, r) => sum + Number(r.n), 0),
    delivered: n('DELIVERED'),
    rejected: n('REJECTED'),
    retrying: n('WILL_RETRY'),
    gaveUp: n('GAVE_UP'),
    lastId: rows.reduce((max, r) => Math.max(max, Number(r.lastId ?? 0)), afterId),
  };
}

export interface OutboxHead {
  deliveryId: number;
  eventId: number;
  notificationType: string;
  attempts: number;
  firstFailedAt: number | null;
  nextAttemptAt: number;
  /** Claimed by a sender: being POSTed now (or held by a crashed instance until its lease ends). */
  claimed: boolean;
}

export interface OutboxState {
  pending: number;
  delivered: number;
  failed: number;
  dropped: number;
  head: OutboxHead | null;
}

/** Where a subscription's outbox stands: notifications by state and the one at its head. */
export async function outboxState(db: Db, subscriptionId: number): Promise<OutboxState> {
  // PINGs are sent directly, never through the outbox.
  const counts = await db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .select(['d.state as state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('d.subscription_id', '=', subscriptionId)
    .where('e.type', '!=', 'PING')
    .groupBy('d.state')
    .execute();
  const by = (s: string) => Number(counts.find((c) => c.state === s)?.n ?? 0);
  const head = await db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .select([
      'd.id as deliveryId',
      'd.event_id as eventId',
      'e.type as notificationType',
      'd.attempts as attempts',
      'd.first_failed_at as firstFailedAt',
      'd.next_attempt_at as nextAttemptAt',
      'd.claimed_by as claimedBy',
    ])
    .where('d.subscription_id', '=', subscriptionId)
    .where('d.state', '=', 'PENDING')
    .orderBy('d.id')
    .limit(1)
    .executeTakeFirst();
  return {
    pending: by('PENDING'),
    delivered: by('DELIVERED'),
    failed: by('FAILED'),
    dropped: by('DROPPED'),
    head: head
      ? {
          deliveryId: head.deliveryId,
          eventId: head.eventId,
          notificationType: head.notificationType,
          attempts: head.attempts,
          firstFailedAt: head.firstFailedAt,
          nextAttemptAt: head.nextAttemptAt,
          claimed: head.claimedBy !== null,
        }
      : null,
  };
}
