import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errors } from '../../domain/errors.js';
import { getBusiness } from '../../domain/sandbox-entities.js';
import type { Services } from '../../services.js';
import { countAttemptsSince, lastAttemptId, listAttempts, outboxState, type LogCursor, type LogEntry, type OutboxState } from '../../notify/log.js';
import {
  createSubscription,
  deleteSubscription,
  disableSubscription,
  enableSubscription,
  getSubscription,
  listSubscriptions,
  type Subscription,
} from '../../notify/subscriptions.js';
import type { DeliveryAttempt, FlushResult, Subscription as SubscriptionAnswer } from './answers.js';
import type { NotifyContext } from '../../notify/context.js';
import { Id, controlRoute, time } from './kit.js';

const BusinessParams = Type.Object({ businessId: Id });
const SubscriptionParams = Type.Object({ businessId: Id, subscriptionId: Id });
const DEFAULT_LOG_PAGE = 50;

function subscriptionView(s: Subscription): SubscriptionAnswer {
  return {
    id: s.id,
    businessId: s.businessId,
    url: s.url,
    eventTypes: s.eventTypes,
    enabled: s.enabled,
    disabledReason: s.disabledReason,
    disabledAt: time(s.disabledAt),
    createdAt: time(s.createdAt),
    updatedAt: time(s.updatedAt),
  };
}

function logView(e: LogEntry): DeliveryAttempt {
  return { ...e, startedAt: time(e.startedAt), nextAttemptAt: time(e.nextAttemptAt) };
}

export function outboxView(o: OutboxState) {
  return {
    ...o,
    head: o.head ? { ...o.head, firstFailedAt: time(o.head.firstFailedAt), nextAttemptAt: time(o.head.nextAttemptAt) } : null,
  };
}

const encodePage = (c: LogCursor) => Buffer.from(`attempt:${c.startedAt}:${c.id}`).toString('base64url');
function decodePage(token: string): LogCursor {
  const m = /^attempt:(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw errors.invalid(`Invalid pageToken '${token}'`);
  return { startedAt: Number(m[1]), id: Number(m[2]) };
}

/**
 * Notification subscriptions and the delivery log (Market's cabinet pages "API notifications"
 * and the notification log). Creating or enabling a subscription answers after its PING.
 */
export async function registerNotificationRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const db = () => services.storage.db;
  const notify: NotifyContext = { storage: services.storage, clock: services.clock };
  const subscriptionUrl = '/businesses/:businessId/subscriptions/:subscriptionId';

  controlRoute(
    app,
    {
      method: 'POST',
      url: '/businesses/:businessId/subscriptions',
      params: BusinessParams,
      body: Type.Object({ url: Type.String({ minLength: 1 }), eventTypes: Type.Optional(Type.Array(Type.String())) }),
      created: true,
    },
    async ({ params, body }) => subscriptionView(await createSubscription(notify, params.businessId, body)),
  );

  controlRoute(app, { method: 'GET', url: '/businesses/:businessId/subscriptions', params: BusinessParams }, async ({ params }) => ({
    subscriptions: (await listSubscriptions(db(), params.businessId)).map(subscriptionView),
    notifyPartnerMessages: services.config.notifyPartnerMessages,
  }));

  controlRoute(app, { method: 'GET', url: subscriptionUrl, params: SubscriptionParams }, async ({ params }) =>
    subscriptionView(await getSubscription(db(), params.businessId, params.subscriptionId)),
  );

  controlRoute(app, { method: 'DELETE', url: subscriptionUrl, params: SubscriptionParams }, async ({ params }) =>
    subscriptionView(await deleteSubscription(db(), params.businessId, params.subscriptionId)),
  );

  controlRoute(app, { method: 'POST', url: `${subscriptionUrl}/enable`, params: SubscriptionParams }, async ({ params }) =>
    subscriptionView(await enableSubscription(notify, params.businessId, params.subscriptionId)),
  );

  controlRoute(app, { method: 'POST', url: `${subscriptionUrl}/disable`, params: SubscriptionParams }, async ({ params }) =>
    subscriptionView(await disableSubscription(db(), services.clock.now(), params.businessId, params.subscriptionId)),
  );

  controlRoute(app, { method: 'GET', url: `${subscriptionUrl}/outbox`, params: SubscriptionParams }, async ({ params }) => {
    const sub = await getSubscription(db(), params.businessId, params.subscriptionId);
    return { subscriptionId: sub.id, enabled: sub.enabled, ...outboxView(await outboxState(db(), sub.id)) };
  });

  controlRoute(
    app,
    {
      method: 'GET',
      url: '/businesses/:businessId/deliveries',
      params: BusinessParams,
      querystring: Type.Object({
        subscriptionId: Type.Optional(Id),
        limit: Type.Optional(Type.Integer({ format: 'int32', minimum: 1, maximum: 200 })),
        pageToken: Type.Optional(Type.String()),
      }),
    },
    async ({ params, query }) => {
      await getBusiness(db(), params.businessId);
      const limit = query.limit ?? DEFAULT_LOG_PAGE;
      const after = query.pageToken === undefined ? undefined : decodePage(query.pageToken);
      // One more than asked tells whether another page exists.
      const rows = await listAttempts(db(), params.businessId, { subscriptionId: query.subscriptionId, after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        attempts: page.map(logView),
        paging: rows.length > limit ? { nextPageToken: encodePage(page[page.length - 1]) } : {},
      };
    },
  );

  // Flush reports every attempt made since the previous flush, whichever sender made it: the
  // background worker often delivers a notification before a flush asks for it.
  let reportedUpTo = await lastAttemptId(db());
  controlRoute(app, { method: 'POST', url: '/notifications/flush' }, async () => {
    await services.outbox.runOnce();
    // A reset or an import empties the log and restarts its ids.
    if ((await lastAttemptId(db())) < reportedUpTo) reportedUpTo = 0;
    const { lastId, ...counts } = await countAttemptsSince(db(), reportedUpTo);
    reportedUpTo = Math.max(reportedUpTo, lastId);
    const answer: FlushResult = counts;
    return answer;
  });
}
