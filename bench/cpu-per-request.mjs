// CPU time the server process spends per getChat request (from /proc): a figure that holds on a
// busy machine, where requests/s do not. Usage: node bench/cpu-per-request.mjs [ymchat|fastify|bare] [serve flags]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import autocannon from 'autocannon';
const KEY = `ACMA:${'DemoCommunicationKey'.padEnd(40, '0')}:0000c001`;
const target = process.argv[2] ?? 'ymchat';
fs.rmSync('/tmp/ymcpu', { recursive: true, force: true });
const args = target === 'bare' ? ['bench/bare-server.mjs'] : target === 'fastify' ? ['bench/fastify-bare.mjs'] : ['dist/cli/main.js', 'serve', '--demo', '--data-dir', '/tmp/ymcpu', '--port', '0', '--log-level', 'silent', '--limit-overrides', 'getChat=1000000000', '--parallel-limit', '1000', ...process.argv.slice(3)];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BARE_BODY: '{"status":"OK"}' } });
let out = '';
const url = await new Promise((r) => child.stdout.on('data', (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) r(m[1]); }));
const cpu = () => { const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const go = (amount) => new Promise((r) => autocannon({ url: url + '/v2/businesses/1000001/chat?chatId=5000001', connections: 16, amount, headers: { 'api-key': KEY } }, (e, res) => r(res)));
await go(5000);
const c0 = cpu(); const N = 20000; const res = await go(N); const c1 = cpu();
console.log(`${target}: ${((c1 - c0) * 1000 / N).toFixed(1)} µs CPU per request (server process), non2xx=${res.non2xx}`);
child.kill();
