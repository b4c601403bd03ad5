// `npm run bench`: every partner operation, ymchat against a bare node:http server answering the
// same bytes, alternating in the same run; limits on and off; CPU µs/request of the server process.
// Env: BENCH_SECONDS (3), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32), BENCH_OPS (comma list),
// BENCH_LIMITS (on,off), BENCH_FILES=1 adds sendFileToChat, BENCH_PG_URL adds getChat on PostgreSQL,
// BENCH_SERVE_FLAGS (extra serve flags), BENCH_RESULT (JSON file, default bench/results/last.json).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BUSINESS, CHAT, KEY, compareWithPrevious, fmt, load, median, medianRun, start, table } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const LIMITS = (process.env.BENCH_LIMITS ?? 'on,off').split(',').filter(Boolean);
const ONLY = process.env.BENCH_OPS ? new Set(process.env.BENCH_OPS.split(',')) : null;
const RESULT = process.env.BENCH_RESULT ?? 'bench/results/last.json';
const EXTRA = (process.env.BENCH_SERVE_FLAGS ?? '').split(' ').filter(Boolean);
const BIZ = `/v2/businesses/${BUSINESS}`;

const BOUNDARY = 'ymchatbenchboundary';
const multipart = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(1024)}\r\n--${BOUNDARY}--\r\n`;

/** Every partner operation, with its CPU target (µs/request) from the performance goals. */
function operations(messageId) {
  const ops = [
    { name: 'getChat', method: 'GET', path: `${BIZ}/chat?chatId=${CHAT}`, target: 30, read: true },
    { name: 'getChats', method: 'POST', path: `${BIZ}/chats?limit=20`, body: {}, target: 60, read: true },
    { name: 'getChatMessage', method: 'GET', path: `${BIZ}/chats/message?chatId=${CHAT}&messageId=${messageId}`, target: 60, read: true },
    { name: 'getChatHistory', method: 'POST', path: `${BIZ}/chats/history?chatId=${CHAT}&limit=20`, body: {}, target: 60, read: true },
    { name: 'getCampaigns', method: 'GET', path: '/v2/campaigns', target: 60, read: true },
    { name: 'createChat', method: 'POST', path: `${BIZ}/chats/new`, body: { context: { type: 'ORDER', id: 3000001 } }, target: 150, read: false },
    { name: 'sendMessageToChat', method: 'POST', path: `${BIZ}/chats/message?chatId=${CHAT}`, body: { message: 'bench' }, target: 150, read: false },
  ];
  if (process.env.BENCH_FILES === '1') {
    ops.push({
      name: 'sendFileToChat', method: 'POST', path: `${BIZ}/chats/file/send?chatId=${CHAT}`, raw: multipart,
      contentType: `multipart/form-data; boundary=${BOUNDARY}`, target: null, read: false,
    });
  }
  return ops.filter((o) => !ONLY || ONLY.has(o.name));
}

const OVERRIDES = ['getChat', 'getChats', 'getChatMessage', 'getChatHistory', 'getCampaigns', 'createChat', 'sendMessageToChat', 'sendFileToChat']
  .map((m) => `${m}=1000000000`)
  .join(',');

async function startYmchat(limits, database) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-bench-'));
  const args = ['dist/cli/main.js', 'serve', '--demo', '--data-dir', dir, '--port', '0', '--limits', limits,
    '--limit-overrides', OVERRIDES, '--parallel-limit', '1000', ...(database ? ['--database', database, '--reset'] : []), ...EXTRA];
  const server = await start(args);
  const stop = server.stop;
  return { ...server, stop: async () => { await stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** What ymchat answers to an operation, to have the bare server answer the same. */
async function probe(server, op) {
  const res = await fetch(server.url + op.path, {
    method: op.method,
    headers: { 'api-key': KEY, ...(op.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(op.contentType ? { 'content-type': op.contentType } : {}) },
    ...(op.body !== undefined ? { body: JSON.stringify(op.body) } : op.raw ? { body: op.raw } : {}),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${op.name}: ${res.status} ${body}`);
  return { status: 200, headers: { 'content-type': res.headers.get('content-type') }, body };
}

const asLoadOp = (op) => (op.raw ? { ...op, body: undefined, rawBody: op.raw } : op);

async function measure(ymchat, bare, op) {
  const opts = { seconds: SECONDS, connections: CONNECTIONS };
  const lop = asLoadOp(op);
  // Warm-up of both (JIT, page cache), then alternate so both see the same machine load.
  await load(bare, lop, { ...opts, seconds: 1 });
  await load(ymchat, lop, { ...opts, seconds: 1 });
  const b = [];
  const y = [];
  for (let i = 0; i < ROUNDS; i++) {
    b.push(await load(bare, lop, opts));
    y.push(await load(ymchat, lop, opts));
  }
  return { bare: medianRun(b), ymchat: medianRun(y) };
}

const results = {};
// The bare server's p99 is the floor the machine itself sets at this load (2 cores shared with the load generator).
const HEADINGS = ['operation', 'req/s', 'bare', 'ratio', 'p50 ms', 'p99 ms', 'bare p99', 'µs/req', 'bare µs', 'bad'];
const rows = [];
const verdicts = [];
console.log(`ymchat bench: ${CONNECTIONS} connections, ${SECONDS} s × ${ROUNDS} rounds each, ${os.cpus().length} cores, node ${process.version}`);

async function benchSet(label, limits, database) {
  const ymchat = await startYmchat(limits, database);
  const history = await (await fetch(`${ymchat.url}${BIZ}/chats/history?chatId=${CHAT}&limit=1`, {
    method: 'POST', headers: { 'api-key': KEY, 'content-type': 'application/json' }, body: '{}',
  })).json();
  let ops = operations(history.result.messages[0].messageId);
  if (database) ops = ops.filter((o) => o.name === 'getChat');
  const routes = {};
  for (const op of ops) routes[`${op.method} ${op.path}`] = await probe(ymchat, op);
  const routesFile = path.join(os.tmpdir(), `ymchat-bench-routes-${process.pid}.json`);
  fs.writeFileSync(routesFile, JSON.stringify(routes));
  const bare = await start(['bench/bare-server.mjs'], { BARE_ROUTES: routesFile });
  try {
    for (const op of ops) {
      const m = await measure(ymchat, bare, op);
      const name = `${op.name} [${label}]`;
      const ratio = m.ymchat.rps / m.bare.rps;
      results[name] = {
        rps: m.ymchat.rps, bareRps: m.bare.rps, ratio, p50: m.ymchat.p50, p99: m.ymchat.p99, bareP99: m.bare.p99,
        cpuUs: m.ymchat.cpuUs, bareCpuUs: m.bare.cpuUs, bad: m.ymchat.bad,
      };
      rows.push([name, fmt(m.ymchat.rps, 0), fmt(m.bare.rps, 0), `${fmt(ratio * 100)}%`, m.ymchat.p50, m.ymchat.p99, m.bare.p99,
        fmt(m.ymchat.cpuUs), fmt(m.bare.cpuUs), m.ymchat.bad]);
      console.log(table(HEADINGS, [rows.at(-1)]).split('\n')[2]);
      if (op.target && !database) {
        verdicts.push([`${name} CPU ≤ ${op.target} µs/request`, m.ymchat.cpuUs <= op.target, `${fmt(m.ymchat.cpuUs)} µs`]);
      }
      if (op.read && !database) verdicts.push([`${name} p99 ≤ 5 ms`, m.ymchat.p99 <= 5, `${m.ymchat.p99} ms`]);
      verdicts.push([`${name} all answers 200`, m.ymchat.bad === 0, `${m.ymchat.bad} bad`]);
    }
  } finally {
    await ymchat.stop();
    await bare.stop();
    fs.rmSync(routesFile, { force: true });
  }
}

for (const limits of LIMITS) await benchSet(`limits ${limits}`, limits, null);

if (process.env.BENCH_PG_URL) {
  // Its own schema, dropped afterwards: the database may be shared.
  const schema = `ymchat_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: process.env.BENCH_PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(process.env.BENCH_PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  try {
    await benchSet('postgres', 'on', url.toString());
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

console.log('\n' + table(HEADINGS, rows));
console.log('');
for (const [what, ok, value] of verdicts) console.log(`${ok ? 'PASS' : 'MISS'}  ${what} (${value})`);
const flags = compareWithPrevious(RESULT, results, [['rps', true], ['ratio', true], ['cpuUs', false]]);
if (flags.length > 0) {
  console.log('\nRegressions > 20 % against the previous result:');
  for (const f of flags) console.log(`  ${f}`);
} else console.log(`\nNo regression > 20 % against ${fs.existsSync(RESULT) ? 'the previous result' : 'a previous result (none yet)'}.`);
fs.mkdirSync(path.dirname(RESULT), { recursive: true });
fs.writeFileSync(RESULT, JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: os.cpus().length,
  seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, results, medianCpuUs: median(Object.values(results).map((r) => r.cpuUs)) }, null, 2));
console.log(`Result written to ${RESULT}`);
