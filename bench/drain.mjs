// The outbox drain: deliveries/s to a fast local receiver, on SQLite and (with BENCH_PG_URL) on
// PostgreSQL, with one subscription (its cycle latency is what counts: one subscription delivers
// one notification at a time) and with several (they deliver in parallel); whether draining a
// large backlog stays linear; and what an active subscription costs the partner API.
// Run by `npm run bench:scale`, or alone: `npm run bench:drain`.
// Env: BENCH_DRAIN (sizes, default 2000,20000), BENCH_DRAIN_SUBS (several = 8),
// BENCH_DRAIN_TIMEOUT (s, 180), BENCH_DRAIN_API_SECONDS (3; 0 skips the API ratio),
// BENCH_DRAIN_NODE_FLAGS (e.g. --cpu-prof for the servers), BENCH_PG_URL.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { BUSINESS, CHAT, KEY, cpuMicros, fmt, median, start, table } from './lib.mjs';
import { openStorage } from '../dist/storage/storage.js';
import { seedDemo } from '../dist/domain/demo.js';

const SIZES = (process.env.BENCH_DRAIN ?? '2000,20000').split(',').map(Number).filter((n) => n > 0);
const SEVERAL = Number(process.env.BENCH_DRAIN_SUBS ?? 8);
const TIMEOUT_S = Number(process.env.BENCH_DRAIN_TIMEOUT ?? 180);
const API_SECONDS = Number(process.env.BENCH_DRAIN_API_SECONDS ?? 3);
const NODE_FLAGS = (process.env.BENCH_DRAIN_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const TARGET = { sqlite: 1000, postgres: 500 };
const ADMIN = 'bench-admin-token';
const EVENT_TYPES = JSON.stringify(['CHAT_CREATED', 'CHAT_MESSAGE_SENT', 'CHAT_ARBITRAGE_STARTED', 'CHAT_ARBITRAGE_FINISHED']);

/** Answers every notification as Market expects; counts arrivals and notes the first and last. */
export function receiver() {
  let count = 0;
  let first = 0;
  let last = 0;
  let waiter = null;
  let onFirst = null;
  const srv = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: '1.0', name: 'bench', time: new Date().toISOString() }));
      last = performance.now();
      if (count++ === 0) {
        first = last;
        onFirst?.();
      }
      if (waiter && count >= waiter.n) waiter.resolve();
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${srv.address().port}/`,
    get count() { return count; },
    get span() { return (last - first) / 1000; },
    reset(hook = null) { count = 0; first = 0; last = 0; onFirst = hook; },
    until: (n) => new Promise((r) => { waiter = { n, resolve: r }; if (count >= n) r(); }),
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  })));
}

/** Where a measurement's database lives: a temp folder (SQLite) or a schema of its own (PostgreSQL). */
async function place(db, tmp, name) {
  if (db === 'sqlite') {
    const dir = path.join(tmp, name);
    return { open: () => openStorage({ database: 'sqlite', dataDir: dir }), args: ['--data-dir', dir], create: async () => {}, drop: async () => {} };
  }
  const schema = `ymchat_drain_${process.pid}_${name.replace(/\W/g, '_')}`;
  const url = new URL(db);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    open: () => openStorage({ database: db, dataDir: tmp, pgSchema: schema }),
    create: async () => {
      const admin = new pg.Client({ connectionString: db });
      await admin.connect();
      await admin.query(`create schema if not exists ${schema}`);
      await admin.end();
    },
    args: ['--data-dir', tmp, '--database', url.toString()],
    drop: async () => {
      const admin = new pg.Client({ connectionString: db });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}

// The seller's own messages notify too, so sendMessageToChat writes to the outbox.
const serve = (args, extra = []) =>
  start([...NODE_FLAGS, 'dist/cli/main.js', 'serve', '--port', '0', '--limits', 'off', '--log-level', 'error', ...args, ...extra], { YMCHAT_NOTIFY_PARTNER_MESSAGES: '1' });

/** Writes `n` pending notifications spread over `subs` subscriptions, then times a server draining them. */
async function drain(db, tmp, rcv, n, subs) {
  const where = await place(db, tmp, `drain-${n}-${subs}`);
  const storage = await where.open();
  try {
    const now = Date.now();
    await seedDemo(storage, now);
    const ids = [];
    for (let i = 0; i < subs; i++) {
      const row = await storage.db.insertInto('subscriptions')
        .values({ business_id: BUSINESS, url: `${rcv.url}s${i}`, event_types: EVENT_TYPES, enabled: 1, disabled_reason: null, created_at: now, updated_at: now })
        .returning('id').executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    const batch = 500;
    for (let from = 0; from < n; from += batch) {
      await storage.db.transaction().execute(async (trx) => {
        const count = Math.min(batch, n - from);
        const payloads = Array.from({ length: count }, (_, k) => ({
          business_id: BUSINESS, type: 'CHAT_MESSAGE_SENT', created_at: now,
          payload: JSON.stringify({ notificationType: 'CHAT_MESSAGE_SENT', businessId: BUSINESS, chatId: CHAT, messageId: String(100000 + from + k), sentAt: new Date(now).toISOString() }),
        }));
        const events = await trx.insertInto('events').values(payloads).returning('id').execute();
        await trx.insertInto('deliveries').values(events.map((e, k) => ({
          event_id: e.id, subscription_id: ids[(from + k) % subs], state: 'PENDING', attempts: 0, first_failed_at: null,
          next_attempt_at: now, claimed_by: null, claimed_until: null, created_at: now, updated_at: now,
        }))).execute();
      });
    }
  } finally {
    await storage.close();
  }
  let server = null;
  let cpu0 = 0;
  rcv.reset(() => { cpu0 = cpuMicros(server.pid); });
  server = await serve(where.args);
  const done = await Promise.race([rcv.until(n).then(() => true), new Promise((r) => setTimeout(() => r(false), TIMEOUT_S * 1000))]);
  const cpuUs = (cpuMicros(server.pid) - cpu0) / Math.max(1, rcv.count - 1);
  await server.stop();
  await where.drop();
  // Timed from the first delivery to the last: the server's start is not the drain's business.
  const rate = rcv.count > 1 ? (rcv.count - 1) / rcv.span : 0;
  return { n, subs, delivered: rcv.count, seconds: rcv.span, rate, cpuUs, complete: done };
}

/** sendMessageToChat req/s, alternating rounds without and with an active subscription (median of each). */
async function apiCost(db, tmp, rcv) {
  const where = await place(db, tmp, 'api');
  await where.create();
  const server = await serve(where.args, ['--demo', '--admin-token', ADMIN, ...(db === 'sqlite' ? [] : ['--reset'])]);
  const control = (method, p, body) => fetch(`${server.url}/_sandbox${p}`, {
    method, headers: { 'x-admin-token': ADMIN, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body && JSON.stringify(body),
  }).then(async (r) => { if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`); return r.json(); });
  const run = (seconds) => new Promise((resolve, reject) => autocannon({
    url: `${server.url}/v2/businesses/${BUSINESS}/chats/message?chatId=${CHAT}`, method: 'POST', connections: 8, duration: seconds,
    headers: { 'api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'drain bench' }),
  }, (e, r) => (e ? reject(e) : resolve(r.requests.average))));
  const sub = await control('POST', `/businesses/${BUSINESS}/subscriptions`, { url: rcv.url, eventTypes: ['CHAT_MESSAGE_SENT'] });
  const subPath = `/businesses/${BUSINESS}/subscriptions/${sub.id ?? sub.subscriptionId}`;
  await control('POST', `${subPath}/disable`);
  const without = [];
  const withSub = [];
  let sent = 0;
  try {
    await run(1);
    for (let round = 0; round < 3; round++) {
      await control('POST', `${subPath}/disable`);
      without.push(await run(API_SECONDS));
      const before = rcv.count;
      await control('POST', `${subPath}/enable`);
      withSub.push(await run(API_SECONDS));
      sent += rcv.count - before;
    }
  } finally {
    await server.stop();
    await where.drop();
  }
  return { without: median(without), with: median(withSub), ratio: median(withSub) / median(without), delivered: sent };
}

const HEADERS = ['pending over subscriptions', 'delivered', 's', 'deliveries/s', 'server CPU µs/delivery', ''];

/** Every drain measurement on one database; returns result entries and PASS/MISS verdicts. */
export async function drainBench(db, { log = console.log } = {}) {
  const label = db === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const kind = db === 'sqlite' ? 'sqlite' : 'postgres';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-drain-'));
  const rcv = await receiver();
  const results = {};
  const verdicts = [];
  const rows = [];
  try {
    for (const subs of new Set([1, SEVERAL])) {
      for (const n of SIZES) {
        const d = await drain(db, tmp, rcv, n, subs);
        results[`outbox drain ${label} ${n} × ${subs} subscription(s)`] = { rate: d.rate, seconds: d.seconds, cpuUs: d.cpuUs };
        rows.push([`${n} over ${subs}`, `${d.delivered}/${n}`, fmt(d.seconds, 2), fmt(d.rate, 0), fmt(d.cpuUs, 0), d.complete ? '' : 'timed out']);
        log(table(HEADERS, [rows.at(-1)]).split('\n')[2]);
        verdicts.push([`outbox on ${label}: ${n} pending over ${subs} subscription(s) at ≥ ${TARGET[kind]} deliveries/s`, d.complete && d.rate >= TARGET[kind], `${fmt(d.rate, 0)}/s`]);
      }
      if (SIZES.length > 1) {
        const small = results[`outbox drain ${label} ${SIZES[0]} × ${subs} subscription(s)`].rate;
        const large = results[`outbox drain ${label} ${SIZES.at(-1)} × ${subs} subscription(s)`].rate;
        verdicts.push([`outbox on ${label}: draining ${SIZES.at(-1)} is linear (rate within 20 % of ${SIZES[0]}'s), ${subs} subscription(s)`, large >= small * 0.8, `${fmt(large, 0)}/s vs ${fmt(small, 0)}/s`]);
      }
    }
    if (API_SECONDS > 0) {
      const a = await apiCost(db, tmp, rcv);
      results[`API with a subscription ${label}`] = { ratio: a.ratio, rps: a.with, rpsWithout: a.without };
      log(`sendMessageToChat on ${label}: ${fmt(a.without, 0)} req/s without a subscription, ${fmt(a.with, 0)} with one (${a.delivered} delivered meanwhile) = ${fmt(a.ratio * 100, 0)} %`);
      verdicts.push([`${label}: an active subscription costs sendMessageToChat ≤ 10 % throughput`, a.ratio >= 0.9, `${fmt(a.ratio * 100, 0)} %`]);
    }
  } finally {
    await rcv.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { results, verdicts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`ymchat bench:drain: ${os.cpus().length} cores, node ${process.version}`);
  const all = [];
  for (const db of ['sqlite', ...(process.env.BENCH_PG_URL ? [process.env.BENCH_PG_URL] : [])]) {
    console.log(`\nOutbox drain on ${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (first delivery to last):`);
    all.push(...(await drainBench(db)).verdicts);
  }
  console.log('');
  for (const [what, ok, value] of all) console.log(`${ok ? 'PASS' : 'MISS'}  ${what} (${value})`);
}
