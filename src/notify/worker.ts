import crypto from 'node:crypto';
import os from 'node:os';
import type { NotifyContext } from './context.js';
import { claimDue, nextDueAt, recordAttempt, releaseAllClaims, releaseClaim, renewClaim, LEASE_MS, type Claim, type Outcome } from './outbox.js';
import { opsOf } from '../storage/dialect-ops.js';
import { NOTIFICATION_TIMEOUT_MS, sendNotification } from './send.js';

/** Counts of what a run of the sender did. */
export interface FlushResult {
  attempts: number;
  delivered: number;
  rejected: number;
  retrying: number;
  gaveUp: number;
}

export interface NotifierOptions {
  /** Deliveries in flight at once (each to a different subscription). */
  concurrency?: number;
  /** Called once a delivery settles, so a loop can look for the next head at once. */
  onSettled?: () => void;
  log?: (msg: string, err?: unknown) => void;
  /** Response timeout; Market's is 10 s (tests shorten it to watch READ_TIMED_OUT quickly). */
  timeoutMs?: number;
}

const emptyResult = (): FlushResult => ({ attempts: 0, delivered: 0, rejected: 0, retrying: 0, gaveUp: 0 });

/**
 * Sends the outbox: claims due heads, POSTs them outside any transaction, and records each
 * outcome. Holds no timers of its own; `runOnce` delivers everything due now and returns.
 */
export class Notifier {
  readonly owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly stopping = new AbortController();
  private claiming: Promise<unknown> = Promise.resolve();
  private readonly totals = emptyResult();
  private readonly concurrency: number;

  constructor(
    private readonly ctx: NotifyContext,
    private readonly opts: NotifierOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 16;
  }

  /** Claims due heads up to the free capacity and starts sending them; returns how many started. */
  pump(): Promise<number> {
    // Claims run one after another (capacity stays exact), and each caller gets a claim that
    // started after its call, so it sees every commit made before it.
    const run = this.claiming.then(() => this.claimAndStart());
    this.claiming = run.catch(() => 0);
    return run;
  }

  private async claimAndStart(): Promise<number> {
    if (this.stopping.signal.aborted) return 0;
    const free = this.concurrency - this.inFlight.size;
    const claims = await claimDue(this.ctx.storage, this.owner, this.ctx.clock.now(), free, [...this.inFlight.keys()]);
    for (const claim of claims) {
      const done = this.deliver(claim).finally(() => {
        this.inFlight.delete(claim.deliveryId);
        this.opts.onSettled?.();
      });
      this.inFlight.set(claim.deliveryId, done);
    }
    return claims.length;
  }

  /** Delivers everything due now, including heads that become due as earlier ones settle. */
  async runOnce(): Promise<FlushResult> {
    const before = { ...this.totals };
    for (;;) {
      const started = await this.pump();
      if (started === 0 && this.inFlight.size === 0) break;
      await Promise.all(this.inFlight.values());
    }
    const out = emptyResult();
    for (const k of Object.keys(out) as (keyof FlushResult)[]) out[k] = this.totals[k] - before[k];
    return out;
  }

  /** When the next head falls due by the sandbox clock, or null when nothing waits. */
  nextDueAt(): Promise<number | null> {
    return nextDueAt(this.ctx.storage, [...this.inFlight.keys()]);
  }

  get busy(): boolean {
    return this.inFlight.size >= this.concurrency;
  }

  /** Aborts POSTs in flight (their claims are given back) and waits for them to settle. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.claiming;
    await Promise.all(this.inFlight.values());
  }

  private async deliver(claim: Claim): Promise<void> {
    const { storage, clock } = this.ctx;
    const renew = setInterval(() => {
      renewClaim(storage, claim.deliveryId, this.owner).catch((e) => this.opts.log?.('could not renew a delivery claim', e));
    }, LEASE_MS / 5);
    renew.unref();
    try {
      const startedAt = clock.now();
      const clockMode = clock.mode;
      const result = await sendNotification(claim.url, claim.payload, this.opts.timeoutMs ?? NOTIFICATION_TIMEOUT_MS, this.stopping.signal);
      if (result.aborted) {
        await releaseClaim(storage, claim.deliveryId, this.owner);
        return;
      }
      const outcome = await recordAttempt(storage, claim, this.owner, startedAt, { ...result, clock: clockMode }, clock.now());
      this.count(outcome);
    } catch (e) {
      // The claim stays and expires, so the notification is tried again: at least once, in order.
      this.opts.log?.('could not record a delivery attempt', e);
    } finally {
      clearInterval(renew);
    }
  }

  private count(outcome: Outcome | null): void {
    this.totals.attempts++;
    if (outcome === 'DELIVERED') this.totals.delivered++;
    else if (outcome === 'REJECTED') this.totals.rejected++;
    else if (outcome === 'WILL_RETRY') this.totals.retrying++;
    else if (outcome === 'GAVE_UP') this.totals.gaveUp++;
  }
}

export interface NotificationWorker {
  /** Look at the outbox now (after a commit, or a clock change). */
  wake(): void;
  /** Delivers everything due now and returns when done (tests, `POST /_sandbox/notifications/flush`). */
  runOnce(): Promise<FlushResult>;
  stop(): Promise<void>;
}

/** Longest sleep between looks at the outbox: picks up rows other processes wrote, and running clocks. */
const MAX_SLEEP_MS = 1_000;
const MIN_SLEEP_MS = 20;

/**
 * Delivers the outbox in the background: sleeps until the earliest next attempt by the sandbox
 * clock (at most a second of real time), and wakes at once after a commit that wrote events, a
 * settled delivery, or a change of the clock. Requests never wait for it.
 */
export function startNotificationWorker(ctx: NotifyContext, opts: Pick<NotifierOptions, 'log' | 'concurrency'> = {}): NotificationWorker {
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let pending = false;
  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  const notifier = new Notifier(ctx, { ...opts, onSettled: wake });
  const unlisten = ctx.clock.onChange(wake);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (pending || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  const loop = (async () => {
    if (!opsOf(ctx.storage.db).sharedByInstances) {
      await releaseAllClaims(ctx.storage).catch((e) => opts.log?.('could not release stale delivery claims', e));
    }
    while (!stopped) {
      pending = false;
      let wait = MAX_SLEEP_MS;
      try {
        await notifier.pump();
        if (!notifier.busy) {
          const due = await notifier.nextDueAt();
          const clock = ctx.clock;
          if (due !== null) {
            const ahead = due - clock.now();
            // A frozen clock never reaches a future attempt by itself; its change wakes the loop.
            if (ahead <= 0) wait = MIN_SLEEP_MS;
            else if (!clock.frozen) wait = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, ahead));
          }
        }
      } catch (e) {
        opts.log?.('notification worker failed to read the outbox', e);
      }
      await sleep(wait);
    }
  })();

  return {
    wake,
    runOnce: () => notifier.runOnce(),
    async stop() {
      if (stopped) return;
      stopped = true;
      unlisten();
      wakeUp?.();
      await loop;
      await notifier.stop();
    },
  };
}
