/**
 * The only source of "now" in ymchat. Real time by default; the sandbox can freeze, set or
 * advance a virtual clock, and everything that reads time (timestamps, limit windows, the
 * notification retry schedule) follows it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface ClockState {
  mode: 'real' | 'virtual';
  /** Virtual: the instant the clock showed when it was last set. */
  baseMs: number;
  /** Virtual: real time at which it was set; null when frozen. */
  runningSinceRealMs: number | null;
}

export class SandboxClock implements Clock {
  private state: ClockState;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly realNow: () => number = Date.now) {
    this.state = { mode: 'real', baseMs: 0, runningSinceRealMs: null };
  }

  now(): number {
    const s = this.state;
    if (s.mode === 'real') return this.realNow();
    if (s.runningSinceRealMs === null) return s.baseMs;
    return s.baseMs + (this.realNow() - s.runningSinceRealMs);
  }

  get frozen(): boolean {
    return this.state.mode === 'virtual' && this.state.runningSinceRealMs === null;
  }

  get mode(): 'real' | 'virtual' {
    return this.state.mode;
  }

  /** Stops time at its current value (or at `atMs`). */
  freeze(atMs: number = this.now()): void {
    this.update({ mode: 'virtual', baseMs: atMs, runningSinceRealMs: null });
  }

  /** Sets the virtual time; keeps it running or frozen as it was. */
  set(atMs: number): void {
    const running = this.state.mode === 'real' || this.state.runningSinceRealMs !== null;
    this.update({ mode: 'virtual', baseMs: atMs, runningSinceRealMs: running ? this.realNow() : null });
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Lets virtual time run on from where it is. */
  resume(): void {
    if (this.state.mode === 'virtual' && this.state.runningSinceRealMs === null) {
      this.update({ mode: 'virtual', baseMs: this.state.baseMs, runningSinceRealMs: this.realNow() });
    }
  }

  /** Back to real time. */
  reset(): void {
    this.update({ mode: 'real', baseMs: 0, runningSinceRealMs: null });
  }

  snapshot(): ClockState {
    return { ...this.state };
  }

  restore(state: ClockState): void {
    this.update({ ...state });
  }

  /** Called after every change, e.g. to wake the notification worker. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(next: ClockState): void {
    this.state = next;
    for (const l of this.listeners) l();
  }
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const MSK_OFFSET_MS = 3 * HOUR_MS;

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** `YYYY-MM-DDT` of days seen, by day number since 1970-01-01; bounded, emptied when full. */
const dayTexts = new Map<number, string>();
const DAYS_KEPT = 4096;

/**
 * The date part of a day, made once per day and kept: timestamps in answers and notifications are
 * composed by hand from it, since a Date and toISOString per value cost more than the read that
 * fetched it. Kept per day, not for the last day only: a chat created on one day and updated on
 * another, or a page of chats, would otherwise make a Date for every value. Null for years that
 * Date writes in another shape (beyond four digits): those go through Date itself.
 */
function dateText(day: number): string | null {
  let text = dayTexts.get(day);
  if (text === undefined) {
    const iso = new Date(day * DAY_MS).toISOString();
    if (iso.indexOf('T') !== 10) return null;
    text = iso.slice(0, 11);
    if (dayTexts.size >= DAYS_KEPT) dayTexts.clear();
    dayTexts.set(day, text);
  }
  return text;
}

/** `HH:MM:SS` of a second of the day (0–86399). */
function timeOfDay(t: number): string {
  return `${TWO_DIGITS[Math.floor(t / 3600)]}:${TWO_DIGITS[Math.floor(t / 60) % 60]}:${TWO_DIGITS[t % 60]}`;
}

/** REST timestamps: ISO 8601, second precision, Moscow offset (as Market's examples). */
export function formatMsk(ms: number): string {
  const seconds = Math.floor(ms / 1000) + MSK_OFFSET_MS / 1000;
  const day = Math.floor(seconds / 86_400);
  const date = dateText(day);
  if (date === null) return new Date(seconds * 1000).toISOString().slice(0, 19) + '+03:00';
  return `${date}${timeOfDay(seconds - day * 86_400)}+03:00`;
}

/** Notification timestamps: UTC with milliseconds, as Market's notification examples (`toISOString`). */
export function formatUtc(ms: number): string {
  if (!Number.isSafeInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  const date = dateText(day);
  if (date === null) return new Date(ms).toISOString();
  const t = ms - day * DAY_MS;
  return `${date}${timeOfDay(Math.floor(t / 1000))}.${THREE_DIGITS[t % 1000]}Z`;
}

/** `X-RateLimit-Resource-Until`: RFC 822 date. */
export function formatRfc822(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Parses `+1h`, `-30m`, `2d`, `90s`, `1500ms` into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = /^([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS }[m[3] as 'ms'];
  const v = Number(m[2]) * unit;
  return m[1] === '-' ? -v : v;
}
