import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatRfc822 } from '../../clock.js';
import { type ApiKeyCheck, forgetApiKey, type Principal, type Scope } from '../../domain/access.js';
import { AppError, errors } from '../../domain/errors.js';
import { LimitError, type LimitedOperation, type RateHeaders, StaleKeyError, type Ticket } from '../../limits/limiter.js';
import type { Services } from '../../services.js';
import { apiKeyGuess, authenticate, canSeeBusiness, checkBusinessHeader, hasAnyScope } from '../auth.js';

/**
 * The stages a partner call passes before its handler, each deciding one thing. They run in the
 * order `src/api/pipeline.ts` lists; every one may end the call with Market's error for it.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The partner method whose route took the call, set first thing on entry (its onRequest):
     * every answer after that, refusals included, is that method's. Unset on other routes.
     */
    ymOperation?: LimitedOperation;
    ymTicket?: Ticket;
    ymPrincipal?: Principal;
    /** The business the call is about, resolved once by the business stage (null: none, e.g. an OAuth getCampaigns). */
    ymBusinessId?: number | null;
    /** An Api-Key taken as last seen, for the limits stage to confirm (see `authenticateStage`). */
    ymKeyCheck?: ApiKeyCheck;
  }
}

/** What a stage sees: the call so far and the operation it is for. */
export interface StageContext {
  services: Services;
  op: LimitedOperation & { scopes: readonly Scope[] };
  req: FastifyRequest;
  reply: FastifyReply;
  /** `X-Business-Id`, once the header stage checked it. */
  headerBusiness: number | null;
}

// The window's end is the same for an hour: its date text is made once.
let untilMs = NaN;
let untilText = '';

export function setRateHeaders(reply: FastifyReply, h: RateHeaders): void {
  if (h.untilMs !== untilMs) {
    untilText = formatRfc822(h.untilMs);
    untilMs = h.untilMs;
  }
  reply.header('X-RateLimit-Resource-Limit', String(h.limit));
  reply.header('X-RateLimit-Resource-Remaining', String(h.remaining));
  reply.header('X-RateLimit-Resource-Until', untilText);
}

const pathBusiness = (req: FastifyRequest) => (req.params as Record<string, string | undefined>).businessId;

/** The path's businessId as a number, whether or not the call got far enough to check it. */
export function pathBusinessOf(req: FastifyRequest): number | null {
  const raw = (req.params as Record<string, unknown> | undefined)?.businessId;
  if (typeof raw === 'number') return raw;
  return typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : null;
}

/** Whose answer this is for the answer counter and the journal: the path's business, else the Api-Key's own (refusals included). */
export function answeredBusinessOf(req: FastifyRequest): number | null {
  const p = req.ymPrincipal;
  return pathBusinessOf(req) ?? (p?.kind === 'api-key' ? p.businessId : null);
}

/**
 * Who is calling: 401/403 for missing, malformed, unknown or revoked credentials.
 *
 * Where the limits' statement can confirm a key (PostgreSQL), an Api-Key seen before is not
 * looked up here: the call goes on with the key as it was, and the statement that admits it
 * takes nothing unless the key is still so (unrevoked, same business, scopes and name). That is
 * only done when the key as it was passes every stage before the limits, so no answer is ever
 * decided on it; should the database disagree, the limits stage looks the key up and runs
 * these stages again (`limitsStage`).
 */
export async function authenticateStage(ctx: StageContext): Promise<void> {
  const guess = ctx.services.limiter.checksKeys ? apiKeyGuess(ctx.req.headers) : null;
  if (guess !== null && passesStagesBeforeLimits(ctx, guess.principal)) {
    ctx.req.ymKeyCheck = guess.check;
    return;
  }
  ctx.req.ymPrincipal = await authenticate(ctx.services.storage.db, ctx.req.headers);
}

/** Whether the stages after authentication would let this principal through (they are pure). */
function passesStagesBeforeLimits(ctx: StageContext, principal: Principal): boolean {
  ctx.req.ymPrincipal = principal;
  try {
    businessHeaderStage(ctx);
    scopeStage(ctx);
    businessStage(ctx);
    return true;
  } catch {
    ctx.req.ymPrincipal = undefined;
    ctx.req.ymBusinessId = undefined;
    ctx.headerBusiness = null;
    return false;
  }
}

/** `X-Business-Id`: well-formed and equal to the path's business (400), checked before the scope. */
export function businessHeaderStage(ctx: StageContext): void {
  ctx.headerBusiness = checkBusinessHeader(ctx.req.headers, pathBusiness(ctx.req));
}

export function scopeStage(ctx: StageContext): void {
  if (!hasAnyScope(ctx.req.ymPrincipal!, ctx.op.scopes)) {
    throw errors.forbidden('Token does not have any of the scopes to access the API method');
  }
}

/**
 * The business the call is about, decided once for every later stage and the handler: the path's,
 * else `X-Business-Id`, else the Api-Key's own. A path business the caller cannot see — including
 * one that cannot be a stored id at all — is 403, as on Market.
 */
export function businessStage(ctx: StageContext): void {
  const principal = ctx.req.ymPrincipal!;
  const raw = pathBusiness(ctx.req);
  let businessId: number | null = null;
  if (raw !== undefined) {
    if (!/^\d{1,16}$/.test(raw) || !canSeeBusiness(principal, Number(raw))) throw errors.forbidden('Access denied');
    businessId = Number(raw);
  } else if (ctx.headerBusiness !== null) {
    if (!canSeeBusiness(principal, ctx.headerBusiness)) throw errors.forbidden('Access denied');
    businessId = ctx.headerBusiness;
  } else if (principal.kind === 'api-key') {
    businessId = principal.businessId;
  }
  ctx.req.ymBusinessId = businessId;
}

/** The hourly quota and the parallel slot (420 when spent), with the rate headers either way. */
export async function limitsStage(ctx: StageContext): Promise<void> {
  const { req, reply, services, op } = ctx;
  const businessId = req.ymBusinessId ?? null;
  const principal = req.ymPrincipal!;
  const entity =
    businessId !== null ? { kind: 'businessId' as const, id: businessId } : { kind: 'userId' as const, id: principal.kind === 'oauth' ? principal.userId : 0 };
  const check = req.ymKeyCheck;
  req.ymKeyCheck = undefined;
  try {
    req.ymTicket = await services.limiter.acquire(entity, businessId, op, check);
  } catch (e) {
    if (e instanceof StaleKeyError) return freshLimitsStage(ctx, check!);
    if (e instanceof LimitError && e.headers) setRateHeaders(reply, e.headers);
    throw e;
  }
  if (req.ymTicket.headers) setRateHeaders(reply, req.ymTicket.headers);
}

/** The key changed since it was last seen: the stages from authentication on, with it looked up. */
async function freshLimitsStage(ctx: StageContext, check: ApiKeyCheck): Promise<void> {
  forgetApiKey(check.tokenHash);
  ctx.req.ymPrincipal = undefined;
  ctx.req.ymBusinessId = undefined;
  ctx.headerBusiness = null;
  ctx.req.ymPrincipal = await authenticate(ctx.services.storage.db, ctx.req.headers);
  businessHeaderStage(ctx);
  scopeStage(ctx);
  businessStage(ctx);
  await limitsStage(ctx);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fault injected through the control API for this business and operation, if one is armed. */
export async function faultStage(ctx: StageContext): Promise<void> {
  const { req, reply, services, op } = ctx;
  const businessId = req.ymBusinessId ?? null;
  if (businessId === null || !services.faults.mayHit(businessId)) return;
  const fault = await services.faults.take(businessId, op.operationId);
  if (fault?.kind === 'DELAY') await sleep(fault.delayMs ?? 0);
  else if (fault?.kind === '500') throw new AppError('INTERNAL');
  else if (fault?.kind === '503') throw new AppError('SERVICE_UNAVAILABLE');
  else if (fault?.kind === '420') {
    const limit = services.limiter.hourlyLimitOf(op);
    // Like a real 420: nothing left (the quota it took is given back when it settles).
    if (req.ymTicket?.headers) setRateHeaders(reply, { ...req.ymTicket.headers, remaining: 0 });
    throw new AppError('HOURLY_LIMIT', { limit, period: '1 hour', resource: op.resource, entity: 'businessId', id: businessId });
  }
}
