import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { answeredBusinessOf } from './partner/stages.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What sendFileToChat received, by name and size: the inspector never keeps file bytes. */
    ymUpload?: { file: { name?: string; size: number; contentType?: string } };
    /** The answer's body as sent, kept for the inspector until the call is recorded. */
    ymSent?: unknown;
  }
}

const header = (reply: FastifyReply, name: string) => {
  const v = reply.getHeader(name);
  return v === undefined ? null : String(v);
};

function chatOf(req: FastifyRequest): number | null {
  const raw = (req.query as Record<string, unknown> | undefined)?.chatId;
  if (typeof raw === 'number') return raw;
  return typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : null;
}

function keyNameOf(req: FastifyRequest): string | null {
  const p = req.ymPrincipal;
  if (!p) return null;
  return p.kind === 'api-key' ? p.name : `oauth:${p.clientId}`;
}

/**
 * The request inspector's two hooks, the only place partner calls meet the journal: the answer's
 * body is kept by reference as it is sent, and once the answer is out the call is queued. Every
 * serialisation and write happens later, in the journal's batch.
 */
export function registerRequestJournal(app: FastifyInstance, services: Services): void {
  if (services.config.inspector.perBusiness === 0) return;
  // App-wide hooks reading the route's mark (not `routeOptions`, a getter that builds an object on
  // every read): route-level ones would run after the app's settling hook, which may wait.
  app.addHook('onSend', (req, _reply, payload, done) => {
    if (req.ymOperation !== undefined) req.ymSent = payload;
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const operationId = req.ymOperation?.operationId;
    if (operationId !== undefined) {
      const limit = header(reply, 'x-ratelimit-resource-limit');
      services.journal.record({
        at: Math.round(Date.now() - reply.elapsedTime),
        clockAt: services.clock.now(),
        method: req.method,
        path: req.originalUrl ?? req.url,
        operationId,
        businessId: answeredBusinessOf(req),
        keyName: keyNameOf(req),
        status: reply.statusCode,
        latencyMs: reply.elapsedTime,
        rateLimit:
          limit === null
            ? null
            : { limit, remaining: header(reply, 'x-ratelimit-resource-remaining'), until: header(reply, 'x-ratelimit-resource-until') },
        chatId: chatOf(req),
        requestBody: req.ymUpload ?? req.body,
        responseBody: req.ymSent,
      });
      req.ymSent = undefined;
    }
    done();
  });
  app.addHook('onClose', async () => {
    await services.journal.flush();
  });
}
