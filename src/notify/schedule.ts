import { DAY_MS, HOUR_MS, MINUTE_MS } from '../clock.js';

/**
 * Market's retry schedule for a notification that failed: every minute during the first hour after
 * the first failure, every 15 minutes for the rest of the first day, then hourly; 14 days after the
 * first failure Market gives up and disables the integration.
 */
export const GIVE_UP_AFTER_MS = 14 * DAY_MS;

/** When to try again after a failed attempt at `nowMs`; null when Market gives up. */
export function retryAt(firstFailedAtMs: number, nowMs: number): number | null {
  const failingFor = nowMs - firstFailedAtMs;
  if (failingFor >= GIVE_UP_AFTER_MS) return null;
  if (failingFor < HOUR_MS) return nowMs + MINUTE_MS;
  if (failingFor < DAY_MS) return nowMs + 15 * MINUTE_MS;
  return nowMs + HOUR_MS;
}
