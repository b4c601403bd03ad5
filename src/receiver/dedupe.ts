/** The last `size` keys seen, oldest forgotten first: bounded memory for at-least-once delivery. */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly size: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.size <= 0) return;
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.size) this.keys.delete(this.keys.values().next().value as string);
  }

  delete(key: string): void {
    this.keys.delete(key);
  }
}

/** The same event gives the same key whatever the order of its fields. */
export function eventKey(notification: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(notification).sort().map((k) => [k, notification[k]]));
}
