import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import { answerCountsOf } from '../simulate/answer-counts.js';
import { answeredBusinessOf } from './partner/stages.js';

/**
 * Counts every partner API answer by business and HTTP status, in memory, for the simulator's
 * scorecard (the integration's own errors: 400, 403, 420…). The business is the path's, else the
 * Api-Key's own.
 */
export function registerAnswerCounter(app: FastifyInstance, services: Services): void {
  const counts = answerCountsOf(services);
  // Callback hooks: an async one costs every request a promise and a turn of the microtask queue.
  app.addHook('onResponse', (req, reply, done) => {
    if (req.url.startsWith('/v2/')) {
      const businessId = answeredBusinessOf(req);
      if (businessId !== null) counts.record(businessId, reply.statusCode);
    }
    done();
  });
}
