// `npm run bench:instructions`: instructions the server process runs per request, counted by
// valgrind's callgrind: the same count for the same code whatever else the machine is doing, so
// a change of a few percent shows where CPU time on a shared machine cannot (kernel time is not
// counted: the socket's system calls cost the bare server as much as ymchat). Each operation on
// ymchat, against the bare node:http server answering the same bytes, under the same load:
// BENCH_WARM (8000) requests with instrumentation off (fewer leave the JIT compiling inside the
// count), then BENCH_REQUESTS (1000) counted.
// Env: BENCH_OPS (comma list), BENCH_SERVE_FLAGS (extra serve flags). Without valgrind it says so
// and exits 0.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { BUSINESS, CHAT, KEY, fmt, start, table } from './lib.mjs';

const WARM = Number(process.env.BENCH_WARM ?? 8000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const ONLY = process.env.BENCH_OPS ? new Set(process.env.BENCH_OPS.split(',')) : null;
const EXTRA = (process.env.BENCH_SERVE_FLAGS ?? '').split(' ').filter(Boolean);
const BIZ = `/v2/businesses/${BUSINESS}`;

const OPERATIONS = [
  { name: 'getChat', method: 'GET', path: `${BIZ}/chat?chatId=${CHAT}` },
  { name: 'getChats', method: 'POST', path: `${BIZ}/chats?limit=20`, body: '{}' },
  { name: 'getChatMessage', method: 'GET', path: `${BIZ}/chats/message?chatId=${CHAT}&messageId=1` },
  { name: 'getChatHistory', method: 'POST', path: `${BIZ}/chats/history?chatId=${CHAT}&limit=20`, body: '{}' },
  { name: 'getCampaigns', method: 'GET', path: '/v2/campaigns' },
  { name: 'createChat', method: 'POST', path: `${BIZ}/chats/new`, body: '{"context":{"type":"ORDER","id":3000001}}' },
  { name: 'sendMessageToChat', method: 'POST', path: `${BIZ}/chats/message?chatId=${CHAT}`, body: '{"message":"bench"}' },
].filter((o) => !ONLY || ONLY.has(o.name));

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.log('bench:instructions skipped: valgrind is not installed (apt-get install valgrind)');
  process.exit(0);
}

const send = (url, op, amount) =>
  new Promise((resolve, reject) =>
    autocannon(
      { url: url + op.path, method: op.method, body: op.body, amount, connections: 4, timeout: 120, headers: { 'api-key': KEY, 'content-type': 'application/json' } },
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );

/** A server under callgrind, instrumented only while the counted requests run. */
async function count(args, env, op) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-instr-'));
  const out = path.join(dir, 'callgrind.out');
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${out}`, process.execPath, ...args(dir)], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ...env },
  });
  try {
    let text = '';
    const url = await new Promise((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`server exited (${code})`)));
      child.stdout.on('data', (d) => {
        text += d;
        const m = /listening on (http:\/\/\S+)/.exec(text);
        if (m) resolve(m[1]);
      });
    });
    await send(url, op, WARM);
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
    const r = await send(url, op, REQUESTS);
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' });
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    // Everything counted is in the final dump (instrumentation was on only for the counted requests).
    let total = 0;
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('callgrind.out'))) {
      const m = /^totals: (\d+)/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'));
      if (m) total += Number(m[1]);
    }
    return { perRequest: total / REQUESTS, bad: r.non2xx + r.errors };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ymchatArgs = (op) => (dir) => [
  '--max-semi-space-size=2', 'dist/cli/main.js', 'serve', '--demo', '--data-dir', dir, '--port', '0', '--log-level', 'silent',
  '--limit-overrides', `${op.name}=1000000000`, '--parallel-limit', '1000', ...EXTRA,
];

/** What ymchat answers to an operation, for the bare server to answer the same bytes. */
async function answerOf(op) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-instr-'));
  const server = await start(ymchatArgs(op)(dir), {}, 'ignore');
  try {
    const res = await fetch(server.url + op.path, { method: op.method, body: op.body, headers: { 'api-key': KEY, 'content-type': 'application/json' } });
    return { body: await res.text(), contentType: res.headers.get('content-type') };
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`ymchat bench:instructions: ${REQUESTS} requests counted after ${WARM}, node ${process.version}`);
const rows = [];
for (const op of OPERATIONS) {
  const answer = await answerOf(op);
  const bare = await count(() => ['bench/bare-server.mjs'], { BARE_BODY: answer.body, BARE_HEADERS: JSON.stringify({ 'content-type': answer.contentType }) }, op);
  const ours = await count(ymchatArgs(op), {}, op);
  rows.push([op.name, fmt(ours.perRequest / 1000, 0), fmt(bare.perRequest / 1000, 0), `${fmt(ours.perRequest / bare.perRequest, 2)}×`, ours.bad + bare.bad]);
  console.log(`  ${op.name}: ${fmt(ours.perRequest / 1000, 0)}k instructions per request, bare ${fmt(bare.perRequest / 1000, 0)}k`);
}
console.log('');
console.log(table(['operation', 'ymchat k instr/req', 'bare k instr/req', 'ratio', 'bad'], rows));
