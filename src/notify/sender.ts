import type { NotifyContext } from './context.js';
import { Notifier, startNotificationWorker, type FlushResult, type NotificationWorker, type NotifierOptions } from './worker.js';

/**
 * This process's side of the outbox, made once with the services: chat actions ring it after a
 * commit that wrote deliveries; the flush route runs it once; and where this process delivers in
 * the background, the server starts it after listening. Until then (or without a worker: tests,
 * `--no-worker`) a wake-up does nothing and a flush sends what is due, then returns.
 */
export interface OutboxSender {
  /** Look at the outbox now (a no-op until started). */
  wake(): void;
  /** Delivers everything due now and returns when done. */
  runOnce(): Promise<FlushResult>;
  /** Starts background delivery (once). */
  start(opts?: Pick<NotifierOptions, 'log' | 'concurrency'>): void;
  /** Stops background delivery, waiting for POSTs in flight. */
  stop(): Promise<void>;
}

export function createOutboxSender(ctx: NotifyContext, opts: Pick<NotifierOptions, 'timeoutMs'> = {}): OutboxSender {
  let worker: NotificationWorker | null = null;
  let oneShot: Notifier | null = null;
  return {
    wake: () => worker?.wake(),
    runOnce: () => (worker ? worker.runOnce() : (oneShot ??= new Notifier(ctx, opts)).runOnce()),
    start(startOpts = {}) {
      worker ??= startNotificationWorker(ctx, { ...opts, ...startOpts });
    },
    async stop() {
      const stopping = worker;
      worker = null; // a later start() begins a new loop
      await stopping?.stop();
      await oneShot?.stop();
    },
  };
}
