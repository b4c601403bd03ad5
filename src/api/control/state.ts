import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { exportState, importState, resetState } from '../../domain/state.js';
import { CLOCK_TOPIC } from '../../domain/sandbox-clock.js';
import type { Services } from '../../services.js';
import { controlRoute } from './kit.js';

/** State files carry uploaded files as base64, so they may be far larger than an API call. */
const STATE_BODY_LIMIT = 256 * 1024 * 1024;

/**
 * The sandbox as one JSON document: export it, import it (replacing everything, in one
 * transaction), or reset to empty or to the demo data. Injected faults are cleared by both.
 */
export function registerStateRoutes(app: FastifyInstance, services: Services): void {
  controlRoute(app, { method: 'GET', url: '/state' }, async () => exportState(services.storage.db, services.clock));
  controlRoute(app, { method: 'PUT', url: '/state', bodyLimit: STATE_BODY_LIMIT }, async ({ body }) => {
    const summary = await importState(services.storage, services.clock, body);
    await services.faults.forget();
    services.limiter.quota.forget?.();
    await services.storage.changes.publish(services.storage.db, CLOCK_TOPIC);
    return { imported: summary.counts };
  });
  controlRoute(
    app,
    { method: 'POST', url: '/reset', body: Type.Object({ to: Type.Enum(['empty', 'demo']) }) },
    async ({ body }) => {
      await resetState(services.storage, services.clock, body.to);
      await services.faults.forget();
      services.limiter.quota.forget?.();
      await services.storage.changes.publish(services.storage.db, CLOCK_TOPIC);
      return { reset: body.to };
    },
  );
}
