import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMessage } from '../../src/domain/chat-actions.js';
import { Notifier } from '../../src/notify/worker.js';
import { DEMO } from '../helpers/demo.js';
import { accept, closedPort, startReceiver, type Answer, type Receiver } from './receiver.js';
import { notifyTestApp, type NotifyTestApp } from './setup.js';

const BIZ = DEMO.businessId;
const MINUTE = 60_000;

describe('delivery failures: each kind logged in Market’s terms', () => {
  let t: NotifyTestApp;
  let rx: Receiver;
  let subId: number;
  beforeEach(async () => {
    t = await notifyTestApp();
    rx = await startReceiver();
    subId = (await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT'])).body.id;
  });
  afterEach(async () => {
    await rx.close();
    await t.close();
  });

  /** One notification answered with `answer`; returns its log entry and the outbox after it. */
  /** One attempt answered with `answer`, sent by the control API's flush unless `send` says otherwise. */
  async function attemptWith(answer: Answer, send: () => Promise<unknown> = () => t.flush()) {
    rx.respond = (r) => (r.body?.notificationType === 'PING' ? accept() : answer);
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hello');
    await send();
    const [entry] = await t.log(BIZ, 'limit=1');
    return { entry, outbox: await t.outbox(BIZ, subId) };
  }

  const retried = (entry: any) => {
    expect(entry.outcome).toBe('WILL_RETRY');
    expect(entry.nextAttemptAt).toBe(new Date(t.clock.now() + MINUTE).toISOString());
  };

  it('a non-200 status: CANT_GET_RESPONSE/HTTP with the status, retried', async () => {
    const { entry, outbox } = await attemptWith({ status: 500, body: { error: { type: 'UNKNOWN', message: 'db down' } } });
    expect(entry).toMatchObject({ notificationType: 'CHAT_MESSAGE_SENT', httpStatus: 500, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'HTTP' });
    expect(entry.message).toBe('HTTP 500: {"error":{"type":"UNKNOWN","message":"db down"}}');
    expect(typeof entry.latencyMs).toBe('number');
    expect(entry.startedAt).toBe(new Date(t.clock.now()).toISOString());
    retried(entry);
    expect(outbox).toMatchObject({ pending: 1, head: { attempts: 1, firstFailedAt: entry.startedAt, nextAttemptAt: entry.nextAttemptAt } });
  });

  it('a redirect is not followed: HTTP', async () => {
    const { entry } = await attemptWith({ status: 302, body: '', contentType: null });
    expect(entry).toMatchObject({ httpStatus: 302, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'HTTP' });
    retried(entry);
  });

  it('a refused connection: CANT_GET_RESPONSE/CONNECTION_REFUSED, retried', async () => {
    await rx.close();
    const port = await closedPort();
    await t.services.storage.db.updateTable('subscriptions').set({ url: port }).where('id', '=', subId).execute();
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hello');
    await t.flush();
    const [entry] = await t.log(BIZ, 'limit=1');
    expect(entry).toMatchObject({ httpStatus: null, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'CONNECTION_REFUSED' });
    expect(entry.message).toMatch(/ECONNREFUSED/);
    retried(entry);
    rx = await startReceiver(); // afterEach closes it
  });

  it('a TLS failure: CANT_GET_RESPONSE/SSL_ERROR, retried', async () => {
    // https:// to a plain-http server fails the handshake, as a broken certificate setup would.
    await t.services.storage.db.updateTable('subscriptions').set({ url: rx.url.replace('http:', 'https:') }).where('id', '=', subId).execute();
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hello');
    await t.flush();
    const [entry] = await t.log(BIZ, 'limit=1');
    expect(entry).toMatchObject({ httpStatus: null, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'SSL_ERROR' });
    retried(entry);
  });

  it('no answer within the timeout: CANT_GET_RESPONSE/READ_TIMED_OUT, retried', async () => {
    // Market waits 10 s; a sender with a shorter timeout shows the same classification quickly.
    const notifier = new Notifier(t.services, { timeoutMs: 200 });
    const { entry } = await attemptWith({ ...accept(), delayMs: 1_000 }, () => notifier.runOnce());
    expect(entry).toMatchObject({ httpStatus: null, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'READ_TIMED_OUT', message: 'No answer within 200 ms' });
    expect(entry.latencyMs).toBeGreaterThanOrEqual(190);
    retried(entry);
  });

  it('a dropped connection: CANT_GET_RESPONSE without a subtype, retried', async () => {
    const { entry } = await attemptWith({ destroy: true });
    expect(entry).toMatchObject({ httpStatus: null, errorType: 'CANT_GET_RESPONSE', errorSubtype: null });
    expect(entry.message).toMatch(/socket hang up|ECONNRESET/);
    retried(entry);
  });

  it('200 that is not application/json: CANT_GET_RESPONSE/UNSUPPORTED_MEDIA_TYPE, retried', async () => {
    const { entry } = await attemptWith({ status: 200, contentType: 'text/plain', body: 'OK' });
    expect(entry).toMatchObject({ httpStatus: 200, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(entry.message).toBe("Content-Type 'text/plain' is not application/json");
    retried(entry);
  });

  it('200 whose body is not JSON: INVALID_RESPONSE/CANT_PARSE_RESPONSE, retried', async () => {
    const { entry } = await attemptWith({ status: 200, body: '{"version": "1.0"' });
    expect(entry).toMatchObject({ httpStatus: 200, errorType: 'INVALID_RESPONSE', errorSubtype: 'CANT_PARSE_RESPONSE' });
    retried(entry);
  });

  it('200 with an incomplete or wrong body: INVALID_RESPONSE/INVALID_DATA naming the field, retried', async () => {
    const bodies: [unknown, string][] = [
      [{ name: 'shop', time: '2025-02-28T12:32:01.918Z' }, "'version' is missing"],
      [{ version: '', name: 'shop', time: '2025-02-28T12:32:01.918Z' }, "'version' must be 1 to 100 characters long (got 0)"],
      [{ version: '1', name: 'x'.repeat(101), time: '2025-02-28T12:32:01.918Z' }, "'name' must be 1 to 100 characters long (got 101)"],
      [{ version: 1, name: 'shop', time: '2025-02-28T12:32:01.918Z' }, "'version' must be a string"],
      [{ version: '1', name: 'shop', time: 'yesterday' }, `'time' must be an ISO 8601 date-time (got "yesterday")`],
      [{ version: '1', name: 'shop', time: '2025-02-30T12:00:00Z' }, `'time' must be an ISO 8601 date-time (got "2025-02-30T12:00:00Z")`],
      [[1, 2], 'the answer is not a JSON object'],
    ];
    for (const [body, message] of bodies) {
      const { entry } = await attemptWith({ status: 200, body });
      expect(entry).toMatchObject({ httpStatus: 200, errorType: 'INVALID_RESPONSE', errorSubtype: 'INVALID_DATA', message });
      // Each failed head keeps the next one waiting; settle it so the next case is the head.
      await t.services.storage.db.updateTable('deliveries').set({ state: 'DELIVERED' }).where('state', '=', 'PENDING').execute();
    }
  });

  it('a valid answer with nanoseconds and an offset is accepted', async () => {
    const { entry, outbox } = await attemptWith({ status: 200, contentType: 'application/json; charset=utf-8', body: { version: '1', name: 'shop', time: '2025-01-16T10:09:49.759084017+03:00' } });
    expect(entry).toMatchObject({ httpStatus: 200, errorType: null, errorSubtype: null, outcome: 'DELIVERED', nextAttemptAt: null });
    expect(outbox).toMatchObject({ pending: 0, delivered: 1, head: null });
  });

  it('400 with an error body: logged with the partner’s error, not retried, the next notification goes on', async () => {
    const { entry, outbox } = await attemptWith({ status: 400, body: { error: { type: 'WRONG_EVENT_FORMAT', message: 'unknown chat' } } });
    expect(entry).toMatchObject({ httpStatus: 400, errorType: 'WRONG_EVENT_FORMAT', errorSubtype: null, message: 'unknown chat', outcome: 'REJECTED', nextAttemptAt: null });
    expect(outbox).toMatchObject({ pending: 0, failed: 1, head: null });
    rx.respond = accept;
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Next');
    await t.flush();
    expect((await t.log(BIZ, 'limit=1'))[0].outcome).toBe('DELIVERED');
  });

  it('400 without a proper error body is treated like any other failure: retried', async () => {
    const { entry } = await attemptWith({ status: 400, body: { message: 'bad' } });
    expect(entry).toMatchObject({ httpStatus: 400, errorType: 'CANT_GET_RESPONSE', errorSubtype: 'HTTP' });
    retried(entry);
  });
});
