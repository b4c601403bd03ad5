import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMessage } from '../../src/domain/chat-actions.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/clock.js';
import { retryAt } from '../../src/notify/schedule.js';
import { DEMO } from '../helpers/demo.js';
import { accept, startReceiver, type Receiver } from './receiver.js';
import { admin, notifyTestApp, type NotifyTestApp } from './setup.js';

const BIZ = DEMO.businessId;

describe("Market's retry schedule", () => {
  it('every minute for the first hour, every 15 minutes for the rest of the day, then hourly, and gives up at 14 days', () => {
    const f = 1_000_000;
    expect(retryAt(f, f)).toBe(f + MINUTE_MS);
    expect(retryAt(f, f + HOUR_MS - 1)).toBe(f + HOUR_MS - 1 + MINUTE_MS);
    expect(retryAt(f, f + HOUR_MS)).toBe(f + HOUR_MS + 15 * MINUTE_MS);
    expect(retryAt(f, f + DAY_MS - 1)).toBe(f + DAY_MS - 1 + 15 * MINUTE_MS);
    expect(retryAt(f, f + DAY_MS)).toBe(f + DAY_MS + HOUR_MS);
    expect(retryAt(f, f + 14 * DAY_MS - 1)).toBe(f + 14 * DAY_MS - 1 + HOUR_MS);
    expect(retryAt(f, f + 14 * DAY_MS)).toBeNull();
  });
});

describe('retries under the virtual clock, order kept, 14 days of failure', () => {
  let t: NotifyTestApp;
  let rx: Receiver;
  let failing: boolean;
  beforeEach(async () => {
    t = await notifyTestApp();
    failing = false;
    rx = await startReceiver((r) => (failing && r.body?.notificationType !== 'PING' ? { status: 503, body: 'down', contentType: 'text/plain' } : accept()));
  });
  afterEach(async () => {
    await rx.close();
    await t.close();
  });

  const message = (text: string, chatId: number = DEMO.chats.order, business: number = BIZ) => postMessage(t.ctx, business, chatId, 'CUSTOMER', text);

  // Some 460 attempts, each a flush and an outbox read: give a loaded machine time on PostgreSQL.
  it('retries the head on the schedule while later notifications wait, then disables after 14 days and drops the rest', { timeout: 180_000 }, async () => {
    const sub = (await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT'])).body;
    failing = true;
    const first = await message('first');
    await message('second');
    const f = t.clock.now();

    // Nothing is due before the next attempt; everything at it. Step the clock from attempt to attempt.
    const gaps: number[] = [];
    let last = f;
    for (let i = 0; ; i++) {
      const before = rx.received.length;
      const flushed = await t.flush();
      expect(flushed.attempts, `attempt ${i}`).toBe(1);
      expect(rx.received.length).toBe(before + 1);
      // Only the head is ever sent while it fails.
      expect(rx.received[rx.received.length - 1].body.messageId).toBe(String(first.messageId));
      gaps.push(t.clock.now() - last);
      last = t.clock.now();
      const box = await t.outbox(BIZ, sub.id);
      if (!box.enabled) {
        expect(flushed.gaveUp).toBe(1);
        break;
      }
      expect(box.pending).toBe(2);
      const next = Date.parse(box.head.nextAttemptAt);
      if (i < 3) {
        t.clock.set(next - 1);
        expect((await t.flush()).attempts).toBe(0);
      }
      t.clock.set(next);
    }

    const minutes = gaps.slice(1).map((g) => g / MINUTE_MS);
    expect(minutes.slice(0, 60)).toEqual(Array(60).fill(1));
    expect(minutes.slice(60, 60 + 92)).toEqual(Array(92).fill(15));
    expect(minutes.slice(152)).toEqual(Array(312).fill(60));
    expect(t.clock.now() - f).toBe(14 * DAY_MS);

    const box = await t.outbox(BIZ, sub.id);
    expect(box).toMatchObject({ enabled: false, pending: 0, dropped: 2, delivered: 0, head: null });
    const shown = (await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/subscriptions/${sub.id}`, headers: admin })).json();
    expect(shown.enabled).toBe(false);
    expect(shown.disabledReason).toBe(
      `Disabled after 14 days of failed deliveries (first failure at ${new Date(f).toISOString()}); pending notifications were dropped`,
    );
    expect(shown.disabledAt).toBe(new Date(t.clock.now()).toISOString());
    const [lastEntry, previous] = await t.log(BIZ, 'limit=2');
    expect(lastEntry).toMatchObject({ outcome: 'GAVE_UP', nextAttemptAt: null, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'HTTP', httpStatus: 503 });
    expect(previous).toMatchObject({ outcome: 'WILL_RETRY', nextAttemptAt: new Date(t.clock.now()).toISOString() });

    // Disabled: new events are not queued, and nothing is sent even once the receiver is back.
    failing = false;
    await message('while disabled');
    t.clock.advance(DAY_MS);
    expect((await t.flush()).attempts).toBe(0);
    expect(rx.notifications().every((b) => b.messageId === String(first.messageId))).toBe(true);

    // Enabling again (PING) lets new notifications through; the dropped ones stay dropped.
    const enabled = await t.app.inject({ method: 'POST', url: `/_sandbox/businesses/${BIZ}/subscriptions/${sub.id}/enable`, headers: admin });
    expect(enabled.json().enabled).toBe(true);
    const after = await message('after enabling');
    await t.flush();
    expect(rx.notifications().at(-1).messageId).toBe(String(after.messageId));
  });

  it('a success ends the failure period: the 14 days count from the first failure of the current head', async () => {
    const sub = (await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT'])).body;
    failing = true;
    await message('one');
    await t.flush();
    t.clock.advance(13 * DAY_MS);
    failing = false;
    await t.flush();
    failing = true;
    await message('two');
    t.clock.advance(2 * DAY_MS);
    await t.flush();
    const box = await t.outbox(BIZ, sub.id);
    expect(box).toMatchObject({ enabled: true, pending: 1, delivered: 1 });
    expect(box.head.firstFailedAt).toBe(new Date(t.clock.now()).toISOString());
  });

  it('keeps order per subscription, and one failing subscription does not hold back another', async () => {
    const a = (await t.subscribe(BIZ, `${rx.url}/a`, ['CHAT_MESSAGE_SENT'])).body;
    await t.subscribe(DEMO.otherBusinessId, `${rx.url}/b`, ['CHAT_MESSAGE_SENT']);
    rx.respond = (r) => (r.path === '/a' && failing ? { status: 500, body: 'no', contentType: 'text/plain' } : accept());
    failing = true;
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      sent.push(String((await message(`a${i}`)).messageId));
      await message(`b${i}`, 5000007, DEMO.otherBusinessId);
    }
    await t.flush();
    expect(rx.notifications('/b')).toHaveLength(4);
    expect(rx.notifications('/a').map((b) => b.messageId)).toEqual([sent[0]]);
    t.clock.advance(MINUTE_MS);
    await t.flush();
    expect(rx.notifications('/a').map((b) => b.messageId)).toEqual([sent[0], sent[0]]);

    failing = false;
    t.clock.advance(MINUTE_MS);
    const flushed = await t.flush();
    expect(flushed).toMatchObject({ attempts: 4, delivered: 4 });
    expect(rx.notifications('/a').map((b) => b.messageId)).toEqual([sent[0], sent[0], ...sent]);
    expect(await t.outbox(BIZ, a.id)).toMatchObject({ pending: 0, delivered: 4 });
  });
});
