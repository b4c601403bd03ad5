import type { SandboxClock } from '../clock.js';
import {
  closeDispute,
  finishChat,
  openContextChat,
  openDirectChat,
  openDispute,
  postMessage,
  RETURN_CHAT_MODELS,
  type ActionContext,
  type NewFile,
} from '../domain/chat-actions.js';
import { AppError } from '../domain/errors.js';
import type { Sender } from '../domain/model.js';
import { createBuyer, createCampaign, createOrder, createReturn, getBusiness, listCampaigns } from '../domain/sandbox-entities.js';
import { saveClock } from '../domain/sandbox-clock.js';
import type { Storage } from '../storage/storage.js';
import { Random } from './random.js';
import type { Scenario } from './scenario.js';
import { ARBITER_TEXT, firstText, followUpText, MARKET_TEXT, SUPPORT_TEXT, tinyPhoto, writeBackText, type Kind, type Lang } from './texts.js';
import { buildScorecard, type Scorecard } from './scorecard.js';
import type { ActionRecord, RunOptions, RunRecord, RunState, SimChat, StatusSample } from './run-record.js';

export type { ActionRecord, RunOptions, RunRecord, RunState, SimChat, StatusSample, TimeMode } from './run-record.js';

/** What a run needs: storage, the sandbox clock, the domain's action context, the answer counts. */
export interface SimulationDeps {
  storage: Storage;
  clock: SandboxClock;
  actions: ActionContext;
  /** The partner API's answers so far for a business, by HTTP status. */
  answers: (businessId: number) => Record<string, number>;
}

type ActionKind = 'arrival' | 'followUp' | 'disputeCheck' | 'writeBack' | 'finishIdle' | 'market' | 'support' | 'arbiterClose' | 'sample';

interface Scheduled {
  at: number;
  seq: number;
  kind: ActionKind;
  chat?: SimChat;
  /** The question the action was scheduled for; a later question makes it stale. */
  question?: number;
}

const REAL_TICK_MS = 100;
const ACTION_LOG_LIMIT = 20_000;
const MAX_SAMPLES = 2000;
/** A real-time run whose clock stalls (frozen by someone) still ends, this long after it should. */
const REAL_TIME_GRACE_MS = 60_000;

const NAMES: Record<Lang, string[]> = {
  ru: ['Анна К.', 'Игорь П.', 'Мария С.', 'Дмитрий В.', 'Ольга Н.', 'Сергей Т.'],
  en: ['Anna K.', 'John D.', 'Maria S.', 'Peter W.', 'Olga N.', 'Sam T.'],
};

/**
 * A run of simulated buyers against one business. Every change goes through the domain actions
 * the control API uses, so statuses, `updatedAt` and notification events are the real ones; the
 * seller's side is only observed (its messages in the database, the partner API's answers, the
 * delivery log).
 */
export class Simulation implements RunRecord {
  readonly startedAt: number;
  readonly realStartedAt = Date.now();
  endedAt: number | null = null;
  realEndedAt: number | null = null;
  state: RunState = 'running';
  stopReason: string | null = null;
  error: string | null = null;
  readonly chats: SimChat[] = [];
  readonly samples: StatusSample[] = [];
  readonly actions: ActionRecord[] = [];
  capReached = false;
  failedActions = 0;
  readonly counts = { buyerMessages: 0, followUps: 0, photos: 0, market: 0, support: 0 };

  private readonly queue: Scheduled[] = [];
  private seq = 0;
  private arrivals: Random;
  private buyerCount = 0;
  private orderCampaignId: number | null = null;
  private returnCampaignId: number | null = null;
  private readonly answersAtStart: Record<string, number>;
  private eventWatermark = 0;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private stopRequested: string | null = null;
  private readonly finishedListeners: (() => void)[] = [];

  private constructor(
    private readonly deps: SimulationDeps,
    readonly options: RunOptions,
  ) {
    if (options.time.kind === 'manual') deps.clock.freeze();
    else if (options.time.kind === 'speed') {
      // A frozen clock would give every answer between two steps the same time: let it run.
      deps.clock.set(deps.clock.now());
      deps.clock.resume();
    }
    this.startedAt = deps.clock.now();
    this.arrivals = new Random(options.seed, 0);
    this.answersAtStart = deps.answers(options.businessId);
  }

  /** Prepares a run (stores to order from, the first arrival); `manual` runs are then advanced by the caller. */
  static async create(deps: SimulationDeps, options: RunOptions): Promise<Simulation> {
    await getBusiness(deps.storage.db, options.businessId);
    const sim = new Simulation(deps, options);
    await sim.prepare();
    if (options.time.kind !== 'manual') sim.loop = sim.runLoop();
    return sim;
  }

  get businessId(): number {
    return this.options.businessId;
  }

  get scenario(): Scenario {
    return this.options.scenario;
  }

  get endsAt(): number {
    return this.startedAt + this.scenario.durationMs;
  }

  get done(): boolean {
    return this.state !== 'running';
  }

  /** Sandbox time elapsed in the run. */
  elapsed(): number {
    return Math.min((this.endedAt ?? this.deps.clock.now()) - this.startedAt, this.scenario.durationMs);
  }

  private async prepare(): Promise<void> {
    const db = this.deps.storage.db;
    const last = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    this.eventWatermark = Number(last?.id ?? 0);
    const sandbox = { db: this.deps.storage.db, clock: this.deps.clock };
    let campaigns = await listCampaigns(db, this.businessId);
    const mix = this.scenario.mix;
    // Orders and returns need stores; a business without a suitable one gets one, as a seller would have.
    if (campaigns.length === 0 && (mix.ORDER > 0 || mix.RETURN > 0)) {
      await createCampaign(sandbox, this.businessId, { placementModel: 'FBS', domain: 'Simulated store (FBS)' });
      campaigns = await listCampaigns(db, this.businessId);
    }
    this.orderCampaignId = campaigns[0]?.id ?? null;
    this.returnCampaignId = campaigns.find((c) => RETURN_CHAT_MODELS.has(c.placementModel))?.id ?? null;
    if (this.returnCampaignId === null && mix.RETURN > 0) {
      this.returnCampaignId = (await createCampaign(sandbox, this.businessId, { placementModel: 'FBS', domain: 'Simulated store (FBS)' })).id;
    }
    this.scheduleNextArrival(this.startedAt);
    this.schedule(this.startedAt, 'sample');
  }

  private schedule(at: number, kind: ActionKind, chat?: SimChat, question?: number): void {
    if (at > this.endsAt) return;
    const item: Scheduled = { at, seq: this.seq++, kind, chat, question };
    // Binary insertion keeps the queue ordered by time, then by scheduling order.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid];
      if (q.at < at || (q.at === at && q.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  private scheduleNextArrival(from: number): void {
    if (this.scenario.arrivalsPerMinute <= 0) return;
    const gap = this.arrivals.exponential(60_000 / this.scenario.arrivalsPerMinute);
    this.schedule(from + Math.max(1, Math.round(gap)), 'arrival');
  }

  private log(chat: SimChat, action: string, at: number, extra: Partial<ActionRecord> = {}): void {
    if (this.actions.length < ACTION_LOG_LIMIT) this.actions.push({ t: at - this.startedAt, buyer: chat.buyer, action, kind: chat.kind, ...extra });
  }

  /**
   * Runs everything due up to `target` (sandbox ms): first what the seller did since the last
   * step, then the buyers' actions in time order. In `manual` mode the frozen clock is set to each
   * action's own time, so timestamps are exact.
   */
  async advanceTo(target: number): Promise<void> {
    if (this.done) return;
    const until = Math.min(target, this.endsAt);
    await this.observeReplies();
    while (this.queue.length > 0 && this.queue[0].at <= until && this.stopRequested === null) {
      const item = this.queue.shift()!;
      if (this.options.time.kind === 'manual') this.deps.clock.freeze(item.at);
      await this.run(item);
    }
    if (this.options.time.kind === 'manual') this.deps.clock.freeze(Math.max(until, this.deps.clock.now()));
  }

  /** When the next buyer, Market or arbiter action is due (sandbox ms), if any is left. */
  nextActionAt(): number | null {
    return this.queue.length > 0 ? this.queue[0].at : null;
  }

  /** Manual runs: moves the frozen clock on by `ms` and runs what falls due. */
  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.deps.clock.now() + ms);
    if (!this.done && this.deps.clock.now() >= this.endsAt) await this.finish('finished');
  }

  private async run(item: Scheduled): Promise<void> {
    try {
      await this.perform(item);
    } catch (e) {
      // A buyer's action refused by the rules (a chat finished meanwhile, say) is counted, not fatal.
      if (e instanceof AppError) this.failedActions++;
      else throw e;
    }
  }

  private stale(item: Scheduled): boolean {
    const c = item.chat!;
    return c.finished || c.disputed || (item.question !== undefined && item.question !== c.questions);
  }

  private async perform(item: Scheduled): Promise<void> {
    // Buyers plan from the time an action was due, not from when a busy loop got to it, so a
    // run's actions do not drift with the machine's load; stored timestamps are the clock's.
    const now = item.at;
    const s = this.scenario;
    const c = item.chat;
    switch (item.kind) {
      case 'sample':
        await this.sample(now);
        // At most MAX_SAMPLES counts per run, however small the scenario's interval.
        this.schedule(item.at + Math.max(s.sampleEveryMs, Math.ceil(s.durationMs / MAX_SAMPLES)), 'sample');
        return;
      case 'arrival':
        if (this.chats.length >= s.maxChats) {
          this.capReached = true;
          return;
        }
        this.scheduleNextArrival(item.at);
        await this.arrive(now);
        return;
      case 'followUp':
        if (this.stale(item) || c!.pendingSince === null || c!.followUps >= s.maxFollowUps) return;
        if ((await this.answeredBy(c!, now)) !== null) return;
        c!.followUps++;
        this.counts.followUps++;
        await this.buyerWrites(c!, followUpText(c!.rnd, c!.lang), false, 'follow-up', now);
        this.schedule(now + c!.rnd.around(s.followUpAfterMs), 'followUp', c, c!.questions);
        return;
      case 'disputeCheck':
        if (this.stale(item) || c!.pendingSince === null) return;
        if ((await this.answeredBy(c!, now)) !== null) return;
        if (!c!.rnd.chance(s.disputeProbability)) return;
        if (c!.kind === 'DIRECT') {
          // Disputes are about orders and returns: this buyer can only give up.
          c!.gaveUp = true;
          this.log(c!, 'give-up', now);
          return;
        }
        await openDispute(this.deps.actions, this.businessId, c!.chatId);
        c!.disputed = true;
        this.log(c!, 'dispute', now);
        this.schedule(now + c!.rnd.around(s.arbiterClosesAfterMs), 'arbiterClose', c);
        return;
      case 'arbiterClose':
        if (c!.finished) return;
        await this.write(c!, 'SUPPORT', ARBITER_TEXT[c!.lang]);
        await closeDispute(this.deps.actions, this.businessId, c!.chatId);
        c!.finished = true;
        this.log(c!, 'dispute-closed', now);
        return;
      case 'writeBack':
        if (this.stale(item)) return;
        await this.ask(c!, writeBackText(c!.rnd, c!.lang), 'write-back', now);
        return;
      case 'finishIdle':
        if (this.stale(item) || c!.pendingSince !== null) return;
        await finishChat(this.deps.actions, this.businessId, c!.chatId);
        c!.finished = true;
        this.log(c!, 'market-finish', now);
        return;
      case 'market':
        if (c!.finished) return;
        await this.write(c!, 'MARKET', MARKET_TEXT[c!.lang]);
        this.counts.market++;
        this.log(c!, 'market', now);
        return;
      case 'support':
        if (c!.finished || c!.disputed) return;
        await this.write(c!, 'SUPPORT', SUPPORT_TEXT[c!.lang]);
        this.counts.support++;
        this.log(c!, 'support', now);
        return;
    }
  }

  private async write(c: SimChat, sender: Sender, text: string | null, files: NewFile[] = []): Promise<number> {
    return (await postMessage(this.deps.actions, this.businessId, c.chatId, sender, text, files)).messageId;
  }

  /** The buyer writes (a photo with the configured probability); returns the message id. */
  private async buyerWrites(c: SimChat, text: string, allowPhoto: boolean, action: string, now: number): Promise<number> {
    const photo = allowPhoto && c.rnd.chance(this.scenario.photoProbability[c.kind]);
    const files = photo ? [tinyPhoto(c.rnd)] : [];
    if (photo) this.counts.photos++;
    this.counts.buyerMessages++;
    this.log(c, action, now, { text, ...(photo ? { photo } : {}) });
    return this.write(c, 'CUSTOMER', text, files);
  }

  /** A new question: it waits for an answer, with follow-ups and a possible dispute behind it. */
  private async ask(c: SimChat, text: string, action: string, now: number, messageId?: number): Promise<void> {
    const id = messageId ?? (await this.buyerWrites(c, text, true, action, now));
    c.questions++;
    c.pendingSince = this.deps.clock.now();
    c.pendingAfterId = id;
    c.followUps = 0;
    const s = this.scenario;
    if (s.maxFollowUps > 0) this.schedule(now + c.rnd.around(s.followUpAfterMs), 'followUp', c, c.questions);
    this.schedule(now + s.disputeAfterMs, 'disputeCheck', c, c.questions);
  }

  private async arrive(now: number): Promise<void> {
    const s = this.scenario;
    const index = this.buyerCount++;
    const rnd = new Random(this.options.seed, index + 1);
    let kind = rnd.weighted(s.mix);
    if (kind !== 'DIRECT' && (kind === 'RETURN' ? this.returnCampaignId : this.orderCampaignId) === null) kind = 'DIRECT';
    const lang = rnd.weighted(s.languages);
    const sandbox = { db: this.deps.storage.db, clock: this.deps.clock };
    const buyer = await createBuyer(sandbox, { name: rnd.pick(NAMES[lang]) });
    const text = firstText(rnd, kind, lang);
    const c: SimChat = {
      buyer: index,
      rnd,
      kind,
      lang,
      chatId: 0,
      openedAt: now,
      questions: 0,
      pendingSince: null,
      pendingAfterId: 0,
      followUps: 0,
      firstReplyMs: null,
      replyMs: [],
      lateReplies: 0,
      disputed: false,
      finished: false,
      gaveUp: false,
    };
    let firstMessageId: number | undefined;
    if (kind === 'DIRECT') {
      const opened = await openDirectChat(this.deps.actions, this.businessId, buyer.id, rnd.pick(['Smart speaker S1', 'Wireless earbuds E2', 'Smart watch W3']), text);
      c.chatId = opened.chatId;
      this.counts.buyerMessages++;
      this.log(c, 'open', now, { text });
      firstMessageId = opened.messageId!;
      if (rnd.chance(s.photoProbability.DIRECT)) {
        this.counts.photos++;
        this.log(c, 'photo', now, { photo: true });
        await this.write(c, 'CUSTOMER', null, [tinyPhoto(rnd)]);
      }
    } else {
      const campaignId = (kind === 'RETURN' ? this.returnCampaignId : this.orderCampaignId)!;
      const order = await createOrder(sandbox, this.businessId, { campaignId, buyerId: buyer.id });
      const ref = kind === 'RETURN' ? { type: 'RETURN' as const, id: (await createReturn(sandbox, this.businessId, { orderId: order.id })).id } : { type: 'ORDER' as const, id: order.id };
      c.chatId = (await openContextChat(this.deps.actions, this.businessId, ref)).chatId;
      firstMessageId = await this.buyerWrites(c, text, true, 'open', now);
    }
    this.chats.push(c);
    await this.ask(c, text, 'open', now, firstMessageId);
    if (rnd.chance(s.marketMessageProbability)) this.schedule(now + rnd.around(s.followUpAfterMs / 2), 'market', c);
    if (rnd.chance(s.supportMessageProbability)) this.schedule(now + rnd.around(s.followUpAfterMs * 1.5), 'support', c);
  }

  /** The first seller message after the pending question, if it came by `at`. */
  private async answeredBy(c: SimChat, at: number): Promise<number | null> {
    await this.observeReplies([c]);
    return c.pendingSince === null ? at : null;
  }

  /**
   * Reads the seller's messages in chats waiting for an answer and books each answer: the time
   * from the question to it, then what the buyer does next (asks again, or lets Market finish).
   */
  async observeReplies(only?: SimChat[]): Promise<void> {
    const waiting = (only ?? this.chats).filter((c) => c.pendingSince !== null);
    if (waiting.length === 0) return;
    const db = this.deps.storage.db;
    const byId = new Map(waiting.map((c) => [c.chatId, c]));
    const ids = [...byId.keys()];
    const now = this.deps.clock.now();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('messages')
        .select(['chat_id', 'id', 'created_at'])
        .where('chat_id', 'in', ids.slice(i, i + 500))
        .where('sender', '=', 'PARTNER')
        .where('created_at', '<=', now)
        .orderBy('id')
        .execute();
      for (const r of rows) {
        const c = byId.get(r.chat_id)!;
        if (c.pendingSince === null || r.id <= c.pendingAfterId || r.created_at < c.pendingSince) continue;
        this.booked(c, r.created_at);
      }
    }
  }

  private booked(c: SimChat, at: number): void {
    const s = this.scenario;
    const ms = at - c.pendingSince!;
    c.pendingSince = null;
    if (c.firstReplyMs === null) c.firstReplyMs = ms;
    c.replyMs.push(ms);
    if (ms > s.replyDeadlineMs) c.lateReplies++;
    if (c.disputed || c.finished) return;
    if (c.questions < s.maxQuestions && c.rnd.chance(s.writeBackProbability)) this.schedule(at + c.rnd.around(s.writeBackAfterMs), 'writeBack', c, c.questions);
    else this.schedule(at + s.finishAfterIdleMs, 'finishIdle', c, c.questions);
  }

  private async sample(now: number): Promise<void> {
    const counts: Record<string, number> = {};
    const ids = this.chats.map((c) => c.chatId);
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.deps.storage.db
        .selectFrom('chats')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('id', 'in', ids.slice(i, i + 500))
        .groupBy('status')
        .execute();
      for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + Number(r.n);
    }
    this.samples.push({ t: now - this.startedAt, counts });
  }

  /** Ends the run: books the last answers, counts statuses once more. */
  async finish(state: 'finished' | 'stopped', reason: string | null = null): Promise<void> {
    if (this.done) return;
    try {
      await this.observeReplies();
      const at = Math.min(this.deps.clock.now(), this.endsAt);
      if (this.samples.at(-1)?.t !== at - this.startedAt) await this.sample(at);
    } finally {
      this.state = state;
      this.stopReason = reason;
      this.endedAt = Math.min(this.deps.clock.now(), this.endsAt);
      this.realEndedAt = Date.now();
      if (this.options.time.kind === 'speed') await saveClock(this.deps.storage.db, this.deps.clock).catch(() => {});
      for (const l of this.finishedListeners.splice(0)) l();
    }
  }

  /** Stops a running run (the scorecard keeps what happened so far). */
  async stop(reason = 'stopped on request'): Promise<void> {
    if (this.done) return;
    this.stopRequested = reason;
    if (this.loop) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.wakeLoop?.();
      await this.loop;
    } else {
      await this.finish('stopped', reason);
    }
  }

  /** Resolves when the run has ended, however it ended. */
  whenDone(): Promise<void> {
    return this.done ? Promise.resolve() : new Promise((r) => this.finishedListeners.push(r));
  }

  private wakeLoop: (() => void) | null = null;

  /** The real-time loop of `real` and `speed` runs: a step every 100 ms of real time. */
  private async runLoop(): Promise<void> {
    const time = this.options.time;
    const factor = time.kind === 'speed' ? time.factor : 1;
    const realLimit = this.realStartedAt + this.scenario.durationMs / factor + REAL_TIME_GRACE_MS;
    try {
      for (;;) {
        if (this.stopRequested !== null) return await this.finish('stopped', this.stopRequested);
        if (time.kind === 'speed') this.deps.clock.set(this.startedAt + (Date.now() - this.realStartedAt) * time.factor);
        const now = this.deps.clock.now();
        await this.advanceTo(now);
        if (now >= this.endsAt) return await this.finish('finished');
        if (Date.now() > realLimit) return await this.finish('stopped', 'the sandbox clock did not reach the end of the run (frozen?)');
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
          this.timer = setTimeout(resolve, REAL_TICK_MS);
        });
      }
    } catch (e) {
      this.error = (e as Error).message;
      await this.finish('stopped', `failed: ${this.error}`).catch(() => {});
      this.state = 'failed';
    }
  }

  /** The scorecard: what was observed so far (final once the run is done). */
  async scorecard(opts: { actions?: boolean } = {}): Promise<Scorecard> {
    return buildScorecard(this, {
      db: this.deps.storage.db,
      now: this.deps.clock.now(),
      answers: this.deps.answers(this.businessId),
      answersAtStart: this.answersAtStart,
      eventWatermark: this.eventWatermark,
      withActions: opts.actions ?? false,
    });
  }
}
