import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { formatRfc822 } from '../../clock.js';
import type { Principal, Scope } from '../../domain/access.js';
import { AppError, errors } from '../../domain/errors.js';
import { LimitError, type RateHeaders, type Ticket } from '../../limits/limiter.js';
import type { Services } from '../../services.js';
import { authenticate, canSeeBusiness, checkBusinessHeader, hasAnyScope } from '../auth.js';
import { ErrorResponses } from '../schemas/common.js';

export const READ_SCOPES: readonly Scope[] = ['all-methods', 'all-methods:read-only', 'communication'];
export const WRITE_SCOPES: readonly Scope[] = ['all-methods', 'communication'];

/** One partner method: its contract, its access and its limit, declared together. */
export interface PartnerOperation<P extends TSchema, Q extends TSchema, B extends TSchema, R extends TSchema> {
  operationId: string;
  method: 'GET' | 'POST';
  /** Fastify path, e.g. `/v2/businesses/:businessId/chat`. */
  url: string;
  summary: string;
  description?: string;
  tags?: readonly string[];
  scopes: readonly Scope[];
  hourlyLimit: number;
  /** Path template named in 420 messages. */
  resource: string;
  params?: P;
  querystring?: Q;
  body?: B;
  /** Content types the body may come in (default JSON). */
  consumes?: readonly string[];
  response: R;
}

/** What a handler gets: the checked caller, the business the call is about, parsed input. */
export interface PartnerCall<P, Q, B> {
  services: Services;
  principal: Principal;
  /** The path's businessId, or for business-less paths the caller's own (Api-Key) business. */
  businessId: number | null;
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

declare module 'fastify' {
  interface FastifyRequest {
    ymTicket?: Ticket;
    ymPrincipal?: Principal;
  }
}

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function setRateHeaders(reply: FastifyReply, h: RateHeaders): void {
  reply.header('X-RateLimit-Resource-Limit', String(h.limit));
  reply.header('X-RateLimit-Resource-Remaining', String(h.remaining));
  reply.header('X-RateLimit-Resource-Until', formatRfc822(h.untilMs));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers the partner methods on one app, plus 405 answers for other verbs on their paths. */
export class PartnerRouter {
  private readonly methodsByPath = new Map<string, Set<string>>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly services: Services,
  ) {}

  add<P extends TSchema, Q extends TSchema, B extends TSchema, R extends TSchema>(
    op: PartnerOperation<P, Q, B, R>,
    handler: (call: PartnerCall<Static<P>, Static<Q>, Static<B>>) => Promise<Static<R>>,
  ): void {
    const services = this.services;
    const methods = this.methodsByPath.get(op.url) ?? new Set<string>();
    methods.add(op.method);
    if (op.method === 'GET') methods.add('HEAD');
    this.methodsByPath.set(op.url, methods);

    this.app.route({
      method: op.method,
      url: op.url,
      schema: {
        operationId: op.operationId,
        summary: op.summary,
        description: op.description,
        tags: op.tags ?? ['chats'],
        security: [{ ApiKey: [] }, { OAuth: [] }],
        ...(op.params ? { params: op.params } : {}),
        ...(op.querystring ? { querystring: op.querystring } : {}),
        ...(op.body ? { body: op.body } : {}),
        ...(op.consumes ? { consumes: op.consumes } : {}),
        response: { 200: op.response, ...ErrorResponses },
        'x-auth-scopes': op.scopes,
        'x-resource-limit': op.hourlyLimit,
      } as any,
      onRequest: async (req, reply) => {
        const principal = await authenticate(services.storage.db, req.headers);
        req.ymPrincipal = principal;
        const rawBusiness = (req.params as Record<string, string | undefined>).businessId;
        const headerBusiness = checkBusinessHeader(req.headers, rawBusiness);
        if (!hasAnyScope(principal, op.scopes)) {
          throw errors.forbidden('Token does not have any of the scopes to access the API method');
        }
        let businessId: number | null = null;
        if (rawBusiness !== undefined) {
          businessId = /^\d{1,16}$/.test(rawBusiness) ? Number(rawBusiness) : -1;
          if (!canSeeBusiness(principal, businessId)) throw errors.forbidden('Access denied');
        } else if (headerBusiness !== null) {
          if (!canSeeBusiness(principal, headerBusiness)) throw errors.forbidden('Access denied');
          businessId = headerBusiness;
        } else if (principal.kind === 'api-key') {
          businessId = principal.businessId;
        }
        const entity =
          businessId !== null ? { kind: 'businessId' as const, id: businessId } : { kind: 'userId' as const, id: principal.kind === 'oauth' ? principal.userId : 0 };
        try {
          req.ymTicket = await services.limiter.acquire(entity, businessId, op);
        } catch (e) {
          if (e instanceof LimitError && e.headers) setRateHeaders(reply, e.headers);
          throw e;
        }
        if (req.ymTicket.headers) setRateHeaders(reply, req.ymTicket.headers);
        if (businessId !== null && services.faults.mayHit(businessId)) {
          const fault = await services.faults.take(businessId, op.operationId);
          if (fault?.kind === 'DELAY') await sleep(fault.delayMs ?? 0);
          else if (fault?.kind === '500') throw new AppError('INTERNAL');
          else if (fault?.kind === '503') throw new AppError('SERVICE_UNAVAILABLE');
          else if (fault?.kind === '420') {
            const limit = services.limiter.hourlyLimitOf(op);
            throw new AppError('HOURLY_LIMIT', { limit, period: '1 hour', resource: op.resource, entity: entity.kind, id: entity.id });
          }
        }
      },
      handler: async (req, reply) => {
        const principal = req.ymPrincipal!;
        const rawBusiness = (req.params as Record<string, unknown>).businessId;
        const businessId =
          typeof rawBusiness === 'number' ? rawBusiness : principal.kind === 'api-key' ? principal.businessId : null;
        return handler({
          services,
          principal,
          businessId,
          params: req.params as Static<P>,
          query: req.query as Static<Q>,
          body: req.body as Static<B>,
          request: req,
          reply,
        });
      },
    });
  }

  /** Other verbs on a known path: 405, not 404. Call after every `add`. */
  finish(): void {
    for (const [url, methods] of this.methodsByPath) {
      const others = ALL_METHODS.filter((m) => !methods.has(m));
      this.app.route({
        method: others,
        url,
        schema: { hide: true } as any,
        handler: async (req) => {
          throw new AppError('METHOD_NOT_ALLOWED', { method: req.method });
        },
      });
    }
  }
}

/** Releases the parallel slot and settles quota once the answer is known. */
export async function settleTicket(services: Services, req: FastifyRequest, statusCode: number): Promise<void> {
  const ticket = req.ymTicket;
  if (!ticket) return;
  req.ymTicket = undefined;
  await services.limiter.finish(ticket, statusCode);
}
