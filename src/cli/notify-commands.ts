import { type Command, InvalidArgumentError } from 'commander';
import { CHAT_NOTIFICATION_TYPES } from '../domain/events.js';
import type { FlushResult, Subscription } from '../testing/control.js';
import type { DeliveryPage, Outbox } from './answers.js';
import { clientAction as action, positiveId, table } from './kit.js';

/**
 * Notification subscriptions and the delivery log, over the control API. Each command prints a
 * short human answer, or the API's JSON with `--json`.
 */

const CHAT_EVENTS: readonly string[] = CHAT_NOTIFICATION_TYPES;

function eventList(value: string): string[] {
  const types = value.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = types.find((t) => !CHAT_EVENTS.includes(t));
  if (unknown || types.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${CHAT_EVENTS.join(', ')}`);
  return types;
}

const subscriptionLine = (s: Subscription) =>
  `subscription ${s.id} of business ${s.businessId}: ${s.enabled ? 'enabled' : `NOT enabled (${s.disabledReason})`}\n  ${s.url}\n  ${s.eventTypes.join(', ')}`;

/** `ymchat subscribe`, `subscriptions`, `unsubscribe`, `enable-subscription`, `outbox`, `deliveries`, `flush`. */
export function registerNotifyCommands(program: Command): void {
  action(
    program
      .command('subscribe')
      .description("send a business's chat notifications to a URL (Market checks it with a PING first)")
      .argument('<businessId>', 'business (cabinet) id', positiveId('business id'))
      .argument('<url>', 'where to POST notifications, e.g. http://127.0.0.1:3000/notification')
      .option('--events <types>', `comma-separated event types (default: all of ${CHAT_EVENTS.join(', ')})`, eventList),
    async (client, [businessId, url], opts) => {
      const data = await client.post<Subscription>(`/businesses/${businessId}/subscriptions`, { url, ...(opts.events ? { eventTypes: opts.events } : {}) });
      return { data, text: subscriptionLine(data), failed: !data.enabled };
    },
  );

  action(
    program
      .command('subscriptions')
      .description('list the notification subscriptions of a business')
      .argument('<businessId>', 'business (cabinet) id', positiveId('business id')),
    async (client, [businessId]) => {
      const data = await client.get<{ subscriptions: Subscription[]; notifyPartnerMessages: boolean }>(`/businesses/${businessId}/subscriptions`);
      const rows = data.subscriptions.map((s) => [s.id, s.enabled ? 'yes' : 'no', s.url, s.eventTypes.join(','), s.disabledReason]);
      const own = `Seller's own messages notify: ${data.notifyPartnerMessages ? 'yes' : 'no'} (YMCHAT_NOTIFY_PARTNER_MESSAGES)`;
      return { data, text: `${table(['ID', 'ENABLED', 'URL', 'EVENTS', 'WHY DISABLED'], rows)}\n${own}` };
    },
  );

  action(
    program
      .command('unsubscribe')
      .description('delete a subscription with its pending notifications and its delivery log')
      .argument('<businessId>', 'business (cabinet) id', positiveId('business id'))
      .argument('<subscriptionId>', 'subscription id', positiveId('subscription id')),
    async (client, [businessId, id]) => {
      const data = await client.delete<Subscription>(`/businesses/${businessId}/subscriptions/${id}`);
      return { data, text: `subscription ${data.id} deleted` };
    },
  );

  action(
    program
      .command('enable-subscription')
      .description('enable a disabled subscription again (sends a PING, as Market does)')
      .argument('<businessId>', 'business (cabinet) id', positiveId('business id'))
      .argument('<subscriptionId>', 'subscription id', positiveId('subscription id')),
    async (client, [businessId, id]) => {
      const data = await client.post<Subscription>(`/businesses/${businessId}/subscriptions/${id}/enable`);
      return { data, text: subscriptionLine(data), failed: !data.enabled };
    },
  );

  action(
    program
      .command('outbox')
      .description("what waits in a subscription's outbox: counts and the notification at its head")
      .argument('<businessId>', 'business (cabinet) id', positiveId('business id'))
      .argument('<subscriptionId>', 'subscription id', positiveId('subscription id')),
    async (client, [businessId, id]) => {
      const data = await client.get<Outbox>(`/businesses/${businessId}/subscriptions/${id}/outbox`);
      const lines = [
        `subscription ${data.subscriptionId} (${data.enabled ? 'enabled' : 'disabled'}): ${data.pending} pending, ${data.delivered} delivered, ${data.failed} refused, ${data.dropped} dropped`,
      ];
      const h = data.head;
      if (h) {
        lines.push(
          `head: ${h.notificationType} (event ${h.eventId}, delivery ${h.deliveryId}), ${h.attempts} attempt(s), next at ${h.nextAttemptAt}` +
            (h.firstFailedAt ? `, failing since ${h.firstFailedAt}` : '') +
            (h.claimed ? ', being sent' : ''),
        );
      }
      return { data, text: lines.join('\n') };
    },
  );

  action(
    program
      .command('deliveries')
      .description('the delivery log of a business, newest first: every attempt with its result')
      .argument('<businessId>', 'business (cabinet) id', positiveId('business id'))
      .option('--subscription <id>', 'only this subscription', positiveId('subscription id'))
      .option('--limit <n>', 'entries per page, 1..200 (default 50)', positiveId('limit'))
      .option('--page-token <token>', 'the next page, as printed after a page'),
    async (client, [businessId], opts) => {
      const data = await client.get<DeliveryPage>(`/businesses/${businessId}/deliveries`, {
        subscriptionId: opts.subscription,
        limit: opts.limit,
        pageToken: opts.pageToken,
      });
      const rows = data.attempts.map((a) => [
        a.clock === 'virtual' ? `${a.startedAt} (virtual)` : a.startedAt,
        a.subscriptionId,
        a.notificationType,
        a.eventId,
        a.httpStatus,
        `${a.latencyMs}ms`,
        a.outcome,
        [a.errorType, a.errorSubtype].filter(Boolean).join('/'),
        a.nextAttemptAt ? `next ${a.nextAttemptAt}` : a.message,
      ]);
      let text = table(['TIME', 'SUB', 'TYPE', 'EVENT', 'HTTP', 'LATENCY', 'OUTCOME', 'ERROR', 'DETAIL'], rows);
      if (data.paging.nextPageToken) text += `\nmore: --page-token ${data.paging.nextPageToken}`;
      return { data, text };
    },
  );

  action(
    program.command('flush').description('deliver every notification that is due now, and wait until done'),
    async (client) => {
      const data = await client.post<FlushResult>('/notifications/flush');
      return {
        data,
        text: `${data.attempts} attempt(s): ${data.delivered} delivered, ${data.rejected} refused, ${data.retrying} to retry, ${data.gaveUp} gave up`,
      };
    },
  );
}
