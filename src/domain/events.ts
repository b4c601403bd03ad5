import { formatUtc } from '../clock.js';
import type { Db } from '../storage/storage.js';

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

/**
 * Writes a notification to the outbox: the event, and one pending delivery per enabled
 * subscription of the business that asked for its type. Call inside the transaction of the
 * change that caused it, so the two commit or vanish together.
 */
/** Transactions that wrote at least one delivery: only their commits need to wake the sender. */
export const wroteDeliveries = new WeakSet<object>();

export async function recordEvent(
  trx: Db,
  businessId: number,
  payload: { notificationType: string } & Record<string, unknown>,
  nowMs: number,
): Promise<number> {
  const type = payload.notificationType;
  const event = await trx
    .insertInto('events')
    .values({ business_id: businessId, type, payload: JSON.stringify(payload), created_at: nowMs })
    .returning('id')
    .executeTakeFirstOrThrow();
  const subs = await trx
    .selectFrom('subscriptions')
    .select(['id', 'event_types'])
    .where('business_id', '=', businessId)
    .where('enabled', '=', 1)
    .execute();
  for (const sub of subs) {
    const types = JSON.parse(sub.event_types) as string[];
    if (!types.includes(type)) continue;
    await trx
      .insertInto('deliveries')
      .values({
        event_id: event.id,
        subscription_id: sub.id,
        state: 'PENDING',
        attempts: 0,
        first_failed_at: null,
        next_attempt_at: nowMs,
        claimed_by: null,
        claimed_until: null,
        created_at: nowMs,
        updated_at: nowMs,
      })
      .execute();
    wroteDeliveries.add(trx);
  }
  return event.id;
}
