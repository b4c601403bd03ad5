import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';

/**
 * The control API under `/_sandbox`: the buyer's, the arbiter's and Market's side of the sandbox.
 * Guarded by the admin token (`X-Admin-Token` or `Authorization: Bearer <admin token>`); never
 * reachable with a partner key.
 */
export async function registerControlApi(app: FastifyInstance, services: Services): Promise<void> {
  void app;
  void services;
}
