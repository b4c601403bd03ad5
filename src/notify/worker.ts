import type { Services } from '../services.js';

export interface NotificationWorker {
  /** Look at the outbox now (after a commit, or a clock change). */
  wake(): void;
  stop(): Promise<void>;
}

/** Delivers the outbox to subscribers. */
export function startNotificationWorker(services: Services): NotificationWorker {
  void services;
  return { wake() {}, async stop() {} };
}
