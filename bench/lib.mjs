// Shared bench plumbing: starting servers, driving load, CPU time of a process, medians.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import autocannon from 'autocannon';

export const KEY = `ACMA:${'DemoCommunicationKey'.padEnd(40, '0')}:0000c001`;
export const BUSINESS = 1000001;
export const CHAT = 5000001;

let ticks = 100;
try {
  ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 Hz on every Linux we run on
}

/** User + system CPU time of a process, in microseconds (from /proc/<pid>/stat). */
export function cpuMicros(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticks;
}

/** Resident set size of a process in MB (from /proc/<pid>/status). */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Starts a node process and waits for its `listening on <url>` line. */
export function start(args, env = {}, stdio = 'inherit') {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', stdio] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.off('exit', onExit);
        child.on('exit', (code, signal) => {
          if (!child.stopping) console.error(`server ${args.join(' ')} died: code ${code}, signal ${signal}`);
        });
        resolve({ child, url: m[1], pid: child.pid, stop: () => stop(child) });
      }
    };
    const onExit = (code) => reject(new Error(`exited ${code}: ${out}`));
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

function stop(child) {
  return new Promise((resolve) => {
    child.stopping = true;
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** One load run against `url + op.path`; returns req/s, latency and the server's CPU µs/request. */
export function load(server, op, { seconds, connections }) {
  return new Promise((resolve, reject) => {
    const c0 = cpuMicros(server.pid);
    autocannon(
      {
        url: server.url + op.path,
        method: op.method,
        connections,
        duration: seconds,
        headers: {
          'api-key': KEY,
          ...(op.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(op.contentType ? { 'content-type': op.contentType } : {}),
        },
        ...(op.body !== undefined ? { body: JSON.stringify(op.body) } : op.rawBody ? { body: op.rawBody } : {}),
      },
      (err, r) => {
        if (err) return reject(err);
        const c1 = cpuMicros(server.pid);
        resolve({
          rps: r.requests.average,
          requests: r.requests.total,
          p50: r.latency.p50,
          p99: r.latency.p99,
          bad: r.non2xx + r.errors + r.timeouts,
          cpuUs: r.requests.total > 0 ? (c1 - c0) / r.requests.total : NaN,
        });
      },
    );
  });
}

export const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median of each figure over several runs. */
export function medianRun(runs) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUs: median(runs.map((r) => r.cpuUs)),
    bad: runs.reduce((n, r) => n + r.bad, 0),
  };
}

/** Fixed-width table printing. */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Reads the previous result (if any) and flags figures that got worse by more than 20 %. */
export function compareWithPrevious(file, current, keys) {
  let previous;
  try {
    previous = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const flags = [];
  for (const [name, cur] of Object.entries(current)) {
    const prev = previous.results?.[name];
    if (!prev) continue;
    for (const [key, higherIsBetter] of keys) {
      const a = prev[key];
      const b = cur[key];
      if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) continue;
      const worse = higherIsBetter ? b < a * 0.8 : b > a * 1.2;
      if (worse) flags.push(`${name} ${key}: ${fmt(a)} → ${fmt(b)}`);
    }
  }
  return flags;
}

export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
