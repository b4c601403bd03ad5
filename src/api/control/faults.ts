import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errors } from '../../domain/errors.js';
import type { Fault, FaultKind } from '../../domain/faults.js';
import { getBusiness } from '../../domain/sandbox-entities.js';
import { HOUR_MS } from '../../clock.js';
import { windowStart } from '../../limits/quota.js';
import type { Services } from '../../services.js';
import { PARTNER_OPERATIONS } from '../partner/index.js';
import type { Fault as FaultAnswer, Quotas } from './answers.js';
import { Id, controlRoute, idParams, time } from './kit.js';

const faultView = (f: Fault): FaultAnswer => ({
  id: f.id,
  businessId: f.businessId,
  method: f.method,
  kind: f.kind,
  count: f.remaining,
  probability: f.probability,
  delayMs: f.delayMs,
});

/**
 * Fault injection (the next N calls, or a share of calls, of a business's method answer 420, 500
 * or 503 with Market's bodies, or late) and the hourly quotas. Faults live in the database,
 * shared by every instance over it.
 */
export function registerFaultRoutes(app: FastifyInstance, services: Services): void {
  const db = () => services.storage.db;
  const checkMethod = (method: string, allowAll: boolean) => {
    if (allowAll && method === '*') return;
    if (!PARTNER_OPERATIONS.some((o) => o.operationId === method)) {
      throw errors.invalid(`Unknown method '${method}': expected ${allowAll ? "'*' or " : ''}one of ${PARTNER_OPERATIONS.map((o) => o.operationId).join(', ')}`);
    }
  };

  controlRoute(
    app,
    { method: 'GET', url: '/faults', querystring: Type.Object({ businessId: Type.Optional(Id) }) },
    async ({ query }) => ({ faults: (await services.faults.list(query.businessId)).map(faultView) }),
  );
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/faults',
      created: true,
      body: Type.Object({
        businessId: Id,
        /** An operationId such as getChat, or `*` for every method of the business. */
        method: Type.Optional(Type.String({ minLength: 1 })),
        kind: Type.Union([Type.String(), Type.Integer()]),
        /** The next N calls (default 1 when no probability is given). */
        count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        /** Or this share of calls, until removed. */
        probability: Type.Optional(Type.Number()),
        delayMs: Type.Optional(Type.Integer()),
      }),
    },
    async ({ body }) => {
      await getBusiness(db(), body.businessId);
      const method = body.method ?? '*';
      checkMethod(method, true);
      if (body.count !== undefined && body.probability !== undefined) throw errors.invalid('Give count or probability, not both');
      const fault = await services.faults.add({
        businessId: body.businessId,
        method,
        kind: String(body.kind).toUpperCase() as FaultKind,
        remaining: body.probability === undefined ? (body.count ?? 1) : null,
        probability: body.probability ?? null,
        delayMs: body.delayMs ?? null,
      }, services.clock.now());
      return faultView(fault);
    },
  );
  controlRoute(app, { method: 'DELETE', url: '/faults/:faultId', params: idParams('faultId') }, async ({ params }) => {
    const fault = await services.faults.remove(params.faultId);
    if (!fault) throw errors.notFound('Fault', params.faultId);
    return faultView(fault);
  });
  controlRoute(
    app,
    { method: 'DELETE', url: '/faults', querystring: Type.Object({ businessId: Type.Optional(Id) }) },
    async ({ query }) => {
      return { cleared: await services.faults.clear(query.businessId) };
    },
  );

  const QuotaQuery = Type.Object({ method: Type.Optional(Type.String({ minLength: 1 })) });
  controlRoute(
    app,
    { method: 'GET', url: '/businesses/:businessId/quotas', params: idParams('businessId'), querystring: QuotaQuery },
    async ({ params, query }) => {
      await getBusiness(db(), params.businessId);
      if (query.method !== undefined) checkMethod(query.method, false);
      const window = windowStart(services.clock.now());
      const stored = await services.limiter.quota.read(params.businessId);
      const quotas = PARTNER_OPERATIONS
        .filter((op) => query.method === undefined || op.operationId === query.method)
        .map((op) => {
          const row = stored.find((r) => r.method === op.operationId && r.windowStart === window);
          const limit = services.limiter.hourlyLimitOf(op);
          const used = row?.used ?? 0;
          return { method: op.operationId, limit, used, remaining: Math.max(0, limit - used) };
        });
      const answer: Quotas = { businessId: params.businessId, windowStart: time(window), resetsAt: time(window + HOUR_MS), limitsEnabled: services.limiter.enabled, quotas };
      return answer;
    },
  );
  controlRoute(
    app,
    { method: 'DELETE', url: '/businesses/:businessId/quotas', params: idParams('businessId'), querystring: QuotaQuery },
    async ({ params, query }) => {
      await getBusiness(db(), params.businessId);
      if (query.method !== undefined) checkMethod(query.method, false);
      await services.limiter.quota.reset(params.businessId, query.method);
      return { businessId: params.businessId, reset: query.method ?? '*' };
    },
  );
}
