// `npm run bench:scale`: every operation on a small database and on a large one, both built by SQL
// generation (the demo plus 5k chats and a chat of 1k messages; 1M chats, 5M messages, one chat of
// 200k), latency compared (target ±20 %) and
// checked for event-loop blocking (≤ 5 ms); the outbox drain rate; RSS after a minute of mixed load.
// Env: BENCH_SCALE_CHATS (1000000), BENCH_SCALE_MESSAGES (5000000), BENCH_SCALE_BIG_CHAT (200000),
// BENCH_SCALE_SMALL_CHATS (5000), BENCH_SCALE_SMALL_BIG_CHAT (1000),
// BENCH_SCALE_REQUESTS (200 per operation), BENCH_RSS_SECONDS (60), BENCH_PG_URL (also measure on
// PostgreSQL), BENCH_SCALE_RESULT, BENCH_SCALE_PARTS (sizes,drain,rss), BENCH_SCALE_DIR (a folder
// for the large SQLite database, built there once and kept); the drain's own settings are in
// bench/drain.mjs (BENCH_DRAIN…).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { BUSINESS, KEY, compareWithPrevious, cpuMicros, fmt, load, median, rssMb, start, table } from './lib.mjs';
import { BIG_CHAT, FIRST_GENERATED_CHAT, buildScaleDb } from './scale-data.mjs';
import { drainBench } from './drain.mjs';

const CHATS = Number(process.env.BENCH_SCALE_CHATS ?? 1_000_000);
const MESSAGES = Number(process.env.BENCH_SCALE_MESSAGES ?? 5_000_000);
const BIG = Number(process.env.BENCH_SCALE_BIG_CHAT ?? 200_000);
// The small side: every page as full as at scale (the demo's own pages hold 0–6 chats, and a full
// page costs more by its size alone), so the comparison shows only what grows with the data.
const SMALL_CHATS = Number(process.env.BENCH_SCALE_SMALL_CHATS ?? 5000);
const SMALL_BIG_CHAT = Number(process.env.BENCH_SCALE_SMALL_BIG_CHAT ?? 1000);
const SMALL = { chats: SMALL_CHATS, messages: SMALL_BIG_CHAT + SMALL_CHATS, bigChat: SMALL_BIG_CHAT };
const LARGE = { chats: CHATS, messages: MESSAGES, bigChat: BIG };
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 200);
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 60);
const CPU_SECONDS = Number(process.env.BENCH_SCALE_CPU_SECONDS ?? 2);
const RESULT = process.env.BENCH_SCALE_RESULT ?? 'bench/results/scale-last.json';
/** Which parts run: `sizes` (every operation, both databases), `drain`, `rss`. */
const PARTS = new Set((process.env.BENCH_SCALE_PARTS ?? 'sizes,drain,rss').split(','));
const BIZ = `/v2/businesses/${BUSINESS}`;
const token = (nextId) => Buffer.from(JSON.stringify({ nextId })).toString('base64');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-scale-'));
const log = (...a) => console.log(...a);

/** Every operation, with the shapes that used to grow with the data (filters, deep pages). */
function operations(size) {
  const deep = FIRST_GENERATED_CHAT + 1000;
  const chats = (name, body, q = '') => ({ name: `getChats ${name}`, method: 'POST', path: `${BIZ}/chats?limit=20${q}`, body });
  return [
    { name: 'getChat', method: 'GET', path: `${BIZ}/chat?chatId=5000001` },
    chats('(no filter)', {}),
    chats('deep page', {}, `&pageToken=${token(deep)}`),
    chats('status', { statuses: ['NEW'] }),
    chats('status, no match', { statuses: ['WAITING_FOR_MARKET'] }),
    chats('type, deep page', { types: ['ARBITRAGE'] }, `&pageToken=${token(deep)}`),
    chats('context type', { contextTypes: ['RETURN'] }),
    chats('all filters', { statuses: ['NEW', 'FINISHED'], types: ['CHAT'], contextTypes: ['ORDER', 'DIRECT'] }),
    chats('contexts', { contexts: [{ type: 'ORDER', id: 3000001 }, { type: 'ORDER', id: 20000000 + 500000 }] }),
    chats('orderIds', { orderIds: [3000001, 20000000 + 500010] }),
    { name: 'getChatMessage', method: 'GET', path: `${BIZ}/chats/message?chatId=${BIG_CHAT}&messageId=1` },
    { name: 'getChatHistory first page', method: 'POST', path: `${BIZ}/chats/history?chatId=${BIG_CHAT}&limit=20`, body: {} },
    { name: 'getChatHistory deep page', method: 'POST', path: `${BIZ}/chats/history?chatId=${BIG_CHAT}&limit=20`, body: { messageIdFrom: Math.max(1, size.bigChat - 10) } },
    { name: 'getCampaigns', method: 'GET', path: '/v2/campaigns' },
    { name: 'createChat (existing)', method: 'POST', path: `${BIZ}/chats/new`, body: { context: { type: 'ORDER', id: 3000001 } } },
    { name: 'sendMessageToChat', method: 'POST', path: `${BIZ}/chats/message?chatId=5000002`, body: { message: 'scale' } },
  ];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function once(url, op) {
  return new Promise((resolve, reject) => {
    const body = op.body !== undefined ? JSON.stringify(op.body) : undefined;
    const t0 = performance.now();
    const req = http.request(url + op.path, {
      method: op.method, agent,
      headers: { 'api-key': KEY, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sequential requests (one at a time) for latency, then a short burst for the server's CPU time per
 * request: on a shared machine wall time wanders, CPU time much less. A request's CPU time also
 * bounds how long it held the event loop (SQLite answers synchronously).
 */
async function latency(server, op) {
  const url = server.url;
  for (let i = 0; i < 20; i++) await once(url, op);
  const times = [];
  let bad = 0;
  let sample = '';
  for (let i = 0; i < REQUESTS; i++) {
    const r = await once(url, op);
    times.push(r.ms);
    if (r.status !== 200) { bad++; sample = r.body; }
  }
  times.sort((a, b) => a - b);
  if (bad > 0) console.log(`  ${op.name}: ${bad} answers not 200, e.g. ${sample.slice(0, 200)}`);
  const burst = await load(server, op, { seconds: CPU_SECONDS, connections: 4 });
  return { p50: median(times), p99: times[Math.floor(times.length * 0.99)], cpuUs: burst.cpuUs, bad: bad + burst.bad };
}

async function serve(dataDir, extra = [], nodeFlags = []) {
  return start([...nodeFlags, 'dist/cli/main.js', 'serve', '--data-dir', dataDir, '--port', '0', '--limits', 'off', '--log-level', 'error', ...extra]);
}

/** Both sizes served at once, each operation measured on one then the other, so both see the same machine. */
async function measureBoth(smallDir, bigDir, extraSmall = [], extraBig = extraSmall) {
  const smallServer = await serve(smallDir, extraSmall);
  const big = await serve(bigDir, extraBig);
  const small = {};
  const large = {};
  try {
    const atScale = new Map(operations(LARGE).map((op) => [op.name, op]));
    for (const op of operations(SMALL)) {
      small[op.name] = await latency(smallServer, op);
      large[op.name] = await latency(big, atScale.get(op.name));
    }
  } finally {
    await smallServer.stop();
    await big.stop();
  }
  return { small, large };
}

const results = {};
const verdicts = [];

async function sizeComparison(label, smallDir, bigDir, extra = []) {
  log(`\n${label}: every operation, ${REQUESTS} sequential requests each, ${SMALL.chats} chats / ${SMALL.messages} messages vs ${CHATS} chats / ${MESSAGES} messages`);
  const { small, large: big } = await measureBoth(smallDir, bigDir, extra);
  const rows = [];
  for (const name of Object.keys(small)) {
    const a = small[name];
    const b = big[name];
    const change = b.cpuUs / a.cpuUs - 1;
    results[`${label}: ${name}`] = { smallP50: a.p50, largeP50: b.p50, largeP99: b.p99, smallCpuUs: a.cpuUs, largeCpuUs: b.cpuUs, change };
    rows.push([name, fmt(a.p50, 2), fmt(b.p50, 2), fmt(b.p99, 2), fmt(a.cpuUs, 0), fmt(b.cpuUs, 0), `${change >= 0 ? '+' : ''}${fmt(change * 100, 0)}%`, a.bad + b.bad]);
    verdicts.push([`${label}: ${name} at scale within ±20 % of small (CPU/request)`, Math.abs(change) <= 0.2, `${fmt(change * 100, 0)}%`]);
    verdicts.push([`${label}: ${name} blocks the event loop ≤ 5 ms (CPU/request at scale)`, b.cpuUs <= 5000, `${fmt(b.cpuUs / 1000, 2)} ms; wall p99 ${fmt(b.p99, 2)} ms`]);
  }
  log(table(['operation', 'small p50 ms', 'large p50 ms', 'large p99 ms', 'small µs/req', 'large µs/req', 'change', 'bad'], rows));
}

/**
 * RSS sampled once a second through the load: one reading swings by tens of MB with where V8's
 * heap and malloc's arenas stand in their cycles, so the figure judged is the median of the
 * second half's samples, beside the last one and the highest.
 */
async function rssUnderLoad(dataDir, nodeFlags) {
  const server = await serve(dataDir, [], nodeFlags);
  const reqs = operations(LARGE).map((op) => ({
    method: op.method, path: op.path,
    ...(op.body !== undefined ? { body: JSON.stringify(op.body), headers: { 'content-type': 'application/json' } } : {}),
  }));
  const before = rssMb(server.pid);
  const samples = [];
  const sampler = setInterval(() => samples.push(rssMb(server.pid)), 1000);
  const r = await new Promise((resolve, reject) => autocannon({
    url: server.url, connections: 8, duration: RSS_SECONDS, headers: { 'api-key': KEY }, requests: reqs,
  }, (e, res) => (e ? reject(e) : resolve(res))));
  clearInterval(sampler);
  const after = rssMb(server.pid);
  await server.stop();
  const late = samples.slice(Math.floor(samples.length / 2));
  return { before, after, median: median(late.length > 0 ? late : [after]), max: Math.max(after, ...samples), requests: r.requests.total, non2xx: r.non2xx };
}

// --- run ---
log(`ymchat bench:scale: ${os.cpus().length} cores, node ${process.version}`);
const smallDir = path.join(tmp, 'small');
await buildScaleDb({ dataDir: smallDir, ...SMALL });
// A large database built before (BENCH_SCALE_DIR) is used as it is, and kept.
const bigDir = process.env.BENCH_SCALE_DIR ?? path.join(tmp, 'large');
if (!fs.existsSync(path.join(bigDir, 'ymchat.sqlite'))) {
  log(`Building ${CHATS} chats / ${MESSAGES} messages (${BIG} in chat ${BIG_CHAT}) on SQLite…`);
  await buildScaleDb({ dataDir: bigDir, ...LARGE, log });
}
log(`  file: ${(fs.statSync(path.join(bigDir, 'ymchat.sqlite')).size / 1e6).toFixed(0)} MB`);

if (PARTS.has('sizes')) await sizeComparison('SQLite', smallDir, bigDir);

if (PARTS.has('sizes') && process.env.BENCH_PG_URL) {
  const admin = new pg.Client({ connectionString: process.env.BENCH_PG_URL });
  await admin.connect();
  const schemas = [`ymchat_scale_small_${process.pid}`, `ymchat_scale_large_${process.pid}`];
  try {
    const urlOf = (schema) => { const u = new URL(process.env.BENCH_PG_URL); u.searchParams.set('options', `-c search_path=${schema}`); return u.toString(); };
    await buildScaleDb({ database: process.env.BENCH_PG_URL, dataDir: tmp, pgSchema: schemas[0], ...SMALL });
    log(`Building the same on PostgreSQL…`);
    await buildScaleDb({ database: process.env.BENCH_PG_URL, dataDir: tmp, pgSchema: schemas[1], ...LARGE, log });
    const { small: smallPg, large: bigPg } = await measureBoth(tmp, tmp, ['--database', urlOf(schemas[0])], ['--database', urlOf(schemas[1])]);
    const rows = [];
    for (const name of Object.keys(smallPg)) {
      const change = bigPg[name].p50 / smallPg[name].p50 - 1;
      results[`PostgreSQL: ${name}`] = { smallP50: smallPg[name].p50, largeP50: bigPg[name].p50, largeP99: bigPg[name].p99, change };
      rows.push([name, fmt(smallPg[name].p50, 2), fmt(bigPg[name].p50, 2), `${change >= 0 ? '+' : ''}${fmt(change * 100, 0)}%`, fmt(bigPg[name].p99, 2)]);
      // The database's own work is in another process: wall latency is the measure here.
      verdicts.push([`PostgreSQL: ${name} latency at scale within ±20 % of small (p50)`, Math.abs(change) <= 0.2, `${fmt(change * 100, 0)}%`]);
    }
    log('\nPostgreSQL:');
    log(table(['operation', 'small p50 ms', 'large p50 ms', 'change', 'large p99 ms'], rows));
  } finally {
    for (const s of schemas) await admin.query(`drop schema if exists ${s} cascade`);
    await admin.end();
  }
}

// The outbox drain (bench/drain.mjs): SQLite, and PostgreSQL with BENCH_PG_URL.
for (const db of PARTS.has('drain') ? ['sqlite', ...(process.env.BENCH_PG_URL ? [process.env.BENCH_PG_URL] : [])] : []) {
  log(`\nOutbox drain on ${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (first delivery to last):`);
  const d = await drainBench(db, { log });
  Object.assign(results, d.results);
  verdicts.push(...d.verdicts);
}

if (RSS_SECONDS > 0 && PARTS.has('rss')) {
  // V8's young generation grows to tens of MB under load; a 2 MB semi-space (what `npm start` uses)
  // keeps it small at a few more, cheap, scavenges.
  for (const flags of [[], ['--max-semi-space-size=2']]) {
    const label = flags.length ? flags.join(' ') : 'node defaults';
    log(`\nRSS at ${CHATS} chats, ${RSS_SECONDS} s of mixed load (every operation in turn, 8 connections), ${label}…`);
    const r = await rssUnderLoad(bigDir, flags);
    results[`rss, ${label}`] = { mb: r.median, lastMb: r.after, maxMb: r.max, startMb: r.before };
    log(`  RSS ${fmt(r.before, 0)} MB at start; over the second half of the load median ${fmt(r.median, 0)} MB, at the end ${fmt(r.after, 0)}, highest ${fmt(r.max, 0)} (${r.requests} requests, ${r.non2xx} not 2xx)`);
    verdicts.push([`RSS ≤ 150 MB under the mixed load (median of the second half), ${label}`, r.median <= 150, `${fmt(r.median, 0)} MB`]);
  }
}

log('');
for (const [what, ok, value] of verdicts) log(`${ok ? 'PASS' : 'MISS'}  ${what} (${value})`);
const flags = compareWithPrevious(RESULT, results, [['largeCpuUs', false], ['rate', true], ['cpuUs', false], ['ratio', true], ['mb', false]]);
log(flags.length > 0 ? `\nRegressions > 20 % against the previous result:\n  ${flags.join('\n  ')}` : '\nNo regression > 20 % against the previous result.');
fs.mkdirSync(path.dirname(RESULT), { recursive: true });
fs.writeFileSync(RESULT, JSON.stringify({ at: new Date().toISOString(), chats: CHATS, messages: MESSAGES, bigChat: BIG, results }, null, 2));
log(`Result written to ${RESULT}`);
fs.rmSync(tmp, { recursive: true, force: true });
