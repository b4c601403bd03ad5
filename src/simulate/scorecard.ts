import { formatUtc } from '../clock.js';
import type { Db } from '../storage/storage.js';
import { answersSince } from './answer-counts.js';
import type { Scenario } from './scenario.js';
import type { ActionRecord, RunRecord, RunState, SimChat, StatusSample } from './run-record.js';
import { histogram, summarize, type Bucket, type Summary } from './stats.js';
import type { Kind } from './texts.js';

/** What a run measured of the seller's side. Times are sandbox-clock milliseconds. */
export interface Scorecard {
  businessId: number;
  scenario: Scenario;
  seed: number;
  time: { mode: 'real' | 'speed' | 'manual'; speed: number };
  state: RunState;
  stopReason: string | null;
  startedAt: string;
  endedAt: string | null;
  /** Sandbox time the run covered, and the real time it took. */
  elapsedMs: number;
  realElapsedMs: number;
  chats: { opened: number; byKind: Record<Kind, number>; maxChats: number; capReached: boolean };
  messages: { buyer: number; followUps: number; photos: number; market: number; support: number; seller: number };
  /** From a chat's first question to the seller's first answer. */
  firstReply: Summary;
  /** From every question (the first unanswered buyer message) to the seller's answer. */
  reply: Summary;
  firstReplyHistogram: Bucket[];
  questions: {
    asked: number;
    answered: number;
    answeredInTime: number;
    answeredLate: number;
    /** Still unanswered at the end, and older than the reply deadline. */
    unansweredPastDeadline: number;
    /** Still unanswered at the end, but asked less than the reply deadline before it. */
    pendingWithinDeadline: number;
    /** answered / (answered + unansweredPastDeadline), in %; null before any question is due. */
    answeredPct: number | null;
  };
  /** Chats whose last question has no answer at the end. */
  unanswered: { chatId: number; kind: Kind; waitingMs: number; pastDeadline: boolean; disputed: boolean; gaveUp: boolean }[];
  disputes: { opened: number; byKind: Record<Kind, number>; chatIds: number[]; directBuyersGaveUp: number };
  statusOverTime: (StatusSample & { open: number; waitingForSeller: number })[];
  apiAnswers: { byStatus: Record<string, number>; total: number; errors: number; source: string };
  notifications: {
    events: number;
    enabledSubscriptions: number;
    attempts: number;
    delivered: number;
    failedAttempts: number;
    /** Delivered attempts / attempts, in %; null without attempts. */
    successPct: number | null;
    /** The seller's server's answer time per attempt. */
    latencyMs: Summary;
    /** From the change to its first successful delivery. */
    deliveryDelayMs: Summary;
  };
  failedActions: number;
  actions?: ActionRecord[];
}

export interface ScorecardInput {
  db: Db;
  now: number;
  answers: Record<string, number>;
  answersAtStart: Record<string, number>;
  eventWatermark: number;
  withActions: boolean;
}

const byKind = (chats: SimChat[]): Record<Kind, number> => ({
  ORDER: chats.filter((c) => c.kind === 'ORDER').length,
  RETURN: chats.filter((c) => c.kind === 'RETURN').length,
  DIRECT: chats.filter((c) => c.kind === 'DIRECT').length,
});

const pct = (n: number, d: number) => (d === 0 ? null : Math.round((1000 * n) / d) / 10);

async function sellerMessages(db: Db, chatIds: number[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < chatIds.length; i += 500) {
    const r = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('chat_id', 'in', chatIds.slice(i, i + 500))
      .where('sender', '=', 'PARTNER')
      .executeTakeFirst();
    n += Number(r?.n ?? 0);
  }
  return n;
}

async function notifications(db: Db, businessId: number, watermark: number): Promise<Scorecard['notifications']> {
  const events = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('business_id', '=', businessId)
    .where('id', '>', watermark)
    .where('type', '!=', 'PING')
    .executeTakeFirst();
  const subs = await db
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('business_id', '=', businessId)
    .where('enabled', '=', 1)
    .executeTakeFirst();
  const attempts = await db
    .selectFrom('delivery_attempts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .select(['a.event_id as eventId', 'a.subscription_id as subscriptionId', 'a.outcome as outcome', 'a.latency_ms as latencyMs', 'a.started_at as startedAt', 'e.created_at as eventAt'])
    .where('a.business_id', '=', businessId)
    .where('a.event_id', '>', watermark)
    .where('e.type', '!=', 'PING')
    .orderBy('a.id')
    .execute();
  const delivered = attempts.filter((a) => a.outcome === 'DELIVERED');
  const firstDelivery = new Map<string, number>();
  for (const a of delivered) {
    const key = `${a.eventId}:${a.subscriptionId}`;
    if (!firstDelivery.has(key)) firstDelivery.set(key, Math.max(0, a.startedAt + a.latencyMs - a.eventAt));
  }
  return {
    events: Number(events?.n ?? 0),
    enabledSubscriptions: Number(subs?.n ?? 0),
    attempts: attempts.length,
    delivered: delivered.length,
    failedAttempts: attempts.length - delivered.length,
    successPct: pct(delivered.length, attempts.length),
    latencyMs: summarize(attempts.map((a) => a.latencyMs)),
    deliveryDelayMs: summarize([...firstDelivery.values()]),
  };
}

export async function buildScorecard(sim: RunRecord, input: ScorecardInput): Promise<Scorecard> {
  const s = sim.scenario;
  const end = sim.endedAt ?? Math.min(input.now, sim.endsAt);
  const chats = sim.chats;
  const firsts = chats.flatMap((c) => (c.firstReplyMs === null ? [] : [c.firstReplyMs]));
  const replies = chats.flatMap((c) => c.replyMs);
  const late = chats.reduce((n, c) => n + c.lateReplies, 0);
  const unanswered = chats
    .filter((c) => c.pendingSince !== null)
    .map((c) => {
      const waitingMs = end - c.pendingSince!;
      return { chatId: c.chatId, kind: c.kind, waitingMs, pastDeadline: waitingMs > s.replyDeadlineMs, disputed: c.disputed, gaveUp: c.gaveUp };
    });
  const pastDeadline = unanswered.filter((u) => u.pastDeadline).length;
  const disputed = chats.filter((c) => c.disputed);
  const apiByStatus = answersSince(input.answersAtStart, input.answers);
  const apiTotal = Object.values(apiByStatus).reduce((a, b) => a + b, 0);
  const apiErrors = Object.entries(apiByStatus).reduce((a, [st, n]) => a + (Number(st) >= 400 ? n : 0), 0);
  const time = sim.options.time;
  return {
    businessId: sim.businessId,
    scenario: s,
    seed: sim.options.seed,
    time: { mode: time.kind, speed: time.kind === 'speed' ? time.factor : 1 },
    state: sim.state,
    stopReason: sim.stopReason,
    startedAt: formatUtc(sim.startedAt),
    endedAt: sim.endedAt === null ? null : formatUtc(sim.endedAt),
    elapsedMs: sim.elapsed(),
    realElapsedMs: (sim.realEndedAt ?? Date.now()) - sim.realStartedAt,
    chats: { opened: chats.length, byKind: byKind(chats), maxChats: s.maxChats, capReached: sim.capReached },
    messages: {
      buyer: sim.counts.buyerMessages,
      followUps: sim.counts.followUps,
      photos: sim.counts.photos,
      market: sim.counts.market,
      support: sim.counts.support,
      seller: await sellerMessages(input.db, chats.map((c) => c.chatId)),
    },
    firstReply: summarize(firsts),
    reply: summarize(replies),
    firstReplyHistogram: histogram(firsts),
    questions: {
      asked: chats.reduce((n, c) => n + c.questions, 0),
      answered: replies.length,
      answeredInTime: replies.length - late,
      answeredLate: late,
      unansweredPastDeadline: pastDeadline,
      pendingWithinDeadline: unanswered.length - pastDeadline,
      answeredPct: pct(replies.length, replies.length + pastDeadline),
    },
    unanswered,
    disputes: { opened: disputed.length, byKind: byKind(disputed), chatIds: disputed.map((c) => c.chatId), directBuyersGaveUp: chats.filter((c) => c.gaveUp).length },
    statusOverTime: sim.samples.map((x) => ({
      ...x,
      open: Object.entries(x.counts).reduce((n, [st, k]) => n + (st === 'FINISHED' ? 0 : k), 0),
      waitingForSeller: (x.counts.NEW ?? 0) + (x.counts.WAITING_FOR_PARTNER ?? 0),
    })),
    apiAnswers: { byStatus: apiByStatus, total: apiTotal, errors: apiErrors, source: 'partner API answers counted in the server process' },
    notifications: await notifications(input.db, sim.businessId, input.eventWatermark),
    failedActions: sim.failedActions,
    ...(input.withActions ? { actions: sim.actions } : {}),
  };
}
