import { errors } from './errors.js';

export const FAULT_KINDS = ['420', '500', '503', 'DELAY'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  id: number;
  businessId: number;
  /** operationId, or `*` for every partner method of the business. */
  method: string;
  kind: FaultKind;
  /** Calls still to hit; null when `probability` decides instead. */
  remaining: number | null;
  probability: number | null;
  delayMs: number | null;
}

export type FaultInput = Omit<Fault, 'id'>;

/**
 * Injected failures for (business, method): the next N calls, or a share of calls, answer with a
 * Market error or after a delay. Sandbox state, kept in the process.
 */
export class FaultBook {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultInput): Fault {
    if (!FAULT_KINDS.includes(input.kind)) throw errors.invalid(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    if (input.remaining === null && input.probability === null) throw errors.invalid('give count or probability');
    if (input.remaining !== null && (!Number.isInteger(input.remaining) || input.remaining < 1)) {
      throw errors.invalid('count must be a whole number ≥ 1');
    }
    if (input.probability !== null && !(input.probability > 0 && input.probability <= 1)) {
      throw errors.invalid('probability must be in (0, 1]');
    }
    if (input.kind === 'DELAY' && !(input.delayMs !== null && input.delayMs >= 0 && input.delayMs <= 60_000)) {
      throw errors.invalid('delayMs must be between 0 and 60000 for DELAY');
    }
    const fault = { ...input, id: this.nextId++ };
    this.faults.push(fault);
    return fault;
  }

  list(businessId?: number): Fault[] {
    return this.faults.filter((f) => businessId === undefined || f.businessId === businessId).map((f) => ({ ...f }));
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(businessId?: number): void {
    this.faults = businessId === undefined ? [] : this.faults.filter((f) => f.businessId !== businessId);
  }

  get size(): number {
    return this.faults.length;
  }

  /** The fault that hits this call, if any; counted faults are used up. */
  take(businessId: number, method: string): Fault | null {
    if (this.faults.length === 0) return null;
    for (const f of this.faults) {
      if (f.businessId !== businessId || (f.method !== '*' && f.method !== method)) continue;
      if (f.remaining !== null) {
        f.remaining -= 1;
        if (f.remaining <= 0) this.remove(f.id);
        return { ...f };
      }
      if (this.random() < (f.probability ?? 0)) return { ...f };
    }
    return null;
  }
}
