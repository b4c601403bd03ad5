import type { Selectable } from 'kysely';
import { formatUtc } from '../clock.js';
import { errors } from '../domain/errors.js';
import { CHAT_NOTIFICATION_TYPES } from '../domain/events.js';
import { getBusiness } from '../domain/sandbox-entities.js';
import type { Db } from '../storage/storage.js';
import type { SubscriptionTable } from '../storage/schema.js';
import type { NotifyContext } from './context.js';
import { PING_TIMEOUT_MS, sendNotification, type AttemptResult } from './send.js';

/**
 * A business's notification subscription (Market: an "API notifications" integration of the
 * cabinet, the only level chat events exist at): where to POST and which event types.
 */
export interface Subscription {
  id: number;
  businessId: number;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewSubscription {
  url: string;
  /** Defaults to every chat event type. */
  eventTypes?: string[];
}

const MAX_URL_LENGTH = 2000;
const WAITING_FOR_PING = 'Waiting for the answer to PING';

function toSubscription(r: Selectable<SubscriptionTable>): Subscription {
  return {
    id: r.id,
    businessId: r.business_id,
    url: r.url,
    eventTypes: JSON.parse(r.event_types) as string[],
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The partner's URL as Market would accept it; plain http is allowed so a local receiver works. */
export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.invalid(`'url' must be an absolute http:// or https:// URL (got '${url}')`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw errors.invalid(`'url' must be an absolute http:// or https:// URL (got '${url}')`);
  }
  if (url.length > MAX_URL_LENGTH) throw errors.invalid(`'url' must be at most ${MAX_URL_LENGTH} characters long`);
  return url;
}

export function checkEventTypes(types: string[] | undefined): string[] {
  if (types === undefined) return [...CHAT_NOTIFICATION_TYPES];
  if (types.length === 0) throw errors.invalid("'eventTypes' must name at least one event type");
  const known = CHAT_NOTIFICATION_TYPES as readonly string[];
  for (const t of types) {
    if (!known.includes(t)) throw errors.invalid(`'eventTypes' contains '${t}': ymchat sends chat events only (${known.join(', ')})`);
  }
  if (new Set(types).size !== types.length) throw errors.invalid("'eventTypes' must not repeat a type");
  // Stored in the canonical order, so listings do not depend on how the request was written.
  return known.filter((t) => types.includes(t));
}

export async function listSubscriptions(db: Db, businessId: number): Promise<Subscription[]> {
  await getBusiness(db, businessId);
  const rows = await db.selectFrom('subscriptions').selectAll().where('business_id', '=', businessId).orderBy('id').execute();
  return rows.map(toSubscription);
}

export async function getSubscription(db: Db, businessId: number, id: number): Promise<Subscription> {
  await getBusiness(db, businessId);
  const row = Number.isSafeInteger(id)
    ? await db.selectFrom('subscriptions').selectAll().where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst()
    : undefined;
  if (!row) throw errors.notFound('Subscription', id);
  return toSubscription(row);
}

/**
 * Sets up a subscription and sends it a PING, as Market does on enabling: it is enabled only when
 * the PING gets a proper answer within 1 s, else it stays disabled with the reason.
 */
export async function createSubscription(ctx: NotifyContext, businessId: number, input: NewSubscription): Promise<Subscription> {
  const { db } = ctx.storage;
  await getBusiness(db, businessId);
  const url = checkUrl(input.url);
  const eventTypes = checkEventTypes(input.eventTypes);
  const now = ctx.clock.now();
  const id = await db.transaction().execute(async (trx) => {
    const others = await trx.selectFrom('subscriptions').select(['id', 'event_types']).where('business_id', '=', businessId).execute();
    for (const o of others) {
      const overlap = (JSON.parse(o.event_types) as string[]).filter((t) => eventTypes.includes(t));
      if (overlap.length > 0) {
        throw errors.conflict(`Subscription ${o.id} of business ${businessId} already receives ${overlap.join(', ')}: one URL per event type`);
      }
    }
    const row = await trx
      .insertInto('subscriptions')
      .values({
        business_id: businessId,
        url,
        event_types: JSON.stringify(eventTypes),
        enabled: 0,
        disabled_reason: WAITING_FOR_PING,
        disabled_at: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
  return ping(ctx, await getSubscription(db, businessId, id));
}

/** Enables a disabled subscription; Market sends a PING again and enables only on a proper answer. */
export async function enableSubscription(ctx: NotifyContext, businessId: number, id: number): Promise<Subscription> {
  const sub = await getSubscription(ctx.storage.db, businessId, id);
  if (sub.enabled) return sub;
  return ping(ctx, sub);
}

export const DISABLED_BY_HAND = 'Disabled in the sandbox';

/**
 * Stops a subscription's deliveries: new changes no longer notify it, and notifications already
 * waiting stay in its outbox until it is enabled again (after a new PING).
 */
export async function disableSubscription(db: Db, nowMs: number, businessId: number, id: number): Promise<Subscription> {
  const sub = await getSubscription(db, businessId, id);
  if (!sub.enabled) return sub;
  await db
    .updateTable('subscriptions')
    .set({ enabled: 0, disabled_reason: DISABLED_BY_HAND, disabled_at: nowMs, updated_at: nowMs })
    .where('id', '=', sub.id)
    .execute();
  return getSubscription(db, businessId, id);
}

/** Removes a subscription with its pending notifications and its part of the delivery log. */
export async function deleteSubscription(db: Db, businessId: number, id: number): Promise<Subscription> {
  const sub = await getSubscription(db, businessId, id);
  await db.deleteFrom('subscriptions').where('id', '=', sub.id).execute();
  return sub;
}

/** `CANT_GET_RESPONSE/READ_TIMED_OUT: No answer within 1000 ms`. */
export function describeFailure(r: AttemptResult): string {
  const kind = [r.errorType, r.errorSubtype].filter(Boolean).join('/');
  return r.message ? `${kind}: ${r.message}` : kind;
}

/** Sends PING and records it like any notification (event, delivery, attempt), then enables or not. */
async function ping(ctx: NotifyContext, sub: Subscription): Promise<Subscription> {
  const { db } = ctx.storage;
  const startedAt = ctx.clock.now();
  const payload = JSON.stringify({ notificationType: 'PING', time: formatUtc(startedAt) });
  const result = await sendNotification(sub.url, payload, PING_TIMEOUT_MS);
  const ok = result.kind === 'ACCEPTED';
  const now = ctx.clock.now();
  await db.transaction().execute(async (trx) => {
    const still = await trx.selectFrom('subscriptions').select('id').where('id', '=', sub.id).executeTakeFirst();
    if (!still) return;
    const event = await trx
      .insertInto('events')
      .values({ business_id: sub.businessId, type: 'PING', payload, created_at: startedAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    const delivery = await trx
      .insertInto('deliveries')
      .values({
        event_id: event.id,
        subscription_id: sub.id,
        state: ok ? 'DELIVERED' : 'FAILED',
        attempts: 1,
        first_failed_at: ok ? null : startedAt,
        next_attempt_at: startedAt,
        claimed_by: null,
        claimed_until: null,
        created_at: startedAt,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('delivery_attempts')
      .values({
        delivery_id: delivery.id,
        business_id: sub.businessId,
        subscription_id: sub.id,
        event_id: event.id,
        started_at: startedAt,
        clock: ctx.clock.mode,
        latency_ms: result.latencyMs,
        http_status: result.httpStatus,
        error_type: result.errorType,
        error_subtype: result.errorSubtype,
        message: result.message,
        outcome: ok ? 'DELIVERED' : 'FAILED',
        next_attempt_at: null,
      })
      .execute();
    await trx
      .updateTable('subscriptions')
      .set({
        enabled: ok ? 1 : 0,
        disabled_reason: ok ? null : `PING ${result.kind === 'REJECTED' ? 'refused' : 'failed'}: ${describeFailure(result)}`,
        disabled_at: ok ? null : now,
        updated_at: now,
      })
      .where('id', '=', sub.id)
      .execute();
  });
  return getSubscription(db, sub.businessId, sub.id);
}
