/**
 * The partner API's answers per business and HTTP status, counted in this process: how the
 * scorecard learns the integration's own API errors (400/403/420…). A stand-in for a recorded
 * request log; counts start at zero with the process and are never stored.
 */
export class AnswerCounts {
  private readonly byBusiness = new Map<number, Map<number, number>>();

  record(businessId: number, status: number): void {
    let m = this.byBusiness.get(businessId);
    if (!m) this.byBusiness.set(businessId, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }

  /** Answers so far for a business, by status. */
  snapshot(businessId: number): Record<string, number> {
    return Object.fromEntries([...(this.byBusiness.get(businessId) ?? new Map<number, number>())].map(([s, n]) => [String(s), n]));
  }
}

/** What changed between two snapshots: the answers given during a run. */
export function answersSince(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [status, n] of Object.entries(now)) {
    const d = n - (before[status] ?? 0);
    if (d > 0) out[status] = d;
  }
  return out;
}

// One counter per app (keyed by whatever object the app is built around), without a field on it.
const counters = new WeakMap<object, AnswerCounts>();
export function answerCountsOf(owner: object): AnswerCounts {
  let c = counters.get(owner);
  if (!c) counters.set(owner, (c = new AnswerCounts()));
  return c;
}
