import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';

/** Notification subscriptions and the delivery log. */
export async function registerNotificationRoutes(app: FastifyInstance, services: Services): Promise<void> {
  void app;
  void services;
}
