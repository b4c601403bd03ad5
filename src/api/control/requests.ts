import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errors } from '../../domain/errors.js';
import { clearRequests, getRequest, listRequests, requestsPerMinute, type RequestEntry } from '../../inspector/journal.js';
import type { Services } from '../../services.js';
import { Id, controlRoute, idParams, time } from './kit.js';

export const requestView = (e: RequestEntry) => ({ ...e, at: time(e.at), clockAt: time(e.clockAt) });

/** A whole journal entry is large; lists show bodies only when asked. */
const brief = (e: RequestEntry) => {
  const { requestBody: _q, responseBody: _r, ...rest } = requestView(e);
  return rest;
};

const STATUS = /^([1-5]xx|[1-5]\d\d)$/i;

/**
 * The request inspector: every partner API call, newest first, with filters. `afterId` follows
 * the journal (oldest new call first), `beforeId` pages back.
 */
export function registerRequestRoutes(app: FastifyInstance, services: Services): void {
  const db = () => services.storage.db;

  controlRoute(
    app,
    {
      method: 'GET',
      url: '/requests',
      querystring: Type.Object({
        businessId: Type.Optional(Id),
        operation: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        /** `2xx`, `4xx`, `5xx` or one status such as `403`. */
        status: Type.Optional(Type.String()),
        key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        chatId: Type.Optional(Id),
        beforeId: Type.Optional(Id),
        afterId: Type.Optional(Type.Integer({ minimum: 0 })),
        limit: Type.Optional(Type.Integer({ format: 'int32', minimum: 1, maximum: 1000 })),
        bodies: Type.Optional(Type.Boolean()),
      }),
    },
    async ({ query }) => {
      if (query.status !== undefined && !STATUS.test(query.status)) {
        throw errors.invalid(`status must be a class such as 4xx or a status such as 403, got '${query.status}'`);
      }
      if (query.beforeId !== undefined && query.afterId !== undefined) throw errors.invalid('Give beforeId or afterId, not both');
      await services.journal.flush();
      const rows = await listRequests(db(), { ...query, limit: query.limit ?? 100 });
      return {
        requests: rows.map(query.bodies ? requestView : brief),
        limits: { perBusiness: services.config.inspector.perBusiness, bodyBytes: services.config.inspector.bodyBytes },
      };
    },
  );

  controlRoute(
    app,
    {
      method: 'GET',
      url: '/requests/stats',
      querystring: Type.Object({
        businessId: Type.Optional(Id),
        minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 240 })),
      }),
    },
    async ({ query }) => {
      await services.journal.flush();
      const perMinute = await requestsPerMinute(db(), Date.now(), query.minutes ?? 30, query.businessId);
      return { perMinute: perMinute.map((m) => ({ ...m, minute: time(m.minute) })) };
    },
  );

  controlRoute(app, { method: 'GET', url: '/requests/:requestId', params: idParams('requestId') }, async ({ params }) => {
    await services.journal.flush();
    const entry = await getRequest(db(), params.requestId);
    if (!entry) throw errors.notFound('Request', params.requestId);
    return requestView(entry);
  });

  controlRoute(
    app,
    { method: 'DELETE', url: '/requests', querystring: Type.Object({ businessId: Type.Optional(Id) }) },
    async ({ query }) => {
      await services.journal.flush();
      return { cleared: await clearRequests(db(), query.businessId) };
    },
  );
}
