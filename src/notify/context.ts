import type { SandboxClock } from '../clock.js';
import type { Storage } from '../storage/storage.js';

/**
 * What notify/ needs from the running server: the database and the sandbox clock. Declared here,
 * not taken from the services, so the outbox depends on nothing above it.
 */
export interface NotifyContext {
  storage: Storage;
  clock: SandboxClock;
}
