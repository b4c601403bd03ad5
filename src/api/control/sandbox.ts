import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';

/** Businesses, campaigns, buyers, orders, returns, keys, buyer/arbiter/Market actions, clock, faults, state. */
export async function registerSandboxRoutes(app: FastifyInstance, services: Services): Promise<void> {
  void app;
  void services;
}
