import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, type TestApp } from '../helpers/app.js';
import { control } from '../helpers/control.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';
import { BIZ, DEMO } from '../helpers/demo.js';
import { drive, manualRun } from './drive.js';
import { injectCall, ReferenceIntegration } from './integration.js';

const OTHER_BIZ = 1000002;

noteSkippedPostgres();
// Whole runs of sandbox time, step by step; PostgreSQL on a busy machine needs the room.
vi.setConfig({ testTimeout: 120_000 });

describe.each(dialects())('simulated buyers against a seller integration (virtual clock, %s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ dialect });
  });
  afterEach(async () => {
    await t.close();
  });

  it('an integration that answers every chat within 200 ms scores 100 % answered, first reply p95 under 1 s', async () => {
    const sim = await manualRun(t, { businessId: BIZ, preset: 'steady', seed: 42 });
    const seller = new ReferenceIntegration(injectCall(t), BIZ);
    await drive(sim, () => seller.poll(), 150);
    const sc = await sim.scorecard();
    expect(sc.state).toBe('finished');
    expect(sc.chats.opened).toBeGreaterThan(5);
    expect(sc.chats.byKind.ORDER + sc.chats.byKind.RETURN).toBeGreaterThan(0);
    expect(sc.chats.byKind.DIRECT).toBeGreaterThan(0);
    expect(sc.questions.answeredPct).toBe(100);
    expect(sc.questions.unansweredPastDeadline).toBe(0);
    expect(sc.unanswered).toEqual([]);
    expect(sc.firstReply.count).toBe(sc.chats.opened);
    expect(sc.firstReply.p95).toBeLessThan(1000);
    expect(sc.firstReply.max).toBe(150);
    expect(sc.reply.count).toBe(sc.questions.asked);
    expect(sc.disputes.opened).toBe(0);
    // One answer per question (support's notes get answers too; the demo's waiting chats are not the run's).
    expect(sc.messages.seller).toBeGreaterThanOrEqual(sc.reply.count);
    expect(seller.answered).toBeGreaterThanOrEqual(sc.messages.seller);
    // Every partner call the integration made is counted, and none failed.
    expect(sc.apiAnswers.errors).toBe(0);
    expect(sc.apiAnswers.byStatus['200']).toBeGreaterThan(seller.answered);
    // Statuses were sampled from start to end; chats the buyer left alone were finished by Market.
    expect(sc.statusOverTime.length).toBeGreaterThan(50);
    expect(sc.statusOverTime[0]).toMatchObject({ t: 0, open: 0 });
    expect(sc.statusOverTime.at(-1)!.counts.FINISHED).toBeGreaterThan(0);
    expect(sc.firstReplyHistogram[0]).toMatchObject({ fromMs: 0, toMs: 1000, count: sc.chats.opened });
  });

  it('an integration that ignores DIRECT chats leaves exactly those unanswered; only ORDER/RETURN chats can get disputes', async () => {
    const scenario = { disputeAfter: '3m', disputeProbability: 1, replyDeadline: '2m', arrivalsPerMinute: 3 };
    const sim = await manualRun(t, { businessId: BIZ, preset: 'steady', scenario, seed: 7 });
    const seller = new ReferenceIntegration(injectCall(t), BIZ, ['DIRECT']);
    await drive(sim, () => seller.poll(), 150);
    const sc = await sim.scorecard();
    const direct = sim.chats.filter((c) => c.kind === 'DIRECT');
    expect(direct.length).toBeGreaterThan(2);
    expect(sc.unanswered.map((u) => u.chatId).sort()).toEqual(direct.map((c) => c.chatId).sort());
    // Past the deadline: exactly the DIRECT chats opened at least the deadline before the end.
    const end = sim.endsAt;
    expect(sc.unanswered.filter((u) => u.pastDeadline).map((u) => u.chatId).sort()).toEqual(
      direct.filter((c) => end - c.openedAt > 120_000).map((c) => c.chatId).sort(),
    );
    expect(sc.questions.unansweredPastDeadline).toBeGreaterThan(0);
    // Answered chats never wait long enough for a dispute; DIRECT chats cannot have one (README),
    // so their buyers give up instead: one for each DIRECT chat that waited past disputeAfter.
    expect(sc.disputes.opened).toBe(0);
    expect(sc.disputes.directBuyersGaveUp).toBe(direct.filter((c) => end - c.openedAt >= 180_000).length);
    expect(sc.disputes.directBuyersGaveUp).toBeGreaterThan(0);
    // Every buyer who wrote and got nothing wrote again.
    expect(sc.messages.followUps).toBeGreaterThan(0);
  });

  it('an integration that answers nothing: disputes on ORDER and RETURN chats only, really open in the sandbox', async () => {
    const sim = await manualRun(t, { businessId: BIZ, preset: 'disputes', scenario: { disputeProbability: 1, arbiterClosesAfter: '1h' }, seed: 3 });
    await drive(sim, async () => {});
    const sc = await sim.scorecard();
    const disputable = sim.chats.filter((c) => c.kind !== 'DIRECT' && sim.endsAt - c.openedAt >= sim.scenario.disputeAfterMs);
    expect(disputable.length).toBeGreaterThan(0);
    expect(sc.disputes.opened).toBe(disputable.length);
    expect(sc.disputes.byKind.DIRECT).toBe(0);
    expect(sc.disputes.chatIds.sort()).toEqual(disputable.map((c) => c.chatId).sort());
    for (const chatId of sc.disputes.chatIds) {
      const res = await injectCall(t)('GET', `/v2/businesses/${BIZ}/chat?chatId=${chatId}`);
      expect(res.body.result).toMatchObject({ type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' });
    }
    expect(sc.questions.answeredPct).toBe(0);
    expect(sc.firstReply.count).toBe(0);
  });

  it('the same seed gives the same buyer actions; another seed does not', async () => {
    const run = async (seed: number) => {
      const sim = await manualRun(t, { businessId: BIZ, preset: 'returns', scenario: { duration: '5m' }, seed });
      const seller = new ReferenceIntegration(injectCall(t), BIZ);
      await drive(sim, () => seller.poll(), 150);
      return (await sim.scorecard({ actions: true })).actions!;
    };
    const a = await run(1234);
    const b = await run(1234);
    const c = await run(99);
    expect(a.length).toBeGreaterThan(5);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.some((x) => x.photo)).toBe(true);
    expect(a.some((x) => x.kind === 'RETURN')).toBe(true);
  });

  it("counts the integration's own API errors by status, and never touches another business", async () => {
    const db = t.services.storage.db;
    const snapshot = async () => ({
      chats: await db.selectFrom('chats').selectAll().where('business_id', '=', OTHER_BIZ).orderBy('id').execute(),
      messages: await db.selectFrom('messages').selectAll().where('business_id', '=', OTHER_BIZ).orderBy('id').execute(),
      orders: await db.selectFrom('orders').selectAll().where('business_id', '=', OTHER_BIZ).orderBy('id').execute(),
    });
    const before = await snapshot();
    const sim = await manualRun(t, { businessId: BIZ, preset: 'steady', scenario: { duration: '2m', arrivalsPerMinute: 5 }, seed: 5 });
    const call = injectCall(t);
    const seller = new ReferenceIntegration(call, BIZ);
    let once = false;
    await drive(sim, async () => {
      if (!once) {
        once = true;
        await call('GET', `/v2/businesses/${BIZ}/chat?chatId=999999`); // 404
        await call('POST', `/v2/businesses/${BIZ}/chats`, { statuses: ['OPEN'] }); // 400
        await injectCall(t, DEMO.keys.pricingOnly)('GET', `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`); // 403
      }
      await seller.poll();
    });
    const sc = await sim.scorecard();
    expect(sc.apiAnswers.byStatus).toMatchObject({ '400': 1, '403': 1, '404': 1 });
    expect(sc.apiAnswers.errors).toBe(3);
    expect(await snapshot()).toEqual(before);
    const own = await db.selectFrom('chats').select('business_id').where('id', 'in', sim.chats.map((c) => c.chatId)).execute();
    expect(new Set(own.map((r) => r.business_id))).toEqual(new Set([BIZ]));
  });

  it('stops opening chats at the per-run cap', async () => {
    const sim = await manualRun(t, { businessId: BIZ, preset: 'peak', scenario: { maxChats: 4, duration: '3m' }, seed: 11 });
    await drive(sim, async () => {});
    const sc = await sim.scorecard();
    expect(sc.chats.opened).toBe(4);
    expect(sc.chats.capReached).toBe(true);
  });

  it('reports notification deliveries of the run from the delivery log', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      const sub = await control(t, 'POST', `/businesses/${BIZ}/subscriptions`, { url: `${receiver.url}/notification` });
      expect(sub.json().enabled).toBe(true);
      const sim = await manualRun(t, { businessId: BIZ, preset: 'steady', scenario: { duration: '2m', arrivalsPerMinute: 4 }, seed: 8 });
      const seller = new ReferenceIntegration(injectCall(t), BIZ);
      await drive(sim, async () => {
        await control(t, 'POST', '/notifications/flush');
        await seller.poll();
      });
      await control(t, 'POST', '/notifications/flush');
      const sc = await sim.scorecard();
      expect(sc.notifications.events).toBeGreaterThan(sim.chats.length);
      expect(sc.notifications.attempts).toBe(sc.notifications.events);
      expect(sc.notifications.delivered).toBe(sc.notifications.events);
      expect(sc.notifications.successPct).toBe(100);
      expect(sc.notifications.latencyMs.count).toBe(sc.notifications.attempts);
      expect(receiver.notifications().length).toBe(sc.notifications.events);
    } finally {
      await receiver.close();
    }
  });
});
