import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { buildApp } from '../../../src/app.js';
import { SandboxClock } from '../../../src/clock.js';
import { testConfig } from '../../../src/config.js';
import { postMessage } from '../../../src/domain/chat-actions.js';
import { createServices } from '../../../src/services.js';
import { openStorage } from '../../../src/storage/storage.js';
import { ADMIN_TOKEN, PG_URL, T0, buildTestApp, dialects, noteSkippedPostgres, tempDir, type TestApp } from '../../helpers/app.js';
import { BIZ, DEMO, KEY } from '../../helpers/demo.js';

noteSkippedPostgres();

interface SseEvent {
  event: string;
  data: any;
}

/** An open event stream: events as they come, and a way to wait for one. */
interface Stream {
  status: number;
  contentType: string;
  events: SseEvent[];
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const events: SseEvent[] = [];
      const waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void; seen: number }[] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || data === undefined) continue;
          const e = { event, data: JSON.parse(data) };
          events.push(e);
          for (const w of [...waiters]) {
            if (w.match(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(e);
            }
          }
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
        events,
        next(match, timeoutMs = 5000) {
          const seen = events.find(match);
          if (seen) {
            events.splice(events.indexOf(seen), 1);
            return Promise.resolve(seen);
          }
          return new Promise((res2, rej) => {
            const timer = setTimeout(() => rej(new Error(`no matching event; got ${JSON.stringify(events)}`)), timeoutMs);
            waiters.push({ match, seen: 0, resolve: (e) => (clearTimeout(timer), events.splice(events.indexOf(e), 1), res2(e)) });
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

for (const dialect of dialects()) {
  describe(`control API: the live stream (${dialect})`, () => {
    let t: TestApp;
    let base: string;
    beforeAll(async () => {
      t = await buildTestApp({ dialect });
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const addr = t.app.server.address();
      base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    });
    afterAll(async () => t.close());

    const ticket = async () => {
      const res = await fetch(`${base}/_sandbox/live/tickets`, { method: 'POST', headers: { 'X-Admin-Token': ADMIN_TOKEN } });
      expect(res.status).toBe(201);
      return ((await res.json()) as { ticket: string }).ticket;
    };
    const hasKind = (kind: string) => (e: SseEvent) => e.event === 'change' && e.data.kinds.includes(kind);

    it('opens with a one-use ticket and tells of a partner API message, naming its chat', async () => {
      const t1 = await ticket();
      const stream = await openStream(`${base}/_sandbox/live?ticket=${t1}`);
      try {
        expect(stream.status).toBe(200);
        expect(stream.contentType).toContain('text/event-stream');
        const hello = await stream.next((e) => e.event === 'hello');
        expect(hello.data.clock.mode).toBe('virtual');
        const sent = await fetch(`${base}/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`, {
          method: 'POST',
          headers: { 'Api-Key': KEY, 'Content-Type': 'application/json' },
          body: JSON.stringify({ message: 'Live?' }),
        });
        expect(sent.status).toBe(200);
        const change = await stream.next(hasKind('messages'));
        expect(change.data.chatIds).toContain(DEMO.chats.order);
        expect(change.data.businessIds).toContain(BIZ);
        expect(change.data.kinds).toContain('chats');
        // The call itself lands in the request journal, which is a change too (maybe the same one).
        if (!change.data.kinds.includes('requests')) await stream.next(hasKind('requests'));
      } finally {
        stream.close();
      }
      const again = await fetch(`${base}/_sandbox/live?ticket=${t1}`);
      expect(again.status).toBe(403);
      expect(((await again.json()) as any).errors[0].message).toContain('Live ticket is invalid or expired');
    });

    it('tells of a write it did not see happen (another instance), faults and the clock', async () => {
      const stream = await openStream(`${base}/_sandbox/live`, { 'X-Admin-Token': ADMIN_TOKEN });
      try {
        await stream.next((e) => e.event === 'hello');
        // Written straight to the database, as another instance would: no in-process event at all.
        const ctx = { db: t.services.storage.db, clock: t.clock, notifyPartnerMessages: false };
        await postMessage(ctx, BIZ, DEMO.chats.orderWaiting, 'CUSTOMER', 'from elsewhere');
        const change = await stream.next(hasKind('messages'));
        expect(change.data.chatIds).toEqual([DEMO.chats.orderWaiting]);

        const fault = await fetch(`${base}/_sandbox/faults`, {
          method: 'POST',
          headers: { 'X-Admin-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' },
          body: JSON.stringify({ businessId: BIZ, method: 'getChat', kind: '500', count: 1 }),
        });
        expect(fault.status).toBe(201);
        await stream.next(hasKind('faults'));

        await fetch(`${base}/_sandbox/clock`, {
          method: 'POST',
          headers: { 'X-Admin-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' },
          body: JSON.stringify({ action: 'advance', by: '+1h' }),
        });
        const clock = await stream.next(hasKind('clock'));
        expect(clock.data.clock.now).toBe('2026-11-21T08:00:00.000Z');
      } finally {
        stream.close();
      }
    });

    it('refuses a stream without a token or ticket, and with a wrong one', async () => {
      const none = await fetch(`${base}/_sandbox/live`);
      expect(none.status).toBe(401);
      const wrong = await fetch(`${base}/_sandbox/live`, { headers: { 'X-Admin-Token': 'nope' } });
      expect(wrong.status).toBe(403);
      const forged = await fetch(`${base}/_sandbox/live?ticket=made-up`);
      expect(forged.status).toBe(403);
      const noTicket = await fetch(`${base}/_sandbox/live/tickets`, { method: 'POST' });
      expect(noTicket.status).toBe(401);
    });
  });
}

describe.skipIf(!PG_URL)('the live stream across two instances on one PostgreSQL', () => {
  it('a message sent through one instance is told by the other', async () => {
    const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
    const start = async (demo: boolean) => {
      const storage = await openStorage({ database: PG_URL, dataDir: tempDir(), pgSchema: schema });
      const clock = new SandboxClock();
      clock.freeze(T0);
      const services = createServices(testConfig({ adminToken: ADMIN_TOKEN, database: PG_URL }), storage, clock);
      if (demo) await (await import('../../../src/domain/demo.js')).seedDemo(storage, clock.now());
      const app = await buildApp(services);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const addr = app.server.address();
      return { app, storage, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
    };
    const a = await start(true);
    const b = await start(false);
    try {
      const stream = await openStream(`${a.url}/_sandbox/live`, { 'X-Admin-Token': ADMIN_TOKEN });
      try {
        await stream.next((e) => e.event === 'hello');
        const sent = await fetch(`${b.url}/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.direct}`, {
          method: 'POST',
          headers: { 'Api-Key': KEY, 'Content-Type': 'application/json' },
          body: JSON.stringify({ message: 'from instance B' }),
        });
        expect(sent.status).toBe(200);
        const change = await stream.next((e) => e.event === 'change' && e.data.kinds.includes('messages'));
        expect(change.data.chatIds).toEqual([DEMO.chats.direct]);
        // B's request journal is shared too: A tells of it (maybe in the same change).
        if (!change.data.kinds.includes('requests')) await stream.next((e) => e.event === 'change' && e.data.kinds.includes('requests'));
      } finally {
        stream.close();
      }
    } finally {
      await a.app.close();
      await b.app.close();
      await a.storage.close();
      await b.storage.close();
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    }
  }, 30_000);
});
