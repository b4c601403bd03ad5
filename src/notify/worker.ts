import crypto from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { NotifyContext } from './context.js';
import { claimDue, nextDueAt, recordAttemptAndClaimNext, releaseAllClaims, releaseClaim, renewClaims, LEASE_MS, type Claim, type Outcome } from './outbox.js';
import { opsOf } from '../storage/dialect-ops.js';
import { NOTIFICATION_TIMEOUT_MS, keepAliveAgents, sendNotification } from './send.js';

/** Counts of what a run of the sender did. */
export interface FlushResult {
  attempts: number;
  delivered: number;
  rejected: number;
  retrying: number;
  gaveUp: number;
}

export interface NotifierOptions {
  /** Subscriptions delivered to at once (each one notification at a time). */
  concurrency?: number;
  /** Called when a subscription's run of deliveries ends, so a loop can look for other heads. */
  onSettled?: () => void;
  log?: (msg: string, err?: unknown) => void;
  /** Response timeout; Market's is 10 s (tests shorten it to watch READ_TIMED_OUT quickly). */
  timeoutMs?: number;
}

const emptyResult = (): FlushResult => ({ attempts: 0, delivered: 0, rejected: 0, retrying: 0, gaveUp: 0 });

/**
 * Sends the outbox: claims due heads, POSTs them outside any transaction, and records each
 * outcome. A subscription, once claimed, keeps its slot while it has notifications due: recording
 * an attempt claims its next head in the same transaction, so its deliveries follow one another
 * without a trip through the claim loop. `runOnce` delivers everything due now and returns.
 */
export class Notifier {
  readonly owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  /** Per subscription being delivered to: the delivery in flight and the run that sends it. */
  private readonly runs = new Map<number, { deliveryId: number; done: Promise<void> }>();
  private readonly stopping = new AbortController();
  private claiming: Promise<unknown> = Promise.resolve();
  private readonly totals = emptyResult();
  private readonly concurrency: number;
  private readonly agents = keepAliveAgents();
  private renewal: NodeJS.Timeout | null = null;
  /**
   * Whether heads may be waiting that no free slot took: then a settled subscription gives its
   * slot back to the claim loop (oldest heads first) instead of keeping it.
   */
  private crowded = false;

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
    const free = this.concurrency - this.runs.size;
    if (free <= 0) {
      this.crowded = true;
      return 0;
    }
    const claims = await claimDue(this.ctx.storage, this.owner, this.ctx.clock.now(), free, [...this.runs.keys()]);
    this.crowded = claims.length >= free;
    for (const claim of claims) this.startRun(claim);
    return claims.length;
  }

  private startRun(first: Claim): void {
    const run = { deliveryId: first.deliveryId, done: Promise.resolve() };
    run.done = (async () => {
      let claim: Claim | null = first;
      while (claim) {
        run.deliveryId = claim.deliveryId;
        claim = await this.deliver(claim);
      }
    })().finally(() => {
      this.runs.delete(first.subscriptionId);
      if (this.runs.size === 0) this.stopRenewal();
      this.opts.onSettled?.();
    });
    this.runs.set(first.subscriptionId, run);
    this.startRenewal();
  }

  /** One timer and one statement renew every claim in flight, however many there are. */
  private startRenewal(): void {
    if (this.renewal) return;
    this.renewal = setInterval(() => {
      const ids = [...this.runs.values()].map((r) => r.deliveryId);
      renewClaims(this.ctx.storage, this.owner, ids).catch((e) => this.opts.log?.('could not renew delivery claims', e));
    }, LEASE_MS / 5);
    this.renewal.unref();
  }

  private stopRenewal(): void {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
  }

  /** Delivers everything due now, including heads that become due as earlier ones settle. */
  async runOnce(): Promise<FlushResult> {
    const before = { ...this.totals };
    for (;;) {
      const started = await this.pump();
      if (started === 0 && this.runs.size === 0) break;
      await Promise.all([...this.runs.values()].map((r) => r.done));
    }
    const out = emptyResult();
    for (const k of Object.keys(out) as (keyof FlushResult)[]) out[k] = this.totals[k] - before[k];
    return out;
  }

  /** When the next head falls due by the sandbox clock, or null when nothing waits. */
  nextDueAt(): Promise<number | null> {
    return nextDueAt(this.ctx.storage, [...this.runs.keys()]);
  }

  get busy(): boolean {
    return this.runs.size >= this.concurrency;
  }

  /** Aborts POSTs in flight (their claims are given back) and waits for them to settle. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.claiming;
    await Promise.all([...this.runs.values()].map((r) => r.done));
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Sends one claimed notification and records it; returns the subscription's next head when claimed. */
  private async deliver(claim: Claim): Promise<Claim | null> {
    const { storage, clock } = this.ctx;
    try {
      const startedAt = clock.now();
      const clockMode = clock.mode;
      const result = await sendNotification(claim.url, claim.payload, this.opts.timeoutMs ?? NOTIFICATION_TIMEOUT_MS, this.stopping.signal, this.agents);
      if (result.aborted) {
        await releaseClaim(storage, claim.deliveryId, this.owner);
        return null;
      }
      const settled = await recordAttemptAndClaimNext(storage, claim, this.owner, startedAt, { ...result, clock: clockMode }, clock.now(), this.keepsSlot());
      this.count(settled.outcome);
      return settled.next;
    } catch (e) {
      // The claim stays and expires, so the notification is tried again: at least once, in order.
      this.opts.log?.('could not record a delivery attempt', e);
      return null;
    }
  }

  private keepsSlot(): boolean {
    return !this.stopping.signal.aborted && !this.crowded;
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
 * Commits wake the worker at most this often: under load every request commits, and one look
 * per commit would cost the API a claim query per request. Subscriptions already being
 * delivered to continue by themselves; only a subscription's first notification waits this long.
 */
const COMMIT_LOOK_MS = 10;

/**
 * Delivers the outbox in the background: sleeps until the earliest next attempt by the sandbox
 * clock (at most a second of real time), and wakes after a commit that wrote events (at most
 * every COMMIT_LOOK_MS), at once when a subscription's deliveries end or the clock changes.
 * Requests never wait for it.
 */
export function startNotificationWorker(ctx: NotifyContext, opts: Pick<NotifierOptions, 'log' | 'concurrency' | 'timeoutMs'> = {}): NotificationWorker {
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let pending = false;
  /** Woken by something other than a commit: look at once. */
  let urgent = false;
  let lastLook = 0;
  /** The next due instant is read again only when something may have moved it. */
  let dueStale = true;
  let due: number | null = null;
  const wakeNow = () => {
    dueStale = true;
    urgent = true;
    pending = true;
    wakeUp?.();
  };
  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  const notifier = new Notifier(ctx, { ...opts, onSettled: wakeNow });
  const unlisten = ctx.clock.onChange(wakeNow);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const deadline = performance.now() + ms;
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      };
      const arm = (at: number) => {
        clearTimeout(timer);
        timer = setTimeout(done, Math.max(0, at - performance.now()));
      };
      wakeUp = () => {
        if (stopped || urgent) return done();
        // After a commit: no sooner than COMMIT_LOOK_MS after the previous look.
        arm(Math.min(deadline, lastLook + COMMIT_LOOK_MS));
      };
      if (stopped) done();
      else if (pending) wakeUp();
      else arm(deadline);
    });

  const loop = (async () => {
    if (!opsOf(ctx.storage.db).sharedByInstances) {
      await releaseAllClaims(ctx.storage).catch((e) => opts.log?.('could not release stale delivery claims', e));
    }
    while (!stopped) {
      pending = false;
      urgent = false;
      lastLook = performance.now();
      let wait = MAX_SLEEP_MS;
      try {
        if ((await notifier.pump()) > 0) dueStale = true;
        if (!notifier.busy) {
          if (dueStale) {
            dueStale = false;
            due = await notifier.nextDueAt();
          }
          const clock = ctx.clock;
          if (due !== null) {
            const ahead = due - clock.now();
            // A frozen clock never reaches a future attempt by itself; its change wakes the loop.
            if (ahead <= 0) wait = MIN_SLEEP_MS;
            else if (!clock.frozen) wait = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, ahead));
          }
        }
      } catch (e) {
        dueStale = true;
        opts.log?.('notification worker failed to read the outbox', e);
      }
      const slept = performance.now();
      await sleep(wait);
      // A full sleep may mean rows written elsewhere (other instances) or a running clock.
      if (performance.now() - slept >= wait) dueStale = true;
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
