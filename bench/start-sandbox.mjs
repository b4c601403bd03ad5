// startYmchat on the built package: how long a sandbox per test costs (temp SQLite, demo data,
// migrations, app build, listen), and a close. The first start also loads the modules.
import os from 'node:os';

const RUNS = Number(process.env.BENCH_STARTS ?? 20);
const t0 = performance.now();
const { startYmchat } = await import('../dist/testing/index.js');
const loaded = performance.now() - t0;

const times = [];
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  const sb = await startYmchat({ notifications: false });
  times.push(performance.now() - started);
  const probe = await fetch(`${sb.url}/v2/businesses/${sb.business}/chat?chatId=5000001`, { headers: { 'api-key': sb.keys.communication } });
  if (probe.status !== 200) throw new Error(`probe answered ${probe.status}`);
  await sb.close();
}
const [first, ...rest] = times;
rest.sort((a, b) => a - b);
const at = (q) => rest[Math.min(rest.length - 1, Math.floor(q * rest.length))];
const ms = (v) => `${v.toFixed(0)} ms`;
console.log(`startYmchat (built package), ${RUNS} starts, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}`);
console.log(`  module load ${ms(loaded)}   first start ${ms(first)}   then p50 ${ms(at(0.5))}   p90 ${ms(at(0.9))}   min ${ms(rest[0])}`);
