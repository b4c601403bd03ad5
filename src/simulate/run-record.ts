import type { Random } from './random.js';
import type { Scenario } from './scenario.js';
import type { Kind, Lang } from './texts.js';

/** The records of a simulation run: what the run writes and its scorecard reads. */

/**
 * How sandbox time moves during a run:
 * - `real`: the run follows the sandbox clock as it is (real time by default);
 * - `speed`: the run drives the clock, virtual and N× faster than real time;
 * - `manual`: the clock is frozen and moves only when the caller advances the run (tests).
 */
export type TimeMode = { kind: 'real' } | { kind: 'speed'; factor: number } | { kind: 'manual' };

export interface RunOptions {
  businessId: number;
  scenario: Scenario;
  seed: number;
  time: TimeMode;
}

export type RunState = 'running' | 'finished' | 'stopped' | 'failed';

/** One thing a simulated party did, as offsets from the start: the same seed repeats these. */
export interface ActionRecord {
  t: number;
  buyer: number;
  action: string;
  kind: Kind;
  text?: string;
  photo?: boolean;
}

/** A simulated buyer's chat and what the run has seen of it. */
export interface SimChat {
  buyer: number;
  rnd: Random;
  kind: Kind;
  lang: Lang;
  chatId: number;
  openedAt: number;
  /** Questions asked so far; each waits for one seller answer. */
  questions: number;
  /** When the unanswered question was asked (sandbox ms), null when answered. */
  pendingSince: number | null;
  /** Id of the message that asked it: answers are the seller's messages after it. */
  pendingAfterId: number;
  followUps: number;
  firstReplyMs: number | null;
  replyMs: number[];
  lateReplies: number;
  disputed: boolean;
  finished: boolean;
  /** A DIRECT chat's buyer who would have disputed gives up instead. */
  gaveUp: boolean;
}

export interface StatusSample {
  t: number;
  counts: Record<string, number>;
}

/** What a run exposes to its scorecard: its options, its progress and what it recorded. */
export interface RunRecord {
  readonly options: RunOptions;
  readonly businessId: number;
  readonly scenario: Scenario;
  readonly startedAt: number;
  readonly realStartedAt: number;
  readonly endedAt: number | null;
  readonly realEndedAt: number | null;
  readonly endsAt: number;
  readonly state: RunState;
  readonly stopReason: string | null;
  readonly chats: SimChat[];
  readonly samples: StatusSample[];
  readonly actions: ActionRecord[];
  readonly capReached: boolean;
  readonly failedActions: number;
  readonly counts: Readonly<Record<'buyerMessages' | 'followUps' | 'photos' | 'market' | 'support', number>>;
  elapsed(): number;
}
