/**
 * Telling "the database (or Redis) is unreachable, slow or restarting" apart from bugs, and
 * logging such an outage once instead of once per failed query or retry.
 */

/** A backing service failed in a way that passes by itself: the request may be retried later. */
export class OutageError extends Error {
  constructor(
    readonly service: 'database' | 'redis',
    readonly cause: unknown,
  ) {
    super(`${service} unavailable: ${(cause as Error)?.message ?? cause}`);
    this.name = 'OutageError';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs of a passing outage: connection exceptions (08), operator intervention
 * (57: admin shutdown, crash shutdown, cannot connect now, query cancelled by statement_timeout),
 * insufficient resources (53), lock_not_available (55P03).
 */
function isPgOutageCode(code: string): boolean {
  return code.startsWith('08') || code.startsWith('57') || code.startsWith('53') || code === '55P03';
}

const OUTAGE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection is closed/i,
  /Stream isn't writeable/i,
  /Reached the max retries per request/i,
  /database is locked/i,
  /SQLITE_BUSY/i,
];

/** Whether `err` is an outage of a backing service rather than a fault of the request or the code. */
export function isOutage(err: unknown): boolean {
  if (err instanceof OutageError) return true;
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || (/^[0-9A-Z]{5}$/.test(e.code) && isPgOutageCode(e.code)))) return true;
  if (e.code === 'SQLITE_BUSY') return true;
  if (typeof e.message === 'string' && OUTAGE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  return e.cause !== undefined && e.cause !== err && isOutage(e.cause);
}

/**
 * One log line when an outage starts and one when it ends, whatever the number of failures in
 * between. The end is the first success after `settleMs` without failure (a flapping connection
 * is one incident); after `quietMs` without failure a new failure opens a new incident anyway.
 */
export class IncidentLog {
  private readonly open = new Map<string, { since: number; failures: number; last: number; timer: NodeJS.Timeout | null }>();

  constructor(
    private readonly log: (level: 'warn' | 'info', msg: string, err?: unknown) => void,
    private readonly quietMs = 10_000,
    private readonly settleMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A failure of `service`; logs only the first of an incident. */
  failure(service: string, err: unknown): void {
    const t = this.now();
    const cur = this.open.get(service);
    if (cur && t - cur.last < this.quietMs) {
      cur.failures++;
      cur.last = t;
      if (cur.timer) clearTimeout(cur.timer);
      cur.timer = null;
      return;
    }
    if (cur?.timer) clearTimeout(cur.timer);
    this.open.set(service, { since: t, failures: 1, last: t, timer: null });
    this.log('warn', `${service} unavailable, answering 503 until it is back: ${(err as Error)?.message ?? err}`, err);
  }

  /** The service answered again: closes its incident once no failure followed for a while. */
  recovered(service: string): void {
    const cur = this.open.get(service);
    if (!cur || cur.timer) return;
    const close = () => {
      if (this.open.get(service) !== cur) return;
      this.open.delete(service);
      this.log('info', `${service} is back after ${Math.round((cur.last - cur.since) / 1000)} s of failures (${cur.failures} failed operations)`);
    };
    const wait = this.settleMs - (this.now() - cur.last);
    if (wait <= 0) return close();
    cur.timer = setTimeout(close, wait);
    cur.timer.unref();
  }

  isOpen(service: string): boolean {
    return this.open.has(service);
  }
}
