import type { Clock } from '../clock.js';
import type { Db } from '../storage/db.js';

/**
 * What domain functions run with: the database (or a transaction of it) and the one clock. Those
 * that need more take a context extending this one (chat actions: `ActionContext`).
 */
export interface DomainContext {
  readonly db: Db;
  readonly clock: Clock;
}
