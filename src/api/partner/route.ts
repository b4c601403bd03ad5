import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { Principal, Scope } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { LimitedOperation } from '../../limits/limiter.js';
import type { Services } from '../../services.js';
import { authenticate } from '../auth.js';
import { uploadRoutes } from '../files.js';
import { runPartnerStages } from '../pipeline.js';
import { errorResponses } from '../schemas/common.js';
import { pathBusinessOf, setRateHeaders } from './stages.js';


/** Route-schema key of a body the OpenAPI document shows but route validation never sees. */
export const DOCUMENTED_BODY = 'x-documented-body';

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
  /** A body read by the handler itself (multipart), shown in the OpenAPI document only. */
  documentedBody?: TSchema;
  /** Error statuses the method declares, as Market's spec does (default: all of them). */
  errorStatuses?: readonly number[];
  response: R;
}

/** What a handler gets: the checked caller, the business the call is about, parsed input. */
export interface PartnerCall<P, Q, B> {
  services: Services;
  principal: Principal;
  /** The business the call is about, resolved once by the pipeline: the path's, else `X-Business-Id`, else the Api-Key's own; null for an OAuth call naming none. */
  businessId: number | null;
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Whose quota a refused request would have been counted against, as far as it can be told without
 * trusting the caller: the path's business, a well-formed `X-Business-Id`, the Api-Key's business,
 * or an OAuth user (negative, as the limiter keeps it). Null when none of these is known.
 */
function quotaOwnerHint(req: FastifyRequest, principal: Principal | undefined): number | null {
  const fromPath = pathBusinessOf(req);
  if (fromPath !== null) return fromPath;
  const header = req.headers['x-business-id'];
  if (typeof header === 'string' && /^\s*\d{1,16}\s*$/.test(header) && Number(header) > 0) return Number(header);
  if (principal?.kind === 'api-key') return principal.businessId;
  if (principal?.kind === 'oauth') return -principal.userId;
  return null;
}

/**
 * An error answer of a partner route that the limiter never saw (401, 403, 400 for the business
 * header) still shows the quota it did not touch. Called by the app's one error handler.
 */
export async function showQuotaOnRefusal(services: Services, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const op = req.ymOperation;
  if (!op || reply.hasHeader('X-RateLimit-Resource-Limit')) return;
  await showUntouchedQuota(services, reply, op, quotaOwnerHint(req, req.ymPrincipal));
}

/** Rate-limit headers on an answer the limiter never saw; a failure to read them never changes the answer. */
async function showUntouchedQuota(services: Services, reply: FastifyReply, op: LimitedOperation, owner: number | null): Promise<void> {
  if (owner === null) return;
  try {
    setRateHeaders(reply, await services.limiter.peek(owner, op));
  } catch {
    // the refusal itself matters more than its headers
  }
}

/** Registers the partner methods on one app, plus 405 answers for other verbs on their paths. */
export class PartnerRouter {
  private readonly methodsByPath = new Map<string, Set<string>>();
  /** Routes that read uploads, mounted together by `finish`. */
  private readonly uploads: ((scope: FastifyInstance) => void)[] = [];
  /** The first operation on each path, whose quota a 405 or a 404 near it shows. */
  private readonly operationByPath = new Map<string, { op: LimitedOperation; pattern: RegExp; exact: RegExp }>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly services: Services,
  ) {}

  add<P extends TSchema, Q extends TSchema, B extends TSchema, R extends TSchema>(
    op: PartnerOperation<P, Q, B, R>,
    handler: (call: PartnerCall<Static<P>, Static<Q>, Static<B>>) => Promise<Static<R>>,
  ): void {
    const methods = this.methodsByPath.get(op.url) ?? new Set<string>();
    methods.add(op.method);
    if (op.method === 'GET') methods.add('HEAD');
    this.methodsByPath.set(op.url, methods);
    if (!this.operationByPath.has(op.url)) {
      // `/v2/businesses/:businessId/chat` → any version, any case, trailing slashes: the 404s a client meant for it.
      const body = op.url.replace(/^\/v2/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:businessId/, '(\\d{1,16})').replace(/:\w+/g, '[^/]+');
      this.operationByPath.set(op.url, { op, pattern: new RegExp(`^/v\\d+${body}/*$`, 'i'), exact: new RegExp(`^/v2${body}$`) });
    }

    // Upload routes are mounted in a context of their own by `finish` (see `uploadRoutes`).
    if (op.consumes?.includes('multipart/form-data')) this.uploads.push((scope) => this.mount(scope, op, handler));
    else this.mount(this.app, op, handler);
  }

  private mount<P extends TSchema, Q extends TSchema, B extends TSchema, R extends TSchema>(
    app: FastifyInstance,
    op: PartnerOperation<P, Q, B, R>,
    handler: (call: PartnerCall<Static<P>, Static<Q>, Static<B>>) => Promise<Static<R>>,
  ): void {
    const services = this.services;
    app.route({
      method: op.method,
      url: op.url,
      schema: {
        operationId: op.operationId,
        summary: op.summary,
        description: op.description,
        tags: op.tags ?? ['chats'],
        security: [{ ApiKey: [] }, { OAuth: ['market:partner-api'] }],
        ...(op.params ? { params: op.params } : {}),
        ...(op.querystring ? { querystring: op.querystring } : {}),
        ...(op.body ? { body: op.body } : {}),
        ...(op.consumes ? { consumes: op.consumes } : {}),
        ...(op.documentedBody ? { [DOCUMENTED_BODY]: op.documentedBody } : {}),
        response: { 200: op.response, ...errorResponses(op.errorStatuses) },
        'x-auth-scopes': op.scopes,
        'x-resource-limit': op.hourlyLimit,
      } as any,
      onRequest: (req, reply) => {
        // Marks the call as this partner method's: the request inspector records exactly these.
        req.ymOperation = op;
        return runPartnerStages({ services, op, req, reply, headerBusiness: null });
      },
      handler: async (req, reply) =>
        handler({
          services,
          principal: req.ymPrincipal!,
          businessId: req.ymBusinessId ?? null,
          // The operation's own schemas validated these (validate stage); Fastify's request types
          // cannot follow the kit's generic schemas, so they are named here, once for every method.
          params: req.params as Static<P>,
          query: req.query as Static<Q>,
          body: req.body as Static<B>,
          request: req,
          reply,
        }),
    });
  }

  /** Upload routes, then other verbs on a known path: 405, not 404. Call after every `add` and the app's hooks. */
  finish(): void {
    if (this.uploads.length > 0) uploadRoutes(this.app, (scope) => this.uploads.forEach((mount) => mount(scope)));
    for (const [url, methods] of this.methodsByPath) {
      const others = ALL_METHODS.filter((m) => !methods.has(m));
      this.app.route({
        method: others,
        url,
        schema: { hide: true } as any,
        handler: async (req, reply) => {
          const principal = await authenticate(this.services.storage.db, req.headers).catch(() => undefined);
          await showUntouchedQuota(this.services, reply, this.operationByPath.get(url)!.op, quotaOwnerHint(req, principal));
          throw new AppError('METHOD_NOT_ALLOWED', { method: req.method });
        },
      });
    }
  }

  /**
   * A 404 for a path that names a partner method in another spelling (other version or case, a
   * trailing slash) still shows that method's quota for the business in the path. A verb the
   * router does not route at all (PROPFIND…) on a method's own path is 405, as the others are.
   */
  async answerUnrouted(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    for (const { op, pattern, exact } of this.operationByPath.values()) {
      const m = pattern.exec(path);
      if (!m) continue;
      const owner = m[1] !== undefined ? Number(m[1]) : quotaOwnerHint(req, await authenticate(this.services.storage.db, req.headers).catch(() => undefined));
      await showUntouchedQuota(this.services, reply, op, owner);
      if (exact.test(path)) throw new AppError('METHOD_NOT_ALLOWED', { method: req.method });
      return;
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
