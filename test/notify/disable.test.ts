import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMessage } from '../../src/domain/chat-actions.js';
import { DEMO } from '../helpers/demo.js';
import { startReceiver, type Receiver } from './receiver.js';
import { admin, notifyTestApp, type NotifyTestApp } from './setup.js';

const BIZ = DEMO.businessId;

describe('disabling a subscription by hand', () => {
  let t: NotifyTestApp;
  let rx: Receiver;
  beforeEach(async () => {
    t = await notifyTestApp();
    rx = await startReceiver();
  });
  afterEach(async () => {
    await rx.close();
    await t.close();
  });

  it('stops deliveries; what was waiting is delivered after enabling (with a new PING)', async () => {
    const sub = (await t.subscribe(BIZ, `${rx.url}/n`)).body;
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'before');
    const off = await t.app.inject({ method: 'POST', url: `/_sandbox/businesses/${BIZ}/subscriptions/${sub.id}/disable`, headers: admin });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ enabled: false, disabledReason: 'Disabled in the sandbox', disabledAt: '2026-11-21T07:00:00.000Z' });
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'while off');
    await t.flush();
    expect(rx.notifications()).toEqual([]);
    expect((await t.outbox(BIZ, sub.id)).pending).toBe(1);

    const on = await t.app.inject({ method: 'POST', url: `/_sandbox/businesses/${BIZ}/subscriptions/${sub.id}/enable`, headers: admin });
    expect(on.json()).toMatchObject({ enabled: true, disabledReason: null });
    await t.flush();
    expect(rx.notifications().map((n) => n.notificationType)).toEqual(['CHAT_MESSAGE_SENT']);
  });

  it('an unknown subscription is 404', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/_sandbox/businesses/${BIZ}/subscriptions/999/disable`, headers: admin });
    expect(res.statusCode).toBe(404);
  });
});
