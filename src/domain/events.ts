import { formatUtc } from '../clock.js';
import { sql } from 'kysely';
import type { Db } from '../storage/storage.js';
import { prepared } from '../storage/prepared.js';

export const CHAT_NOTIFICATION_TYPES = [
  'CHAT_CREATED',
  'CHAT_MESSAGE_SENT',
  'CHAT_ARBITRAGE_STARTED',
  'CHAT_ARBITRAGE_FINISHED',
] as const;

/** Notification bodies exactly as the notification API's schemas name their fields. */
export function chatCreatedPayload(businessId: number, chatId: number, atMs: number) {
  return { notificationType: 'CHAT_CREATED', chatId, businessId, createdAt: formatUtc(atMs) };
}
export function messageSentPayload(businessId: number, chatId: number, messageId: number, atMs: number) {
  return { notificationType: 'CHAT_MESSAGE_SENT', chatId, messageId: String(messageId), businessId, sentAt: formatUtc(atMs) };
}
export function arbitrageStartedPayload(businessId: number, chatId: number, atMs: number) {
  return { notificationType: 'CHAT_ARBITRAGE_STARTED', chatId, businessId, startedAt: formatUtc(atMs) };
}
export function arbitrageFinishedPayload(businessId: number, chatId: number, atMs: number) {
  return { notificationType: 'CHAT_ARBITRAGE_FINISHED', chatId, businessId, finishedAt: formatUtc(atMs) };
}

/** Transactions that wrote at least one delivery: only their commits need to wake the sender. */
export const wroteDeliveries = new WeakSet<object>();

// Every announced change runs these: compiled once, constants as literals.
const insertEvent = prepared((db: Db, businessId: number, type: string, payload: string, createdAt: number) =>
  db.insertInto('events').values({ business_id: businessId, type, payload, created_at: createdAt }).returning('id'),
);
const enabledSubscriptions = prepared((db: Db, businessId: number) =>
  db.selectFrom('subscriptions').select(['id', 'event_types']).where('business_id', '=', businessId).where('enabled', '=', sql.lit(1)),
);
const insertDelivery = prepared((db: Db, eventId: number, subscriptionId: number, nextAttemptAt: number, createdAt: number, updatedAt: number) =>
  db.insertInto('deliveries').values({
    event_id: eventId,
    subscription_id: subscriptionId,
    state: sql.lit('PENDING'),
    attempts: sql.lit(0),
    first_failed_at: sql.lit(null),
    next_attempt_at: nextAttemptAt,
    claimed_by: sql.lit(null),
    claimed_until: sql.lit(null),
    created_at: createdAt,
    updated_at: updatedAt,
  }),
);

/**
 * Writes a notification to the outbox: the event, and one pending delivery per enabled
 * subscription of the business that asked for its type. Call inside the transaction of the
 * change that caused it, so the two commit or vanish together.
 */
export async function recordEvent(
  trx: Db,
  businessId: number,
  payload: { notificationType: string } & Record<string, unknown>,
  nowMs: number,
): Promise<number> {
  const type = payload.notificationType;
  const [event] = await insertEvent(trx, businessId, type, JSON.stringify(payload), nowMs);
  const subs = await enabledSubscriptions(trx, businessId);
  for (const sub of subs) {
    const types = JSON.parse(sub.event_types) as string[];
    if (!types.includes(type)) continue;
    await insertDelivery(trx, event.id, sub.id, /* next attempt */ nowMs, /* created */ nowMs, /* updated */ nowMs);
    wroteDeliveries.add(trx);
  }
  return event.id;
}
