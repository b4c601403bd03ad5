import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMessage } from '../../src/domain/chat-actions.js';
import type { NotificationWorker } from '../../src/notify/worker.js';
import { dialects, noteSkippedPostgres } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { accept, startReceiver, type Receiver } from './receiver.js';
import { notifyTestApp, type NotifyTestApp } from './setup.js';

noteSkippedPostgres();

const BIZ = DEMO.businessId;
const MINUTE = 60_000;

describe.each(dialects())('the delivery log and flush (%s)', (dialect) => {
  let t: NotifyTestApp;
  let rx: Receiver;
  let worker: NotificationWorker | null = null;
  beforeEach(async () => {
    t = await notifyTestApp({ dialect });
    rx = await startReceiver();
    expect((await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT'])).status).toBe(201);
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await rx.close();
    await t.close();
  });

  it("flush reports what was delivered since the last flush, even what the background worker took first", async () => {
    t.services.outbox.start();
    worker = t.services.outbox;
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Is it in stock?');
    // The background worker delivers on its own (bounded wait for a real socket, not a sleep).
    for (let i = 0; i < 200 && rx.received.filter((r) => r.body?.notificationType === 'CHAT_MESSAGE_SENT').length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(rx.received.some((r) => r.body?.notificationType === 'CHAT_MESSAGE_SENT')).toBe(true);
    expect(await t.flush()).toEqual({ attempts: 1, delivered: 1, rejected: 0, retrying: 0, gaveUp: 0 });
    // Reported once: the next flush has nothing new.
    expect(await t.flush()).toEqual({ attempts: 0, delivered: 0, rejected: 0, retrying: 0, gaveUp: 0 });
  });

  it('entries say whether their time is virtual, and read in time order even when the clock went back', async () => {
    rx.respond = (r) => (r.body?.notificationType === 'PING' ? accept() : { status: 500, body: 'down' });
    const T = t.clock.now();
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'one');
    await t.flush();
    // The clock is set back, and the retry is forced due by moving the next attempt.
    t.clock.set(T - 10 * MINUTE);
    await t.services.storage.db.updateTable('deliveries').set({ next_attempt_at: T - 10 * MINUTE }).where('state', '=', 'PENDING').execute();
    expect((await t.flush()).attempts).toBe(1);
    const log = await t.log(BIZ);
    const outbox = log.filter((e: any) => e.notificationType === 'CHAT_MESSAGE_SENT');
    expect(outbox.map((e: any) => e.startedAt)).toEqual([new Date(T).toISOString(), new Date(T - 10 * MINUTE).toISOString()]);
    for (const e of log) expect(e.clock).toBe('virtual');
    const times = log.map((e: any) => Date.parse(e.startedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Paging follows the same order.
    const first = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/deliveries?limit=1`, headers: { 'x-admin-token': 'test-admin-token' } });
    const next = await t.app.inject({
      method: 'GET',
      url: `/_sandbox/businesses/${BIZ}/deliveries?limit=5&pageToken=${first.json().paging.nextPageToken}`,
      headers: { 'x-admin-token': 'test-admin-token' },
    });
    expect([...first.json().attempts, ...next.json().attempts].map((e: any) => e.id)).toEqual(log.map((e: any) => e.id));
  });

  it("a receiver's HTTP 500 is logged with Market's pair CANT_GET_RESPONSE / HTTP, and the time is real on a real clock", async () => {
    t.clock.reset();
    rx.respond = (r) => (r.body?.notificationType === 'PING' ? accept() : { status: 500, body: 'down' });
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'two');
    await t.flush();
    const [entry] = await t.log(BIZ, 'limit=1');
    expect(entry).toMatchObject({ httpStatus: 500, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'HTTP', clock: 'real' });
  });
});
