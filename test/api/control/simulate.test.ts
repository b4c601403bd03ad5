import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { control } from '../../helpers/control.js';
import { BIZ } from '../../helpers/demo.js';
import { simulationRunsOf } from '../../../src/simulate/runs.js';

const url = `/businesses/${BIZ}/simulation`;
const message = (res: { json(): any }) => res.json().errors[0].message as string;

/** Polls the run's status until it ends; bounded, and asserts nothing about how long it took. */
async function untilDone(t: TestApp, limitMs = 20_000): Promise<any> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const sc = (await control(t, 'GET', url)).json();
    if (sc.state !== 'running' || Date.now() > deadline) return sc;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('control API: /_sandbox/businesses/:id/simulation', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('runs a sped-up scenario on the virtual clock to its end, then serves the scorecard and the report', async () => {
    const clockBefore = t.clock.now();
    const start = await control(t, 'POST', url, { preset: 'peak', duration: '2m', speed: 600, seed: 17 });
    expect(start.statusCode).toBe(201);
    expect(start.json()).toMatchObject({ businessId: BIZ, seed: 17, state: 'running', time: { mode: 'speed', speed: 600 } });
    expect(start.json().scenario).toMatchObject({ name: 'peak', durationMs: 120_000, arrivalsPerMinute: 40 });
    const sc = await untilDone(t);
    expect(sc.state).toBe('finished');
    expect(sc.elapsedMs).toBe(120_000);
    expect(sc.chats.opened).toBeGreaterThan(10);
    // The run drove the sandbox clock: virtual, and at least the run's length ahead.
    expect(t.clock.mode).toBe('virtual');
    expect(t.clock.now() - clockBefore).toBeGreaterThanOrEqual(120_000);
    const full = (await control(t, 'GET', `${url}/scorecard?actions=true`)).json();
    expect(full.actions.length).toBeGreaterThanOrEqual(full.chats.opened);
    const report = await control(t, 'GET', `${url}/report`);
    expect(report.headers['content-type']).toContain('text/html');
    expect(report.body).toContain('<svg id="first-reply-histogram"');
    expect(report.body).toContain('<svg id="open-chats"');
    expect(report.body).not.toContain('<script');
  });

  it('stops a running simulation on request, by business or all at once', async () => {
    const start = await control(t, 'POST', url, { preset: 'steady', duration: '1h', seed: 1 });
    expect(start.json().state).toBe('running');
    expect((await control(t, 'GET', '/simulations')).json()).toMatchObject({ running: BIZ });
    const again = await control(t, 'POST', url, { preset: 'steady' });
    expect(again.statusCode).toBe(409);
    expect(message(again)).toBe(`A simulation is already running for business ${BIZ}: stop it first (ymchat simulate stop)`);
    const stopped = await control(t, 'POST', `${url}/stop`);
    expect(stopped.json()).toMatchObject({ state: 'stopped', stopReason: 'stopped on request' });
    expect((await control(t, 'GET', '/simulations')).json().running).toBe(null);

    expect((await control(t, 'POST', url, { preset: 'steady', duration: '1h', seed: 2 })).statusCode).toBe(201);
    const all = await control(t, 'POST', '/simulations/stop');
    expect(all.json()).toEqual({ stopped: [{ businessId: BIZ, state: 'stopped' }] });
    expect((await control(t, 'POST', '/simulations/stop')).json()).toEqual({ stopped: [] });
  });

  it('refuses bad input with a clear message', async () => {
    const cases: [unknown, number, string][] = [
      [{ preset: 'sale' }, 400, "Unknown preset 'sale': expected one of steady, peak, returns, disputes"],
      [{ duration: 'ten minutes' }, 400, "Scenario field 'duration' must be a positive duration such as 90s, 2m or 1h (or milliseconds), got \"ten minutes\""],
      [{ scenario: { arrivals: 3 } }, 400, "'arrivals' is not a scenario field"],
      [{ scenario: { mix: { ORDER: 0, RETURN: 0, DIRECT: 0 } } }, 400, "Scenario field 'mix' needs at least one weight above 0"],
      [{ scenario: { disputeProbability: 2 } }, 400, "Scenario field 'disputeProbability' must be a number from 0 to 1, got 2"],
      [{ speed: 0.5 }, 400, 'speed'],
      [{ maxChats: 100000 }, 400, 'maxChats'],
      [{ colour: 'red' }, 400, "'colour' is not a field of this request"],
    ];
    for (const [body, status, text] of cases) {
      const res = await control(t, 'POST', url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(message(res), JSON.stringify(body)).toContain(text);
    }
    const unknown = await control(t, 'POST', '/businesses/999999/simulation', {});
    expect(unknown.statusCode).toBe(404);
    expect((await control(t, 'GET', url)).statusCode).toBe(404);
    expect((await control(t, 'GET', '/simulations')).json()).toEqual({ running: null, runs: [] });
  });

  it('needs the admin token', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/_sandbox${url}`, payload: {} });
    expect(res.statusCode).toBe(401);
  });

  it('a running simulation ends with the app', async () => {
    expect((await control(t, 'POST', url, { preset: 'steady', duration: '1h' })).statusCode).toBe(201);
    const runs = simulationRunsOf(t.services, () => {
      throw new Error('made by the app');
    });
    const sim = runs.running()!;
    expect(sim.businessId).toBe(BIZ);
    // The run must stop with the app rather than write into a closed database.
    await t.app.close();
    expect(runs.running()).toBe(null);
    expect(sim.state).toBe('stopped');
  });

  it('a sped-up run lets a frozen clock run', async () => {
    expect(t.clock.frozen).toBe(true);
    expect((await control(t, 'POST', url, { preset: 'steady', duration: '1m', speed: 120 })).statusCode).toBe(201);
    expect(t.clock.frozen).toBe(false);
    expect((await untilDone(t)).state).toBe('finished');
  });
});
