import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../domain/errors.js';
import type { Services } from '../../services.js';
import { registerSandboxRoutes } from './sandbox.js';
import { registerNotificationRoutes } from './notifications.js';
import { LiveTickets, registerLiveStream, registerLiveTicketRoute } from './live.js';
import { registerRequestRoutes } from './requests.js';

export const CONTROL_PREFIX = '/_sandbox';

function tokenOf(headers: Record<string, string | string[] | undefined>): string | null {
  const direct = headers['x-admin-token'];
  if (typeof direct === 'string' && direct !== '') return direct;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  return null;
}

function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** 401 without the admin token, 403 with a wrong one: for every path under `/_sandbox`, known or not. */
export function checkAdminToken(services: Services, headers: Record<string, string | string[] | undefined>): void {
  const expected = services.config.adminToken;
  const given = tokenOf(headers);
  if (given === null) throw errors.unauthorized('Admin token is not specified (X-Admin-Token header)');
  if (expected === null || !sameSecret(given, expected)) throw errors.forbidden('Admin token is invalid');
}

export function isControlPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0];
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

/**
 * The control API under `/_sandbox`: the buyer's, the arbiter's and Market's side of the sandbox.
 * Guarded by the admin token (`X-Admin-Token` or `Authorization: Bearer <admin token>`); partner
 * keys never open it.
 */
export async function registerControlApi(app: FastifyInstance, services: Services): Promise<void> {
  const tickets = new LiveTickets();
  const accepted = (headers: Record<string, string | string[] | undefined>) => {
    const given = tokenOf(headers);
    if (given === null) return null;
    return services.config.adminToken !== null && sameSecret(given, services.config.adminToken);
  };
  await app.register(async (scope) => registerLiveStream(scope, services, tickets, accepted), { prefix: CONTROL_PREFIX });
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (req) => checkAdminToken(services, req.headers));
      await registerSandboxRoutes(scope, services);
      await registerNotificationRoutes(scope, services);
      registerRequestRoutes(scope, services);
      registerLiveTicketRoute(scope, tickets);
    },
    { prefix: CONTROL_PREFIX },
  );
}
