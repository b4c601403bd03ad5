/** Percentiles and histograms of durations (milliseconds), for the scorecard. */

export interface Summary {
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) return { count: 0, p50: null, p95: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: rank(sorted, 50), p95: rank(sorted, 95), max: sorted[sorted.length - 1] };
}

/** Bucket edges of the first-reply histogram: a seller answers in seconds or in hours. */
export const HISTOGRAM_EDGES_MS = [0, 1_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 900_000, 3_600_000];

export interface Bucket {
  fromMs: number;
  /** null: open-ended last bucket. */
  toMs: number | null;
  count: number;
}

export function histogram(values: number[], edges: number[] = HISTOGRAM_EDGES_MS): Bucket[] {
  const buckets: Bucket[] = edges.map((from, i) => ({ fromMs: from, toMs: i + 1 < edges.length ? edges[i + 1] : null, count: 0 }));
  for (const v of values) {
    let i = buckets.length - 1;
    while (i > 0 && v < buckets[i].fromMs) i--;
    buckets[i].count++;
  }
  return buckets;
}

/** `850ms`, `4.2s`, `3m05s`, `1h02m`: short and readable in a table. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
