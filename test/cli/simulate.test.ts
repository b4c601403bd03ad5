import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIZ } from '../helpers/demo.js';
import { CLI, demoServerProcess, runCli } from '../helpers/process.js';
import { httpCall, ReferenceIntegration } from '../simulate/integration.js';

const built = fs.existsSync(CLI);
if (!built) console.log('[skip] ymchat simulate CLI tests: dist/ is not built (npm test builds it)');

const ymchat = (args: string[]) => runCli(args, {}, 60_000);

describe.skipIf(!built)('ymchat simulate over a running server', () => {
  const demo = demoServerProcess();
  const { dir } = demo;

  it('runs a scenario file sped up while an integration answers, prints the scorecard, writes JSON and HTML', async () => {
    const scenario = path.join(dir, 'scenario.json');
    fs.writeFileSync(scenario, JSON.stringify({ preset: 'returns', arrivalsPerMinute: 10, name: 'returns week' }));
    const json = path.join(dir, 'out', 'score.json');
    const html = path.join(dir, 'out', 'report.html');
    // The seller's side: polls every 100 ms of real time while the run lasts.
    const seller = new ReferenceIntegration(httpCall(demo.server.url), BIZ);
    let running = true;
    const polling = (async () => {
      while (running) {
        await seller.poll();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const run = await ymchat(['simulate', '--business', String(BIZ), '--scenario', scenario, '--duration', '5m', '--speed', '60', '--seed', '77', '--json', json, '--html', html, ...demo.conn]);
    running = false;
    await polling;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('simulating returns week buyers on business 1000001 (seed 77, 60× speed)');
    expect(run.stderr).toMatch(/\[#{20}\] 100%/);
    expect(run.stdout).toMatch(/^run\s+returns week, seed 77, 60× speed, finished$/m);
    expect(run.stdout).toMatch(/^first reply\s+p50 /m);
    expect(run.stdout).toContain(`scorecard written to ${json}`);
    const sc = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(sc).toMatchObject({ businessId: BIZ, seed: 77, state: 'finished', elapsedMs: 300_000, time: { mode: 'speed', speed: 60 } });
    expect(sc.chats.opened).toBeGreaterThan(10);
    expect(sc.chats.byKind.RETURN).toBeGreaterThan(sc.chats.byKind.ORDER);
    expect(sc.actions.length).toBeGreaterThanOrEqual(sc.chats.opened);
    // The integration's calls reached the counter; how fast it answered depends on the machine.
    expect(sc.apiAnswers.total).toBeGreaterThan(0);
    expect(sc.messages.seller).toBeGreaterThan(0);
    const page = fs.readFileSync(html, 'utf8');
    expect(page).toContain('id="first-reply-histogram"');
    expect(page).toContain('id="open-chats"');

    const status = await ymchat(['simulate', 'status', '--business', String(BIZ), ...demo.conn]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^\[#{20}\] 100%/);
  });

  it('stops a run with `ymchat simulate stop`', async () => {
    const child = spawn(process.execPath, [CLI, 'simulate', '-b', String(BIZ), '--preset', 'steady', '--duration', '1h', ...demo.conn], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 200 && !err.includes('Ctrl-C stops'); i++) await new Promise((r) => setTimeout(r, 50));
    const stop = await ymchat(['simulate', 'stop', ...demo.conn]);
    expect(stop.stdout.trim()).toBe(`simulation of business ${BIZ}: stopped`);
    expect(await exited).toBe(0);
    expect(out).toMatch(/^run\s+steady, seed \d+, real time, stopped \(stopped on request\)$/m);
    expect((await ymchat(['simulate', 'stop', ...demo.conn])).stdout.trim()).toBe('no simulation is running');
  });

  it('refuses bad input in one line', async () => {
    const bad = await ymchat(['simulate', '--business', String(BIZ), '--preset', 'sale', ...demo.conn]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("ymchat: Unknown preset 'sale': expected one of steady, peak, returns, disputes (HTTP 400)\n");
    const missing = await ymchat(['simulate', '--business', String(BIZ), '--scenario', path.join(dir, 'nope.json'), ...demo.conn]);
    expect(missing.stderr).toMatch(/^ymchat: cannot read scenario file .*nope\.json/);
    const noBusiness = await ymchat(['simulate', ...demo.conn]);
    expect(noBusiness.stderr).toBe("ymchat: required option '-b, --business <id>' not specified\n");
    const speed = await ymchat(['simulate', '-b', String(BIZ), '--speed', 'fast', ...demo.conn]);
    expect(speed.code).not.toBe(0);
    expect(speed.stderr).toContain('speed must be a number');
  });
});
