import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMessage, type ActionContext } from '../../src/domain/chat-actions.js';
import type { NotificationWorker } from '../../src/notify/worker.js';
import { DEMO, apiKey } from '../helpers/demo.js';
import { accept, startReceiver, type Receiver } from './receiver.js';
import { notifyTestApp, type NotifyTestApp } from './setup.js';

const BIZ = DEMO.businessId;

/** Waits for a condition the background worker brings about (it runs on real timers). */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the background worker', () => {
  let t: NotifyTestApp;
  let rx: Receiver;
  let worker: NotificationWorker;
  let ctx: ActionContext;
  beforeEach(async () => {
    t = await notifyTestApp();
    rx = await startReceiver();
    t.services.outbox.start();
    worker = t.services.outbox;
    ctx = t.ctx;
  });
  afterEach(async () => {
    await worker.stop();
    await rx.close();
    await t.close();
  });

  it('delivers after the commit without anyone asking', async () => {
    await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT']);
    const { messageId } = await postMessage(ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hello');
    await eventually(() => rx.notifications().length === 1);
    expect(rx.notifications()[0].messageId).toBe(String(messageId));
  });

  it('retries when the virtual clock reaches the next attempt', async () => {
    await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT']);
    rx.respond = (r) => (r.body.notificationType === 'PING' ? accept() : { status: 500, body: 'x', contentType: 'text/plain' });
    await postMessage(ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hello');
    await eventually(async () => (await t.log(BIZ)).some((e: any) => e.outcome === 'WILL_RETRY'));
    rx.respond = accept;
    // The clock is frozen: the retry waits for virtual time, not for real time.
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.notifications()).toHaveLength(1);
    t.clock.advance(60_000);
    await eventually(() => rx.notifications().length === 2);
    // The receiver sees the POST before the worker has written down its answer.
    await eventually(async () => (await t.log(BIZ, 'limit=1'))[0].outcome === 'DELIVERED');
  });

  it('never makes the request that caused an event wait for its delivery', async () => {
    await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT']);
    rx.respond = (r) => (r.body.notificationType === 'PING' ? accept() : { ...accept(), delayMs: 3_000 });
    const started = performance.now();
    await postMessage(ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hello');
    await eventually(() => rx.received.length === 2);
    // A delivery is in flight now; the API keeps answering at once.
    const res = await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`, headers: apiKey() });
    expect(res.statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await t.outbox(BIZ, 1)).toMatchObject({ pending: 1, head: { claimed: true } });
  });

  it('stopping mid-delivery gives the claim back; the next sender delivers it', async () => {
    const sub = (await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT'])).body;
    rx.respond = (r) => (r.body.notificationType === 'PING' ? accept() : { ...accept(), delayMs: 2_000 });
    await postMessage(ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hello');
    await eventually(() => rx.received.length === 2);
    await worker.stop();
    expect(await t.outbox(BIZ, sub.id)).toMatchObject({ pending: 1, head: { attempts: 0, claimed: false } });
    expect(await t.log(BIZ)).toHaveLength(1); // the PING only: an aborted POST proves nothing
    rx.respond = accept;
    t.services.outbox.start();
    await eventually(() => rx.received.length === 3);
    await eventually(async () => (await t.outbox(BIZ, sub.id)).delivered === 1);
  });
});
