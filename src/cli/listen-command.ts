import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Subscription } from '../testing/control.js';
import { ControlClient } from './client.js';
import { connectionOptions, positiveId } from './kit.js';

const FORWARD_TIMEOUT_MS = 10_000;

function httpUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return value;
  } catch {
    // refused below
  }
  throw new InvalidArgumentError('expected an http:// or https:// URL');
}

const clockTime = () => new Date().toISOString().slice(11, 19);

/** POSTs the notification on, as Market would have; says what came back. */
async function forward(url: string, body: unknown): Promise<string> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    const text = (await res.text()).replace(/\s+/g, ' ').slice(0, 200);
    return `HTTP ${res.status}${text ? ` ${text}` : ''}`;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return `failed: ${cause?.code ?? (e as Error).message}`;
  }
}

/**
 * `ymchat listen`: a built-in receiver on a free local port, subscribed to a business's chat
 * notifications for as long as it runs; prints each one and forwards it (like `stripe listen`).
 */
export function registerListenCommand(program: Command): void {
  connectionOptions(
    program
      .command('listen')
      .description("receive a business's notifications here, print them and forward them; Ctrl-C unsubscribes")
      .requiredOption('--business <id>', 'business (cabinet) id', positiveId('business id'))
      .option('--forward <url>', 'POST each notification on to this URL, e.g. http://localhost:3000/hook', httpUrl)
      .option('--events <types>', 'comma-separated event types (default: every chat event)')
      .addOption(new Option('--port <port>', 'local port of the receiver (default: a free one)').default('0'))
      .option('--host <host>', 'local address of the receiver', '127.0.0.1')
      .option('--json', 'print each notification as one JSON line'),
  ).action(async (opts) => {
    const client = ControlClient.from(opts);
    const { createReceiver } = await import('../receiver/index.js');
    const out = (line: string) => process.stdout.write(line + '\n');
    const receiver = createReceiver({
      name: 'ymchat-listen',
      onNotification: async (n) => {
        const { notificationType, ...fields } = n as { notificationType: string };
        out(opts.json ? JSON.stringify(n) : `${clockTime()}  ${notificationType}  ${JSON.stringify(fields)}`);
        if (opts.forward) {
          const result = await forward(opts.forward, n);
          if (!opts.json) out(`          → ${opts.forward}: ${result}`);
        }
      },
    });
    const listening = await receiver.listen({ host: opts.host, port: Number(opts.port) });
    const eventTypes = opts.events ? String(opts.events).split(',').map((s) => s.trim().toUpperCase()) : undefined;
    let sub: Subscription;
    try {
      sub = await client.post<Subscription>(`/businesses/${opts.business}/subscriptions`, { url: listening.url, ...(eventTypes ? { eventTypes } : {}) });
    } catch (e) {
      await listening.close();
      throw e;
    }
    const unsubscribe = async () => {
      await client.delete(`/businesses/${opts.business}/subscriptions/${sub.id}`).catch(() => {});
      await receiver.idle();
      await listening.close();
    };
    if (!sub.enabled) {
      await unsubscribe();
      throw new Error(`the subscription was not enabled: ${sub.disabledReason}`);
    }
    process.stderr.write(
      `Ready: notifications of business ${opts.business} come to ${listening.url} (subscription ${sub.id})` +
        `${opts.forward ? `, forwarded to ${opts.forward}` : ''}. Ctrl-C to stop.\n`,
    );
    const stop = () => {
      unsubscribe().then(
        () => {
          process.stderr.write(`Stopped: subscription ${sub.id} deleted.\n`);
          process.exit(0);
        },
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
