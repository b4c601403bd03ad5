import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PG_URL, TEST_DIALECT, tempDir } from '../helpers/app.js';
import { DEMO, KEY } from '../helpers/demo.js';
import { CLI, spawnedSchemaPrefix, spawnServer, type ServerProcess } from '../helpers/process.js';
import { accept, startReceiver, type Receiver } from '../notify/receiver.js';

/**
 * Three real instances over one PostgreSQL schema behave as one: migrations once, hourly limits
 * exact, at most 4 requests in flight per business, faults and the clock shared, and the outbox
 * delivered by three workers with no duplicate, in order, and nothing lost after a kill -9.
 */
const built = fs.existsSync(CLI);
const TOKEN = 'three-instances-token';
const BIZ = DEMO.businessId;
const T1 = Date.parse('2026-11-21T07:00:00Z');

describe.skipIf(!built || !PG_URL || TEST_DIALECT !== 'postgres')('three instances on one PostgreSQL database', () => {
  const schema = `${spawnedSchemaPrefix()}three_${crypto.randomBytes(4).toString('hex')}`;
  const dirs = [tempDir(), tempDir(), tempDir()];
  let servers: ServerProcess[] = [];
  let rx: Receiver | null = null;
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await rx?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const start = (i: number) =>
    spawnServer(['--data-dir', dirs[i], '--database', PG_URL, '--pg-schema', schema, '--admin-token', TOKEN, '--limit-overrides', 'getChat=30'], {
      YMCHAT_NOTIFY_PARTNER_MESSAGES: 'true',
    });
  const control = async (s: ServerProcess, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}/_sandbox${path}`, {
      method,
      headers: { 'x-admin-token': TOKEN, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const getChat = async (s: ServerProcess) => {
    const res = await fetch(`${s.url}/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`, { headers: { 'Api-Key': KEY } });
    const body = (await res.json()) as any;
    return { status: res.status, message: body.errors?.[0]?.message as string | undefined };
  };
  /** Polls until `check` holds (news between instances travels in milliseconds; bounded). */
  const eventually = async (check: () => Promise<boolean>, what: string, withinMs = 5_000) => {
    for (let i = 0; i < withinMs / 50; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never happened: ${what}`);
  };

  it('start together and migrate once; the clock set on A is seen on B and C', { timeout: 120_000 }, async () => {
    const starting = [0, 1, 2].map(start);
    // Stopped in afterAll even when one of them fails to start.
    void Promise.allSettled(starting).then((r) => r.forEach((x) => x.status === 'fulfilled' && !servers.includes(x.value) && servers.push(x.value)));
    servers = await Promise.all(starting);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const { rows } = await c.query(`select count(*)::int as n from "${schema}".kysely_migration`);
    await c.end();
    expect(rows[0].n).toBeGreaterThan(0);
    expect((await control(servers[0], 'POST', '/reset', { to: 'demo' })).status).toBe(200);

    const [a, b, cc] = servers;
    expect((await control(a, 'POST', '/clock', { action: 'freeze', at: T1 })).status).toBe(200);
    for (const s of [b, cc]) await eventually(async () => (await control(s, 'GET', '/clock')).body.nowMs === T1, 'clock frozen on every instance');
    await control(a, 'POST', '/clock', { action: 'advance', by: '+1h' });
    for (const s of [b, cc]) await eventually(async () => (await control(s, 'GET', '/clock')).body.nowMs === T1 + 3600_000, 'clock advanced on every instance');
  });

  it('the hourly limit is exact across instances', async () => {
    const answers = await Promise.all(servers.map(async (s) => {
      const out = [];
      for (let i = 0; i < 15; i++) out.push(await getChat(s));
      return out;
    }));
    const all = answers.flat();
    expect(all.filter((r) => r.status === 200)).toHaveLength(30);
    expect(all.filter((r) => r.status === 420 && /per 1 hour/.test(r.message ?? ''))).toHaveLength(15);
    // A new window (clock moved on A) opens the quota on every instance.
    await control(servers[0], 'POST', '/clock', { action: 'advance', by: '+1h' });
    for (const s of servers) await eventually(async () => (await getChat(s)).status === 200, 'new hourly window');
  });

  it('a fault set through A hits a call on B, once', async () => {
    const [a, b] = servers;
    expect((await control(a, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: 500, count: 1 })).status).toBe(201);
    await eventually(async () => (await getChat(b)).status === 500, 'the fault hits on B');
    expect((await control(a, 'GET', `/faults?businessId=${BIZ}`)).body.faults).toEqual([]);
    expect((await getChat(a)).status).toBe(200);
  });

  it('at most 4 requests of a business are in flight across the instances', async () => {
    const [a] = servers;
    await control(a, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: 'DELAY', probability: 1, delayMs: 1500 });
    // Every instance has heard of the fault once one of its calls is slow.
    await Promise.all(servers.map((s) => eventually(async () => {
      const t = Date.now();
      await getChat(s);
      return Date.now() - t >= 1400;
    }, 'the delay fault is seen')));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => getChat(servers[i % 3])));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(4);
    expect(answers.filter((r) => r.status === 420 && /parallel/.test(r.message ?? ''))).toHaveLength(8);
    await control(a, 'DELETE', `/faults?businessId=${BIZ}`);
  });

  it('three workers deliver every event once and in order; a kill -9 loses nothing', { timeout: 240_000 }, async () => {
    const [a, b, c] = servers;
    let killAt = Number.POSITIVE_INFINITY;
    rx = await startReceiver((r) => {
      if (r.body?.notificationType !== 'PING' && rx && rx.notifications().length >= killAt) {
        killAt = Number.POSITIVE_INFINITY;
        b.child.kill('SIGKILL');
      }
      return { ...accept(), delayMs: 2 };
    });
    const sub = await control(a, 'POST', `/businesses/${BIZ}/subscriptions`, { url: `${rx.url}/hook`, eventTypes: ['CHAT_MESSAGE_SENT'] });
    expect(sub.body.enabled).toBe(true);

    const write = async (n: number, from: number, via: ServerProcess[]) =>
      Promise.all(via.map(async (s, k, live) => {
        for (let i = k; i < n; i += live.length) {
          const chat = [DEMO.chats.order, DEMO.chats.orderWaiting, DEMO.chats.direct][i % 3];
          const r = await control(s, 'POST', `/chats/${chat}/messages`, { text: `m${from + i}`, sender: 'CUSTOMER' });
          expect(r.status).toBe(201);
        }
      }));
    const expected = async () => {
      const db = new pg.Client({ connectionString: PG_URL });
      await db.connect();
      const { rows } = await db.query(
        `select e.payload from "${schema}".deliveries d join "${schema}".events e on e.id = d.event_id where d.subscription_id = $1 and e.type = 'CHAT_MESSAGE_SENT' order by d.id`,
        [sub.body.id],
      );
      await db.end();
      return rows.map((r) => JSON.parse(r.payload).messageId as string);
    };
    const received = () => rx!.notifications('/hook').map((n) => n.messageId as string);

    // Phase 1: all three alive: exactly once, in order.
    await write(200, 0, [a, b, c]);
    const first = await expected();
    expect(first).toHaveLength(200);
    await eventually(async () => received().length >= 200, '200 notifications delivered', 90_000);
    expect(received()).toEqual(first);

    // Phase 2: B dies mid-delivery; its claim passes to A or C after the lease.
    // Written through A and C only: B is killed while they are being delivered.
    killAt = 230;
    await write(100, 200, [a, c]);
    const all = await expected();
    expect(all).toHaveLength(300);
    await eventually(async () => new Set(received()).size >= 300, 'every notification delivered after the kill', 90_000);
    const got = received();
    expect(new Set(got).size).toBe(300);
    // At least once after a crash, in order: collapsing a repeat of the one in flight gives the list.
    expect(got.filter((id, i) => i === 0 || got[i - 1] !== id)).toEqual(all);
    expect(b.child.signalCode).toBe('SIGKILL');
    expect(a.child.exitCode).toBeNull();
    expect(c.child.exitCode).toBeNull();
  });
});
