import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { registerChatRoutes } from './chats.js';
import { registerClockRoutes } from './clock.js';
import { registerCredentialRoutes } from './credentials.js';
import { registerEntityRoutes } from './entities.js';
import { registerFaultRoutes } from './faults.js';
import { registerStateRoutes } from './state.js';
import { registerSimulationRoutes } from './simulate.js';

/** Businesses, campaigns, buyers, orders, returns, keys, buyer/arbiter/Market actions, clock, faults, state. */
export async function registerSandboxRoutes(app: FastifyInstance, services: Services): Promise<void> {
  registerEntityRoutes(app, services);
  registerCredentialRoutes(app, services);
  registerChatRoutes(app, services);
  registerClockRoutes(app, services);
  registerFaultRoutes(app, services);
  registerStateRoutes(app, services);
  registerSimulationRoutes(app, services);
}
