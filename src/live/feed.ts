import { sql } from 'kysely';
import type { Db } from '../storage/storage.js';

/**
 * What the console's live stream tells: which kinds of things changed, and where, since the last
 * change. Listeners then read what they show again; the feed itself carries no data, so it
 * cannot disagree with the control API.
 */
export const CHANGE_KINDS = ['chats', 'messages', 'deliveries', 'requests', 'keys', 'subscriptions', 'clock', 'faults'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  kinds: ChangeKind[];
  /** Chats that got messages (empty when only statuses changed: then any chat may have). */
  chatIds: number[];
  businessIds: number[];
}

type Marks = Record<Exclude<ChangeKind, 'faults'>, string> & { faults: string; lastMessageId: number };

const POLL_MS = 1000;
const NUDGE_MS = 15;
const MAX_MESSAGES_NAMED = 200;

/**
 * Watches the database for changes, whoever made them: this process, the CLI through it, or
 * another instance on the same PostgreSQL. It compares a few cheap markers (newest ids, the sum
 * of chat versions, the stored clock) once a second while anyone listens, and at once when this
 * process says it wrote something (`nudge`). The domain never learns the feed exists.
 */
export class LiveFeed {
  private readonly listeners = new Set<(c: Change) => void>();
  private marks: Marks | null = null;
  private poll: NodeJS.Timeout | null = null;
  private nudged: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly db: () => Db,
    /** In-process state the database does not hold, as a comparable string. */
    private readonly localMarks: () => string = () => '',
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get listening(): number {
    return this.listeners.size;
  }

  subscribe(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Resolves once the comparison under way (the first one after a subscribe) is done. */
  settled(): Promise<void> {
    return this.checking ?? Promise.resolve();
  }

  /** Something was written here: look soon rather than at the next tick. */
  nudge(): void {
    if (this.listeners.size === 0 || this.nudged) return;
    this.nudged = setTimeout(() => {
      this.nudged = null;
      void this.check();
    }, NUDGE_MS);
    this.nudged.unref?.();
  }

  private start(): void {
    this.marks = null;
    void this.check();
    this.poll = setInterval(() => void this.check(), POLL_MS);
    this.poll.unref?.();
  }

  stop(): void {
    if (this.poll) clearInterval(this.poll);
    if (this.nudged) clearTimeout(this.nudged);
    this.poll = this.nudged = null;
    this.marks = null;
  }

  close(): void {
    this.listeners.clear();
    this.stop();
  }

  /** One comparison; a check asked for while one runs runs once more after it. */
  check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      try {
        do {
          this.again = false;
          await this.compare();
        } while (this.again);
      } catch (e) {
        this.onError(e);
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  private async compare(): Promise<void> {
    const db = this.db();
    const now = await readMarks(db, this.localMarks());
    const before = this.marks;
    this.marks = now;
    if (!before || this.listeners.size === 0) return;
    const kinds = CHANGE_KINDS.filter((k) => before[k] !== now[k]);
    if (kinds.length === 0) return;
    const change: Change = { kinds, chatIds: [], businessIds: [] };
    if (now.lastMessageId > before.lastMessageId) {
      const rows = await db
        .selectFrom('messages')
        .select(['chat_id', 'business_id'])
        .where('id', '>', before.lastMessageId)
        .orderBy('id')
        .limit(MAX_MESSAGES_NAMED)
        .execute();
      change.chatIds = [...new Set(rows.map((r) => r.chat_id))];
      change.businessIds = [...new Set(rows.map((r) => r.business_id))];
    }
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}

async function readMarks(db: Db, local: string): Promise<Marks> {
  const n = (column: string, table: string) => sql<number>`(select cast(coalesce(${sql.raw(column)}, 0) as bigint) from ${sql.table(table)})`;
  const row = (
    await sql<Record<string, number | string | null>>`select
      ${n('max(id)', 'chats')} as chats_max,
      ${n('sum(version)', 'chats')} as chats_versions,
      ${n('max(id)', 'messages')} as messages,
      ${n('max(id)', 'faults')} as faults_max,
      ${n('count(*)', 'faults')} as faults_count,
      ${n('sum(remaining)', 'faults')} as faults_left,
      ${n('max(id)', 'delivery_attempts')} as attempts,
      ${n('max(id)', 'deliveries')} as deliveries,
      ${n('max(id)', 'request_log')} as requests,
      ${n('max(id)', 'api_keys')} as keys_max,
      ${n('count(revoked_at)', 'api_keys')} as keys_revoked,
      ${n('max(updated_at)', 'subscriptions')} as subs_updated,
      ${n('count(*)', 'subscriptions')} as subs_count,
      ${n('sum(enabled)', 'subscriptions')} as subs_enabled,
      (select value from settings where key = 'clock') as clock`.execute(db)
  ).rows[0];
  const s = (...keys: string[]) => keys.map((k) => String(row[k] ?? '')).join('/');
  return {
    chats: s('chats_max', 'chats_versions'),
    messages: s('messages'),
    deliveries: s('attempts', 'deliveries'),
    requests: s('requests'),
    keys: s('keys_max', 'keys_revoked'),
    subscriptions: s('subs_updated', 'subs_count', 'subs_enabled'),
    clock: s('clock'),
    faults: s('faults_max', 'faults_count', 'faults_left') + local,
    lastMessageId: Number(row.messages ?? 0),
  };
}
