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
/** `YYYY-MM-DDT` of Moscow days seen, by day number; bounded, emptied when full. */
const mskDays = new Map<number, string>();
const MSK_DAYS_KEPT = 4096;

/**
 * REST timestamps: ISO 8601, second precision, Moscow offset (as Market's examples). Every chat
 * and message in an answer carries one or two, so the date part of each day is made once and
 * kept, and the time of day is composed by hand (a Date and toISOString per value cost more
 * than the read). Kept per day, not for the last day only: a chat created on one day and
 * updated on another, or a page of chats, would otherwise make a Date for every value.
 */
export function formatMsk(ms: number): string {
  const seconds = Math.floor(ms / 1000) + MSK_OFFSET_MS / 1000;
  const day = Math.floor(seconds / 86_400);
  let dayText = mskDays.get(day);
  if (dayText === undefined) {
    const iso = new Date(day * DAY_MS).toISOString();
    // Years beyond four digits are written as Date writes them.
    if (iso.indexOf('T') !== 10) return new Date(seconds * 1000).toISOString().slice(0, 19) + '+03:00';
    dayText = iso.slice(0, 11);
    if (mskDays.size >= MSK_DAYS_KEPT) mskDays.clear();
    mskDays.set(day, dayText);
  }
  const t = seconds - day * 86_400;
  return `${dayText}${TWO_DIGITS[Math.floor(t / 3600)]}:${TWO_DIGITS[Math.floor(t / 60) % 60]}:${TWO_DIGITS[t % 60]}+03:00`;
}

/** Notification timestamps: UTC with milliseconds, as Market's notification examples. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString();
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
