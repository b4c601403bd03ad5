import type { InspectorConfig } from '../config.js';
import type { Insertable } from 'kysely';
import type { Db } from '../storage/storage.js';
import { preparedList } from '../storage/prepared.js';
import type { RequestLogTable } from '../storage/schema.js';

/**
 * The request inspector's journal: every partner API call, kept per business up to a bound.
 * Calls are queued as they finish and written in batches a moment later, so no partner answer
 * waits for a journal write; bodies are serialised and cut at write time, not on the request.
 */

export interface RateLimitSeen {
  limit: string | null;
  remaining: string | null;
  until: string | null;
}

/** What the HTTP face hands over when a call has been answered; raw, not yet serialised. */
export interface CallSeen {
  at: number;
  clockAt: number;
  method: string;
  path: string;
  operationId: string;
  businessId: number | null;
  keyName: string | null;
  status: number;
  latencyMs: number;
  rateLimit: RateLimitSeen | null;
  chatId: number | null;
  /** The parsed request body, or a description of an upload. */
  requestBody: unknown;
  /** The response as sent (a JSON string for partner methods). */
  responseBody: unknown;
}

export interface RequestEntry {
  id: number;
  businessId: number | null;
  at: number;
  clockAt: number;
  method: string;
  path: string;
  operationId: string;
  keyName: string | null;
  status: number;
  errorCode: string | null;
  errorMessage: string | null;
  latencyMs: number;
  rateLimit: RateLimitSeen | null;
  chatId: number | null;
  requestBody: string | null;
  responseBody: string | null;
}

const BATCH_DELAY_MS = 200;
const MAX_BATCH = 500;
const CUT_MARK = '…[truncated]';

/** A body as text, cut to `max` characters with a visible mark. */
export function bodyText(body: unknown, max: number): string | null {
  if (body === undefined || body === null) return null;
  let text: string;
  if (typeof body === 'string') text = body;
  else if (Buffer.isBuffer(body)) text = body.toString('utf8');
  else {
    try {
      text = JSON.stringify(body);
    } catch {
      text = String(body);
    }
  }
  return text.length > max ? text.slice(0, max) + CUT_MARK : text;
}

/** Market's error envelope's first error, if the answer is one. */
function errorOf(response: unknown): { code: string | null; message: string | null } {
  const text = typeof response === 'string' ? response : Buffer.isBuffer(response) ? response.toString('utf8') : null;
  if (text === null || !text.includes('"errors"')) return { code: null, message: null };
  try {
    const first = (JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] }).errors?.[0];
    return { code: typeof first?.code === 'string' ? first.code : null, message: typeof first?.message === 'string' ? first.message : null };
  } catch {
    return { code: null, message: null };
  }
}

/**
 * createChat names its chat only in the answer. No other answer is read for it: a page of
 * getChats names twenty chats, and parsing it cost more than the whole call.
 */
function chatIdOf(call: CallSeen): number | null {
  if (call.chatId !== null || call.operationId !== 'createChat' || typeof call.responseBody !== 'string' || !call.responseBody.includes('"chatId"')) return call.chatId;
  try {
    const id = (JSON.parse(call.responseBody) as { result?: { chatId?: unknown } }).result?.chatId;
    return typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

export class RequestJournal {
  private queue: CallSeen[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Calls stored per business since its journal was last trimmed. */
  private readonly sinceTrim = new Map<number | null, number>();

  constructor(
    private readonly db: () => Db,
    private readonly config: InspectorConfig,
    /** Told after each batch is stored (the live feed's nudge). */
    private readonly onStored: () => void = () => {},
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Queues a finished call; cheap, synchronous, never throws. */
  record(call: CallSeen): void {
    if (this.closed) return;
    this.queue.push(call);
    if (this.queue.length >= MAX_BATCH) this.schedule(0);
    else this.schedule(BATCH_DELAY_MS);
  }

  private schedule(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    this.timer.unref?.();
  }

  /** Writes what is queued; resolves when everything queued before the call is stored. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return this.writing;
    this.writing = this.writing.then(() => this.write(batch)).catch((e) => this.onError(e));
    return this.writing;
  }

  /** Stops taking calls and writes the rest. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async write(batch: CallSeen[]): Promise<void> {
    const max = this.config.bodyBytes;
    // Trimming walks the business's newest N ids, so it runs once per 5% of N new calls, not per
    // batch: the journal may hold up to 5% more than N for a moment.
    const every = Math.ceil(this.config.perBusiness / 20);
    // A slice at a time, each its own statement, the event loop let through in between: a batch
    // written in one go held every answer waiting meanwhile (getChat's p99 at 16 connections was
    // 8 ms that way, 5 ms sliced).
    for (let start = 0; start < batch.length; ) {
      if (start > 0) await nextTurn();
      const slice = batch.slice(start, start + sliceLength(batch.length - start));
      start += slice.length;
      const values: unknown[] = [];
      for (const c of slice) {
        const err = c.status >= 400 ? errorOf(c.responseBody) : { code: null, message: null };
        values.push(
          c.businessId, c.at, c.clockAt, c.method, c.path, c.operationId, c.keyName, c.status, err.code, err.message,
          Math.round(c.latencyMs * 100) / 100, c.rateLimit ? JSON.stringify(c.rateLimit) : null, chatIdOf(c),
          bodyText(c.requestBody, max), bodyText(c.responseBody, max),
        );
        this.sinceTrim.set(c.businessId, (this.sinceTrim.get(c.businessId) ?? 0) + 1);
      }
      await insertCalls(this.db(), values);
    }
    for (const [businessId, n] of [...this.sinceTrim]) {
      if (n < every) continue;
      await nextTurn();
      await trimBusiness(this.db(), businessId, this.config.perBusiness);
      this.sinceTrim.delete(businessId);
    }
    this.onStored();
  }
}

/** Most calls written per statement (15 values each). */
const SLICE = 128;

/** A power of two: the insert has a handful of shapes, each compiled and prepared once. */
const sliceLength = (left: number) => (left >= SLICE ? SLICE : 2 ** Math.floor(Math.log2(left)));

const COLUMNS = [
  'business_id', 'at', 'clock_at', 'method', 'path', 'operation_id', 'key_name', 'status', 'error_code', 'error_message',
  'latency_ms', 'rate_limit', 'chat_id', 'request_body', 'response_body',
] as const;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Inserts calls given as their column values in COLUMNS order, one call after another. */
const insertCalls = preparedList((db: Db, values: readonly unknown[]) => {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < values.length; i += COLUMNS.length) {
    const row: Record<string, unknown> = {};
    COLUMNS.forEach((column, j) => (row[column] = values[i + j]));
    rows.push(row);
  }
  return db.insertInto('request_log').values(rows as unknown as Insertable<RequestLogTable>[]);
});

/** Rows deleted per statement when trimming, the event loop let through in between. */
const TRIM_SLICE = 200;

/** Keeps the newest `keep` calls of one business (the calls without a business count as one). */
async function trimBusiness(db: Db, businessId: number | null, keep: number): Promise<void> {
  const scoped = <T extends { where: any }>(q: T): T =>
    (businessId === null ? q.where('business_id', 'is', null) : q.where('business_id', '=', businessId)) as T;
  const edge = await scoped(db.selectFrom('request_log').select('id'))
    .orderBy('id', 'desc')
    .limit(1)
    .offset(keep)
    .executeTakeFirst();
  if (!edge) return;
  for (;;) {
    const slice = scoped(db.selectFrom('request_log').select('id')).where('id', '<=', edge.id).orderBy('id').limit(TRIM_SLICE);
    const res = await db.deleteFrom('request_log').where('id', 'in', slice).executeTakeFirst();
    if (Number(res.numDeletedRows) < TRIM_SLICE) return;
    await nextTurn();
  }
}

export interface RequestFilter {
  businessId?: number;
  operation?: string;
  /** `2xx`, `4xx`, `5xx` or an exact status such as `403`. */
  status?: string;
  key?: string;
  chatId?: number;
  /** Calls older than this id (paging back). */
  beforeId?: number;
  /** Calls newer than this id (following). */
  afterId?: number;
  limit: number;
}

const toEntry = (r: any): RequestEntry => ({
  id: r.id,
  businessId: r.business_id,
  at: r.at,
  clockAt: r.clock_at,
  method: r.method,
  path: r.path,
  operationId: r.operation_id,
  keyName: r.key_name,
  status: r.status,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  latencyMs: Number(r.latency_ms),
  rateLimit: r.rate_limit ? (JSON.parse(r.rate_limit) as RateLimitSeen) : null,
  chatId: r.chat_id,
  requestBody: r.request_body,
  responseBody: r.response_body,
});

/** Newest first; following (`afterId`) gives the oldest new ones first, so nothing is skipped. */
export async function listRequests(db: Db, f: RequestFilter): Promise<RequestEntry[]> {
  let q = db.selectFrom('request_log').selectAll();
  if (f.businessId !== undefined) q = q.where('business_id', '=', f.businessId);
  if (f.operation !== undefined) q = q.where('operation_id', '=', f.operation);
  if (f.key !== undefined) q = q.where('key_name', '=', f.key);
  if (f.chatId !== undefined) q = q.where('chat_id', '=', f.chatId);
  if (f.status !== undefined) {
    const cls = /^([1-5])xx$/i.exec(f.status);
    if (cls) q = q.where('status', '>=', Number(cls[1]) * 100).where('status', '<', Number(cls[1]) * 100 + 100);
    else q = q.where('status', '=', Number(f.status));
  }
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  if (f.afterId !== undefined) {
    const rows = await q.where('id', '>', f.afterId).orderBy('id', 'asc').limit(f.limit).execute();
    return rows.map(toEntry);
  }
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map(toEntry);
}

export async function getRequest(db: Db, id: number): Promise<RequestEntry | null> {
  const row = await db.selectFrom('request_log').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toEntry(row) : null;
}

export async function clearRequests(db: Db, businessId?: number): Promise<number> {
  let q = db.deleteFrom('request_log');
  if (businessId !== undefined) q = q.where('business_id', '=', businessId);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}

export interface MinuteCounts {
  /** Start of the minute, wall-clock ms. */
  minute: number;
  '2xx': number;
  '4xx': number;
  '5xx': number;
}

/** Calls per wall-clock minute by status class, for the last `minutes` minutes up to `nowMs`. */
export async function requestsPerMinute(db: Db, nowMs: number, minutes: number, businessId?: number): Promise<MinuteCounts[]> {
  const last = Math.floor(nowMs / 60_000);
  const first = last - minutes + 1;
  let q = db
    .selectFrom('request_log')
    .select(['at', 'status'])
    .where('at', '>=', first * 60_000);
  if (businessId !== undefined) q = q.where('business_id', '=', businessId);
  const out: MinuteCounts[] = [];
  for (let m = first; m <= last; m++) out.push({ minute: m * 60_000, '2xx': 0, '4xx': 0, '5xx': 0 });
  // Counted here rather than grouped in SQL: the window holds at most a few thousand rows and
  // integer division differs between the dialects.
  for (const r of await q.execute()) {
    const i = Math.floor(r.at / 60_000) - first;
    if (i < 0 || i >= out.length) continue;
    const cls = r.status >= 500 ? '5xx' : r.status >= 400 ? '4xx' : '2xx';
    out[i][cls] += 1;
  }
  return out;
}
