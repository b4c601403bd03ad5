import type { ClockState, SandboxClock } from '../clock.js';
import type { Db } from '../storage/storage.js';
import type { ChangeFeed } from '../storage/changes.js';
import { errors } from './errors.js';

/** The settings key the virtual clock is kept under, so a restart keeps sandbox time. */
export const CLOCK_SETTING = 'clock';

/** The change-feed topic of the clock: other instances re-read it when it was saved. */
export const CLOCK_TOPIC = 'clock';

export async function saveClock(db: Db, clock: SandboxClock, changes?: ChangeFeed): Promise<void> {
  const value = JSON.stringify(clock.snapshot());
  await db
    .insertInto('settings')
    .values({ key: CLOCK_SETTING, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
  await changes?.publish(db, CLOCK_TOPIC);
}

/**
 * Keeps `clock` equal to the one stored, for every instance over the database: re-read whenever
 * any instance saves it (and after the feed reconnects).
 */
export function followStoredClock(db: Db, clock: SandboxClock, changes: ChangeFeed): () => void {
  return changes.on(CLOCK_TOPIC, () => {
    restoreClock(db, clock).catch(() => {
      // the database is away: the feed fires again after it reconnects
    });
  });
}

/** The stored clock state, if any and well formed. */
export function parseClockState(raw: string | undefined): ClockState | null {
  if (raw === undefined) return null;
  try {
    const s = JSON.parse(raw) as ClockState;
    const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    if ((s.mode === 'real' || s.mode === 'virtual') && finite(s.baseMs) && (s.runningSinceRealMs === null || finite(s.runningSinceRealMs))) {
      return { mode: s.mode, baseMs: s.baseMs, runningSinceRealMs: s.runningSinceRealMs };
    }
  } catch {
    // a damaged setting is ignored: real time is the safe default
  }
  return null;
}

/** Puts the clock back where it was saved; false (and the clock untouched) when nothing was. */
export async function restoreClock(db: Db, clock: SandboxClock): Promise<boolean> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', CLOCK_SETTING).executeTakeFirst();
  const state = parseClockState(row?.value);
  if (state) clock.restore(state);
  return state !== null;
}

/**
 * An instant given by a person or a script: epoch milliseconds, or ISO 8601 with an offset (a
 * time without one would depend on the server's time zone).
 */
export function parseInstant(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) throw errors.invalid(`Time must be epoch milliseconds ≥ 0, got ${input}`);
    return input;
  }
  const text = input.trim();
  if (/^\d+$/.test(text)) return parseInstant(Number(text));
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw errors.invalid(`Time '${input}' is not ISO 8601 with an offset, e.g. 2026-11-21T10:00:00+03:00`);
  }
  return ms;
}
