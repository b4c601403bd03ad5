import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import { answerCountsOf } from '../simulate/answer-counts.js';

/**
 * Counts every partner API answer by business and HTTP status, in memory, for the simulator's
 * scorecard (the integration's own errors: 400, 403, 420…). The business is the path's, else the
 * Api-Key's own.
 */
export function registerAnswerCounter(app: FastifyInstance, services: Services): void {
  const counts = answerCountsOf(services);
  app.addHook('onResponse', async (req, reply) => {
    if (!req.url.startsWith('/v2/')) return;
    const raw = (req.params as Record<string, unknown> | undefined)?.businessId;
    const fromPath = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : null;
    const principal = req.ymPrincipal;
    const businessId = fromPath ?? (principal?.kind === 'api-key' ? principal.businessId : null);
    if (businessId !== null) counts.record(businessId, reply.statusCode);
  });
}
