import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { control, sellerChat } from '../helpers/control.js';
import { BIZ, DEMO } from '../helpers/demo.js';

/** The seller's retry logic meets a failing Market: one 500, then recovery. */
describe('scenario: a fault makes the next getChat answer 500, then it recovers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  /** What an integration's retry loop does: try again on 5xx and 420, up to `tries` times. */
  async function withRetries(tries: number) {
    const statuses: number[] = [];
    for (let i = 0; i < tries; i++) {
      const res = await sellerChat(t, DEMO.chats.order);
      statuses.push(res.statusCode);
      if (res.statusCode < 500 && res.statusCode !== 420) return { statuses, body: res.json() };
    }
    return { statuses, body: null };
  }

  it('a retry after the 500 succeeds, and the failed call cost no quota', async () => {
    await control(t, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: '500', count: 1 });
    const { statuses, body } = await withRetries(3);
    expect(statuses).toEqual([500, 200]);
    expect(body.result.chatId).toBe(DEMO.chats.order);
    const quota = (await control(t, 'GET', `/businesses/${BIZ}/quotas?method=getChat`)).json().quotas[0];
    expect(quota.used).toBe(1);
  });

  it('a run of 503s longer than the retry budget makes the integration give up', async () => {
    await control(t, 'POST', '/faults', { businessId: BIZ, method: 'getChat', kind: '503', count: 3 });
    expect((await withRetries(3)).statuses).toEqual([503, 503, 503]);
    expect((await withRetries(3)).statuses).toEqual([200]);
  });
});
