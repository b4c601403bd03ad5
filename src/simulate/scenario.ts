import { parseDuration } from '../clock.js';
import { errors } from '../domain/errors.js';

/**
 * What simulated buyers do: how often they arrive, which chats they open, how long they wait
 * before writing again or opening a dispute. Durations are sandbox-clock milliseconds; a scenario
 * file may give them as `"2m"`, `"30s"`, `"1h"`.
 */
export interface Scenario {
  name: string;
  /** How long buyers keep arriving and acting. */
  durationMs: number;
  /** Mean new chats per minute (Poisson arrivals). */
  arrivalsPerMinute: number;
  /** Relative weights of the chat kinds a buyer opens. */
  mix: { ORDER: number; RETURN: number; DIRECT: number };
  /** Relative weights of the message languages. */
  languages: { ru: number; en: number };
  /** Probability that a buyer's message carries a small photo, per chat kind. */
  photoProbability: { ORDER: number; RETURN: number; DIRECT: number };
  /** A buyer writes again when the seller has not answered for this long… */
  followUpAfterMs: number;
  /** …at most this many times per question. */
  maxFollowUps: number;
  /** A question not answered within this is counted as unanswered. */
  replyDeadlineMs: number;
  /** After this long without an answer the buyer may open a dispute (ORDER/RETURN chats)… */
  disputeAfterMs: number;
  /** …with this probability; a DIRECT chat cannot have a dispute, that buyer gives up instead. */
  disputeProbability: number;
  /** The arbiter writes and closes a dispute this long after it opened. */
  arbiterClosesAfterMs: number;
  /** After the seller answers, the buyer asks something else with this probability… */
  writeBackProbability: number;
  /** …this long after the answer… */
  writeBackAfterMs: number;
  /** …up to this many questions per chat. */
  maxQuestions: number;
  /** Market finishes a chat that stayed quiet this long after the seller's answer. */
  finishAfterIdleMs: number;
  /** Probability that Market writes one automatic message into a chat. */
  marketMessageProbability: number;
  /** Probability that support writes into a chat (it then waits for the seller). */
  supportMessageProbability: number;
  /** New chats per run, at most. */
  maxChats: number;
  /** How often chats per status are counted. */
  sampleEveryMs: number;
}

export const PRESET_NAMES = ['steady', 'peak', 'returns', 'disputes'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A shop's normal day, squeezed into ten minutes of sandbox time. */
const STEADY: Scenario = {
  name: 'steady',
  durationMs: 10 * 60_000,
  arrivalsPerMinute: 2,
  mix: { ORDER: 0.6, RETURN: 0.15, DIRECT: 0.25 },
  languages: { ru: 0.7, en: 0.3 },
  photoProbability: { ORDER: 0.1, RETURN: 0.5, DIRECT: 0.05 },
  followUpAfterMs: 2 * 60_000,
  maxFollowUps: 2,
  replyDeadlineMs: 5 * 60_000,
  disputeAfterMs: 6 * 60_000,
  disputeProbability: 0.3,
  arbiterClosesAfterMs: 3 * 60_000,
  writeBackProbability: 0.4,
  writeBackAfterMs: 45_000,
  maxQuestions: 3,
  finishAfterIdleMs: 3 * 60_000,
  marketMessageProbability: 0.05,
  supportMessageProbability: 0.03,
  maxChats: 500,
  sampleEveryMs: 10_000,
};

export const PRESETS: Record<PresetName, Scenario> = {
  steady: STEADY,
  /** A sale: twenty times the arrivals, buyers who chase sooner. */
  peak: { ...STEADY, name: 'peak', arrivalsPerMinute: STEADY.arrivalsPerMinute * 20, followUpAfterMs: 60_000, maxChats: 1000 },
  /** Mostly returns, most of them with photos of the item. */
  returns: {
    ...STEADY,
    name: 'returns',
    mix: { ORDER: 0.15, RETURN: 0.75, DIRECT: 0.1 },
    photoProbability: { ORDER: 0.2, RETURN: 0.9, DIRECT: 0.05 },
  },
  /** Impatient buyers: they dispute soon and often. */
  disputes: {
    ...STEADY,
    name: 'disputes',
    mix: { ORDER: 0.6, RETURN: 0.3, DIRECT: 0.1 },
    followUpAfterMs: 60_000,
    disputeAfterMs: 2 * 60_000,
    replyDeadlineMs: 90_000,
    disputeProbability: 0.8,
  },
};

/** Hard ceiling of chats per run, whatever a scenario asks. */
export const MAX_CHATS_LIMIT = 5000;
/** Longest run (sandbox time). */
export const MAX_DURATION_MS = 7 * 86_400_000;

const DURATION_FIELDS = [
  'duration',
  'followUpAfter',
  'replyDeadline',
  'disputeAfter',
  'arbiterClosesAfter',
  'writeBackAfter',
  'finishAfterIdle',
  'sampleEvery',
] as const;
const NUMBER_FIELDS = {
  arrivalsPerMinute: [0, 10_000],
  maxFollowUps: [0, 20],
  disputeProbability: [0, 1],
  writeBackProbability: [0, 1],
  maxQuestions: [1, 50],
  marketMessageProbability: [0, 1],
  supportMessageProbability: [0, 1],
  maxChats: [1, MAX_CHATS_LIMIT],
} as const;
const WEIGHT_FIELDS = {
  mix: ['ORDER', 'RETURN', 'DIRECT'],
  languages: ['ru', 'en'],
  photoProbability: ['ORDER', 'RETURN', 'DIRECT'],
} as const;
const KNOWN = ['name', 'preset', ...DURATION_FIELDS, ...Object.keys(NUMBER_FIELDS), ...Object.keys(WEIGHT_FIELDS)];

const bad = (field: string, what: string) => errors.invalid(`Scenario field '${field}' ${what}`);

/** A duration from a scenario: milliseconds, or text such as `90s`, `2m`, `1h`. */
export function durationOf(field: string, value: unknown): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || !Number.isFinite(ms) || ms <= 0) throw bad(field, `must be a positive duration such as 90s, 2m or 1h (or milliseconds), got ${JSON.stringify(value)}`);
  if (ms > MAX_DURATION_MS) throw bad(field, `must be at most 7d, got ${JSON.stringify(value)}`);
  return Math.round(ms);
}

/**
 * A scenario from a preset and/or a scenario file's fields (a file may name `"preset"` to start
 * from and change only some fields). Every field is checked; a bad one is named with its reason.
 */
export function resolveScenario(input: { preset?: string; scenario?: Record<string, unknown> }): Scenario {
  const file = input.scenario ?? {};
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw errors.invalid('A scenario must be a JSON object');
  const presetName = input.preset ?? (typeof file.preset === 'string' ? file.preset : 'steady');
  if (!(PRESET_NAMES as readonly string[]).includes(presetName)) {
    throw errors.invalid(`Unknown preset '${presetName}': expected one of ${PRESET_NAMES.join(', ')}`);
  }
  const out: Scenario = structuredClone(PRESETS[presetName as PresetName]);
  const unknown = Object.keys(file).find((k) => !KNOWN.includes(k));
  if (unknown !== undefined) throw errors.invalid(`'${unknown}' is not a scenario field (fields: ${KNOWN.join(', ')})`);

  if (file.name !== undefined) {
    if (typeof file.name !== 'string' || file.name.length === 0 || file.name.length > 100) throw bad('name', 'must be text of 1 to 100 characters');
    out.name = file.name;
  } else if (Object.keys(file).some((k) => k !== 'preset')) {
    out.name = `${out.name} (custom)`;
  }
  for (const f of DURATION_FIELDS) {
    if (file[f] !== undefined) (out as any)[`${f}Ms`] = durationOf(f, file[f]);
  }
  for (const [f, [min, max]] of Object.entries(NUMBER_FIELDS)) {
    const v = file[f];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(f, `must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    if ((f === 'maxFollowUps' || f === 'maxQuestions' || f === 'maxChats') && !Number.isInteger(v)) throw bad(f, `must be a whole number, got ${v}`);
    (out as any)[f] = v;
  }
  for (const [f, keys] of Object.entries(WEIGHT_FIELDS)) {
    const v = file[f];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(f, `must be an object with ${keys.join(', ')}`);
    const obj = v as Record<string, unknown>;
    const extra = Object.keys(obj).find((k) => !(keys as readonly string[]).includes(k));
    if (extra !== undefined) throw bad(`${f}.${extra}`, `is not one of ${keys.join(', ')}`);
    for (const k of keys) {
      const w = obj[k] ?? 0;
      const max = f === 'photoProbability' ? 1 : 1000;
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > max) throw bad(`${f}.${k}`, `must be a number from 0 to ${max}, got ${JSON.stringify(w)}`);
      (out as any)[f][k] = w;
    }
    if (f !== 'photoProbability' && keys.every((k) => ((out as any)[f][k] as number) === 0)) throw bad(f, 'needs at least one weight above 0');
  }
  return out;
}
