import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxClock } from '../../../src/clock.js';
import { restoreClock } from '../../../src/domain/sandbox-clock.js';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { control, sellerChat } from '../../helpers/control.js';
import { BIZ } from '../../helpers/demo.js';

describe('control API: the sandbox clock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('shows the time, frozen at T0 in tests', async () => {
    const res = await control(t, 'GET', '/clock');
    expect(res.json()).toEqual({ mode: 'virtual', frozen: true, now: '2026-11-21T07:00:00.000Z', nowMs: T0 });
  });

  it('advances by a duration; timestamps the seller sees follow it', async () => {
    const res = await control(t, 'POST', '/clock', { action: 'advance', by: '+1h' });
    expect(res.json()).toMatchObject({ frozen: true, nowMs: T0 + 3600_000 });
    const { chat } = (await control(t, 'POST', '/chats/direct', { businessId: BIZ, buyerId: 6000001, message: 'hi' })).json();
    expect((await sellerChat(t, chat.chatId)).json().result.createdAt).toBe('2026-11-21T11:00:00+03:00');
    expect((await control(t, 'POST', '/clock', { action: 'advance', by: '-30m' })).json().nowMs).toBe(T0 + 1800_000);
  });

  it('sets and freezes at ISO times with an offset or epoch ms', async () => {
    expect((await control(t, 'POST', '/clock', { action: 'set', at: '2027-01-01T00:00:00+03:00' })).json().now).toBe('2026-12-31T21:00:00.000Z');
    expect((await control(t, 'POST', '/clock', { action: 'freeze', at: T0 })).json()).toMatchObject({ frozen: true, nowMs: T0 });
  });

  it('resumes virtual time and goes back to real time', async () => {
    const running = (await control(t, 'POST', '/clock', { action: 'resume' })).json();
    expect(running).toMatchObject({ mode: 'virtual', frozen: false });
    expect(running.nowMs).toBeGreaterThanOrEqual(T0);
    expect(running.nowMs).toBeLessThan(T0 + 60_000);
    const real = (await control(t, 'POST', '/clock', { action: 'real' })).json();
    expect(real).toMatchObject({ mode: 'real', frozen: false });
    expect(Math.abs(real.nowMs - Date.now())).toBeLessThan(60_000);
    await control(t, 'POST', '/clock', { action: 'freeze', at: T0 });
  });

  it('refuses malformed input with 400 and leaves the clock alone', async () => {
    const cases: [unknown, string][] = [
      [{ action: 'advance', by: 'soon' }, "'by' must be a duration such as +1h, 30m, 2d, 90s or 1500ms, got 'soon'"],
      [{ action: 'advance' }, "'by' must be a duration such as +1h, 30m, 2d, 90s or 1500ms, got ''"],
      [{ action: 'set' }, "'at' is required to set the clock"],
      [{ action: 'set', at: '2027-01-01T00:00:00' }, "Time '2027-01-01T00:00:00' is not ISO 8601 with an offset, e.g. 2026-11-21T10:00:00+03:00"],
      [{ action: 'set', at: -5 }, 'Time must be epoch milliseconds ≥ 0, got -5'],
    ];
    for (const [body, message] of cases) {
      const res = await control(t, 'POST', '/clock', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].message).toBe(message);
    }
    expect((await control(t, 'POST', '/clock', { action: 'rewind' })).statusCode).toBe(400);
    expect((await control(t, 'GET', '/clock')).json().nowMs).toBe(T0);
  });

  it('is saved in the settings, so a restarted server keeps sandbox time', async () => {
    await control(t, 'POST', '/clock', { action: 'freeze', at: '2030-05-05T12:00:00Z' });
    const fresh = new SandboxClock();
    expect(await restoreClock(t.services.storage.db, fresh)).toBe(true);
    expect(fresh.now()).toBe(Date.parse('2030-05-05T12:00:00Z'));
    expect(fresh.frozen).toBe(true);
  });
});
