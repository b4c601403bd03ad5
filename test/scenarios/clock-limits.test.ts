import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, T0, type TestApp } from '../helpers/app.js';
import { control, sellerChat } from '../helpers/control.js';
import { DEMO } from '../helpers/demo.js';

/** An integration hits the hourly limit; moving the sandbox clock opens the next window. */
describe('scenario: the clock moves an hourly limit window', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { limits: { enabled: true, parallel: 4, hourly: { getChat: 2 } } } });
  });
  afterAll(async () => t.close());

  it('420 until the window ends, then the quota is whole again', async () => {
    await control(t, 'POST', '/clock', { action: 'freeze', at: T0 + 10 * 60_000 });
    expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(200);
    expect((await sellerChat(t, DEMO.chats.order)).headers['x-ratelimit-resource-remaining']).toBe('0');
    const over = await sellerChat(t, DEMO.chats.order);
    expect(over.statusCode).toBe(420);
    expect(over.headers['x-ratelimit-resource-until']).toBe(new Date(T0 + 3600_000).toUTCString());

    // 49 minutes later the window (07:00–08:00 UTC) is still the same one.
    await control(t, 'POST', '/clock', { action: 'advance', by: '+49m' });
    expect((await sellerChat(t, DEMO.chats.order)).statusCode).toBe(420);

    await control(t, 'POST', '/clock', { action: 'advance', by: '+1m' });
    const next = await sellerChat(t, DEMO.chats.order);
    expect(next.statusCode).toBe(200);
    expect(next.headers['x-ratelimit-resource-remaining']).toBe('1');
    expect(next.headers['x-ratelimit-resource-until']).toBe(new Date(T0 + 2 * 3600_000).toUTCString());
    const quota = (await control(t, 'GET', `/businesses/${DEMO.businessId}/quotas?method=getChat`)).json();
    expect(quota).toMatchObject({ windowStart: '2026-11-21T08:00:00.000Z', quotas: [{ used: 1, limit: 2, remaining: 1 }] });
  });
});
