/**
 * Market's "at most N parallel requests" per entity. A counter per key is all a semaphore needs
 * here: a request over the limit is refused at once, never queued.
 */
export class ParallelLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(public limit: number) {}

  tryAcquire(key: string): boolean {
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.inFlight.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = this.inFlight.get(key) ?? 0;
    if (n <= 1) this.inFlight.delete(key);
    else this.inFlight.set(key, n - 1);
  }

  current(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }
}
