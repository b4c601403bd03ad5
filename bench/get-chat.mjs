// getChat throughput: ymchat (full auth, hourly quota counting, parallel semaphore, SQLite read)
// against a bare node:http server answering the same bytes, driven by autocannon in this process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const KEY = `ACMA:${'DemoCommunicationKey'.padEnd(40, '0')}:0000c001`;
const PATH = '/v2/businesses/1000001/chat?chatId=5000001';

function start(args, env = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

function run(url, label) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: url + PATH, connections: CONNECTIONS, duration: DURATION, headers: { 'api-key': KEY } },
      (err, r) => {
        if (err) return reject(err);
        const non2xx = r.non2xx + r.errors;
        console.log(
          `${label.padEnd(8)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(3)} ms   p99 ${String(r.latency.p99).padStart(3)} ms   non-2xx/errors ${non2xx}`,
        );
        resolve(r);
      },
    );
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-bench-'));
// Limits stay in the path (every request is counted and takes a parallel slot); their numbers are
// raised so the load itself is never refused.
const ymchat = await start(
  ['dist/cli/main.js', 'serve', '--demo', '--data-dir', dir, '--port', '0', '--log-level', 'silent',
   '--limit-overrides', 'getChat=1000000000', '--parallel-limit', '1000'],
);
const probe = await fetch(ymchat.url + PATH, { headers: { 'api-key': KEY } });
const body = await probe.text();
if (probe.status !== 200) throw new Error(`probe failed: ${probe.status} ${body}`);
const bare = await start(['bench/bare-server.mjs'], {
  BARE_BODY: body,
  BARE_HEADERS: JSON.stringify({ 'content-type': probe.headers.get('content-type') }),
});

console.log(`getChat, ${CONNECTIONS} connections, ${DURATION} s each, ${os.cpus().length} cores, node ${process.version}`);
await run(bare.url, 'bare'); // warm-up of the measuring side
const rBare = await run(bare.url, 'bare');
await run(ymchat.url, 'ymchat'); // warm-up (JIT, SQLite page cache)
const rYm = await run(ymchat.url, 'ymchat');
const ratio = rYm.requests.average / rBare.requests.average;
console.log(`ratio ymchat/bare: ${(ratio * 100).toFixed(1)}%  (target ≥ 50%)   ymchat p99: ${rYm.latency.p99} ms (target < 10 ms)`);
const ok = ratio >= 0.5 && rYm.latency.p99 < 10 && rYm.non2xx === 0;
console.log(ok ? 'PASS' : 'MISS');
ymchat.child.kill('SIGTERM');
bare.child.kill('SIGTERM');
fs.rmSync(dir, { recursive: true, force: true });
process.exitCode = ok ? 0 : 1;
