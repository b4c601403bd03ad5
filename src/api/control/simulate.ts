import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getBusiness } from '../../domain/sandbox-entities.js';
import type { Services } from '../../services.js';
import { answerCountsOf } from '../../simulate/answer-counts.js';
import { scorecardHtml } from '../../simulate/report-html.js';
import { MAX_SPEED, simulationRunsOf } from '../../simulate/runs.js';
import { MAX_CHATS_LIMIT } from '../../simulate/scenario.js';
import { controlRoute, idParams } from './kit.js';

/**
 * Simulated buyers against a business, and the scorecard of the seller's side: start, status,
 * stop, the scorecard as JSON and as an HTML report. One run at a time per server.
 */
export function registerSimulationRoutes(app: FastifyInstance, services: Services): void {
  const runs = simulationRunsOf(services, () => ({
    storage: services.storage,
    clock: services.clock,
    actions: services.actions,
    answers: (b) => answerCountsOf(services).snapshot(b),
  }));
  // A run must not outlive the app (its database closes with it).
  app.addHook('onClose', async () => {
    await runs.stop();
  });
  const url = '/businesses/:businessId/simulation';
  const params = idParams('businessId');

  controlRoute(
    app,
    {
      method: 'POST',
      url,
      params,
      created: true,
      body: Type.Object({
        preset: Type.Optional(Type.String()),
        scenario: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        duration: Type.Optional(Type.Union([Type.String(), Type.Integer({ minimum: 1 })])),
        seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
        speed: Type.Optional(Type.Number({ minimum: 1, maximum: MAX_SPEED })),
        maxChats: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CHATS_LIMIT })),
      }),
    },
    async ({ params, body }) => {
      await getBusiness(services.storage.db, params.businessId);
      const sim = await runs.start({ businessId: params.businessId, ...body });
      return sim.scorecard();
    },
  );

  controlRoute(app, { method: 'GET', url, params }, async ({ params }) => runs.of(params.businessId).scorecard());

  controlRoute(
    app,
    { method: 'GET', url: `${url}/scorecard`, params, querystring: Type.Object({ actions: Type.Optional(Type.Boolean()) }) },
    async ({ params, query }) => runs.of(params.businessId).scorecard({ actions: query.actions ?? false }),
  );

  controlRoute(app, { method: 'GET', url: `${url}/report`, params }, async ({ params, reply }) => {
    const html = scorecardHtml(await runs.of(params.businessId).scorecard());
    reply.type('text/html; charset=utf-8');
    return html;
  });

  controlRoute(app, { method: 'POST', url: `${url}/stop`, params }, async ({ params }) => {
    const sim = runs.of(params.businessId);
    await runs.stop(params.businessId);
    return sim.scorecard();
  });

  controlRoute(app, { method: 'GET', url: '/simulations' }, async () => ({
    running: runs.running()?.businessId ?? null,
    runs: runs.list().map((s) => ({ businessId: s.businessId, scenario: s.scenario.name, seed: s.options.seed, state: s.state })),
  }));

  controlRoute(app, { method: 'POST', url: '/simulations/stop' }, async () => {
    const sim = await runs.stop();
    return { stopped: sim ? [{ businessId: sim.businessId, state: sim.state }] : [] };
  });
}


