import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openContextChat, postMessage } from '../../src/domain/chat-actions.js';
import { DEMO } from '../helpers/demo.js';
import { explain, noteSpecSkip, notificationValidator, specAvailable } from '../helpers/spec.js';
import { accept, closedPort, startReceiver, type Receiver } from './receiver.js';
import { admin, notifyTestApp, type NotifyTestApp } from './setup.js';

const BIZ = DEMO.businessId;
noteSpecSkip();

describe('subscriptions: set up with a PING, as Market enables an integration', () => {
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

  it('sends a PING that matches the official schema and enables the subscription on a proper answer', async () => {
    const res = await t.subscribe(BIZ, `${rx.url}/notification`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      businessId: BIZ,
      url: `${rx.url}/notification`,
      eventTypes: ['CHAT_CREATED', 'CHAT_MESSAGE_SENT', 'CHAT_ARBITRAGE_STARTED', 'CHAT_ARBITRAGE_FINISHED'],
      enabled: true,
      disabledReason: null,
    });
    expect(rx.received).toHaveLength(1);
    const ping = rx.received[0];
    expect(ping.path).toBe('/notification');
    expect(ping.headers['content-type']).toBe('application/json');
    expect(ping.body).toEqual({ notificationType: 'PING', time: new Date(t.clock.now()).toISOString() });
    if (specAvailable) {
      const v = notificationValidator('PingNotificationDTO.yaml');
      expect(v(ping.body), explain(v)).toBe(true);
    }
    const log = await t.log(BIZ);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ notificationType: 'PING', httpStatus: 200, errorType: null, outcome: 'DELIVERED', subscriptionId: res.body.id });
  });

  it('keeps the subscription disabled with the reason when the PING answer is wrong, slow or missing', async () => {
    rx.respond = () => ({ status: 500, body: { error: { type: 'UNKNOWN', message: 'down' } } });
    const http500 = await t.subscribe(BIZ, rx.url, ['CHAT_CREATED']);
    expect(http500.status).toBe(201);
    expect(http500.body.enabled).toBe(false);
    expect(http500.body.disabledReason).toMatch(/^PING failed: CANT_GET_RESPONSE\/HTTP: HTTP 500/);

    rx.respond = () => ({ ...accept(), delayMs: 1_500 });
    const slow = await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT']);
    expect(slow.body.enabled).toBe(false);
    expect(slow.body.disabledReason).toBe('PING failed: CANT_GET_RESPONSE/READ_TIMED_OUT: No answer within 1000 ms');

    const refused = await t.subscribe(BIZ, await closedPort(), ['CHAT_ARBITRAGE_STARTED']);
    expect(refused.body.enabled).toBe(false);
    expect(refused.body.disabledReason).toMatch(/^PING failed: CANT_GET_RESPONSE\/CONNECTION_REFUSED/);

    rx.respond = () => ({ status: 200, body: { version: '1', name: 'shop' } });
    const incomplete = await t.subscribe(BIZ, rx.url, ['CHAT_ARBITRAGE_FINISHED']);
    expect(incomplete.body.disabledReason).toBe("PING failed: INVALID_RESPONSE/INVALID_DATA: 'time' is missing");

    const log = await t.log(BIZ);
    expect(log.map((e: any) => [e.outcome, e.errorSubtype])).toEqual([
      ['FAILED', 'INVALID_DATA'],
      ['FAILED', 'CONNECTION_REFUSED'],
      ['FAILED', 'READ_TIMED_OUT'],
      ['FAILED', 'HTTP'],
    ]);

    // Newest first, in pages; one subscription's entries on request.
    const page = async (query: string) => (await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/deliveries?${query}`, headers: admin })).json();
    const first = await page('limit=3');
    expect(first.attempts.map((e: any) => e.id)).toEqual([4, 3, 2]);
    const second = await page(`limit=3&pageToken=${first.paging.nextPageToken}`);
    expect(second).toEqual({ attempts: [expect.objectContaining({ id: 1 })], paging: {} });
    expect((await page(`subscriptionId=${slow.body.id}`)).attempts.map((e: any) => e.subscriptionId)).toEqual([slow.body.id]);
    const bad = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/deliveries?pageToken=nope`, headers: admin });
    expect(bad.statusCode).toBe(400);
  });

  it('a disabled subscription gets no notifications; enabling sends a PING again', async () => {
    rx.respond = () => ({ status: 503, body: 'busy', contentType: 'text/plain' });
    const sub = (await t.subscribe(BIZ, rx.url)).body;
    expect(sub.enabled).toBe(false);
    // An event while it is disabled is not queued for it.
    await openContextChat(t.ctx, BIZ, { type: 'ORDER', id: DEMO.orders.noChat });
    await t.flush();
    expect(rx.notifications()).toHaveLength(0);

    rx.respond = accept;
    const res = await t.app.inject({ method: 'POST', url: `/_sandbox/businesses/${BIZ}/subscriptions/${sub.id}/enable`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: sub.id, enabled: true, disabledReason: null, disabledAt: null });
    expect(rx.received.filter((r) => r.body.notificationType === 'PING')).toHaveLength(2);
    // Enabling an enabled subscription changes nothing and sends nothing.
    await t.app.inject({ method: 'POST', url: `/_sandbox/businesses/${BIZ}/subscriptions/${sub.id}/enable`, headers: admin });
    expect(rx.received).toHaveLength(2);
  });

  it('lists, shows and deletes subscriptions; the list shows the own-messages setting', async () => {
    const a = (await t.subscribe(BIZ, `${rx.url}/a`, ['CHAT_CREATED'])).body;
    const b = (await t.subscribe(BIZ, `${rx.url}/b`, ['CHAT_MESSAGE_SENT', 'CHAT_ARBITRAGE_STARTED'])).body;
    const list = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/subscriptions`, headers: admin });
    expect(list.json()).toEqual({ subscriptions: [a, b], notifyPartnerMessages: false });
    const one = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/subscriptions/${b.id}`, headers: admin });
    expect(one.json()).toEqual(b);
    const del = await t.app.inject({ method: 'DELETE', url: `/_sandbox/businesses/${BIZ}/subscriptions/${a.id}`, headers: admin });
    expect(del.statusCode).toBe(200);
    expect(del.json().id).toBe(a.id);
    const after = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/subscriptions`, headers: admin });
    expect(after.json().subscriptions).toEqual([b]);
    const again = await t.app.inject({ method: 'DELETE', url: `/_sandbox/businesses/${BIZ}/subscriptions/${a.id}`, headers: admin });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ status: 'ERROR', errors: [{ code: 'NOT_FOUND', message: `Subscription not found: '${a.id}'` }] });
    // Another business does not see or reach it.
    const foreign = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${DEMO.otherBusinessId}/subscriptions/${b.id}`, headers: admin });
    expect(foreign.statusCode).toBe(404);
  });

  it('refuses bad input with the error envelope and sends nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ url: 'ftp://example.com/x' }, 400, "'url' must be an absolute http:// or https:// URL (got 'ftp://example.com/x')"],
      [{ url: 'not a url' }, 400, "'url' must be an absolute http:// or https:// URL (got 'not a url')"],
      [{ url: rx.url, eventTypes: ['ORDER_CREATED'] }, 400, "'eventTypes' contains 'ORDER_CREATED': ymchat sends chat events only (CHAT_CREATED, CHAT_MESSAGE_SENT, CHAT_ARBITRAGE_STARTED, CHAT_ARBITRAGE_FINISHED)"],
      [{ url: rx.url, eventTypes: [] }, 400, "'eventTypes' must name at least one event type"],
      [{ url: rx.url, eventTypes: ['CHAT_CREATED', 'CHAT_CREATED'] }, 400, "'eventTypes' must not repeat a type"],
      [{ url: rx.url, events: ['CHAT_CREATED'] }, 400, "'events' is not a field of this request (fields: url, eventTypes)"],
      [{}, 400, "'url' must not be null (rejected value: null)"],
    ];
    for (const [payload, status, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: `/_sandbox/businesses/${BIZ}/subscriptions`, headers: admin, payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json()).toEqual({ status: 'ERROR', errors: [{ code: 'BAD_REQUEST', message }] });
    }
    const missing = await t.subscribe(999_999_999, rx.url);
    expect(missing).toEqual({ status: 404, body: { status: 'ERROR', errors: [{ code: 'NOT_FOUND', message: "Business not found: '999999999'" }] } });
    expect(rx.received).toHaveLength(0);

    await t.subscribe(BIZ, rx.url, ['CHAT_CREATED', 'CHAT_MESSAGE_SENT']);
    const overlap = await t.subscribe(BIZ, `${rx.url}/other`, ['CHAT_MESSAGE_SENT']);
    expect(overlap.status).toBe(409);
    expect(overlap.body.errors[0].message).toMatch(/already receives CHAT_MESSAGE_SENT: one URL per event type/);

    const noToken = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/subscriptions` });
    expect(noToken.statusCode).toBe(401);
  });

  describe('disabling a subscription by hand', () => {
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
});
