import crypto from 'node:crypto';
import type { Static } from 'typebox';
import { STATE_TABLES, type StateKey, type TableName } from '../storage/tables.js';
import { hashToken } from './access.js';
import { errors } from './errors.js';
import { parseInstant } from './sandbox-clock.js';
import type { STATE_ROWS } from './state-format.js';

/**
 * How each list of the state file maps onto its table: the fields an export writes (each from
 * one column, in the order written) and one planner per table that turns a row of the file into
 * a row of the database — references resolved against the rows planned before it, defaults
 * filled, business ids checked. Which tables there are, and their order, is `storage/tables.ts`.
 */

export type Row = Record<string, unknown>;
export type Rows = Partial<Record<TableName, Row[]>>;
type FileRow<K extends StateKey> = Static<(typeof STATE_ROWS)[K]>;

/** One field of a row of the file, kept in the column of the same name in snake_case. */
interface Field {
  name: string;
  /** The field's value in an export; `tables` holds every exported table. */
  out(row: Row, tables: Rows): unknown;
  /** The column's value on import; fields without it are planned by hand. */
  in?(value: unknown, at: string): unknown;
  column?: string;
}

interface Codec {
  out(v: unknown): unknown;
  in(v: unknown, at: string): unknown;
}
const same: Codec = { out: (v) => v, in: (v) => v };
const field = (name: string, codec: Codec = same): Field => {
  const column = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return { name, column, out: (r) => codec.out(r[column]), in: codec.in };
};
/** Epoch milliseconds in the database; the file may also give ISO 8601 with an offset. */
const time = (name: string) =>
  field(name, {
    out: (v) => v,
    in: (v, at) => {
      if (v === null) return null;
      try {
        return parseInstant(v as string | number);
      } catch {
        throw invalidAt(at, `${JSON.stringify(v)} is not epoch milliseconds or ISO 8601 with an offset`);
      }
    },
  });
/** A JSON array kept as text; `normalise` tidies what the file gives. */
const json = (name: string, normalise: (v: unknown[]) => unknown[] = (v) => v) =>
  field(name, { out: (v) => JSON.parse(v as string), in: (v) => JSON.stringify(normalise(v as unknown[])) });
/** A boolean kept as 0/1 (PostgreSQL's driver may hand back a boolean). */
const flag = (name: string) => field(name, { out: (v) => v === 1 || v === true, in: (v) => (v === false ? 0 : 1) });
const base64 = (name: string) =>
  field(name, { out: (v) => Buffer.from(v as Uint8Array).toString('base64'), in: (v) => Buffer.from(v as string, 'base64') });
/** The fields an export writes, in order; a bare name is a field kept as it is. */
const fields = (...list: (string | Field)[]): Field[] => list.map((f) => (typeof f === 'string' ? field(f) : f));

const invalidAt = (path: string, message: string) => errors.invalid(`Invalid state file at '${path}': ${message}`);

/** What a planner may ask while planning one row; paths it names are relative to the row. */
export interface RowPlan {
  /** Now on the sandbox clock: the time of rows that give none. */
  readonly now: number;
  bad(field: string, message: string): Error;
  /** The planned row of a parent the file must hold. */
  need(key: StateKey, field: string, id: number): Row;
  /** The parent's business, which a row may repeat but not contradict. */
  sameBusiness(field: string, given: number | undefined, expected: number): number;
  /** Refuses a value seen before in the same `set` (shared across tables where it is one namespace). */
  unique(set: string, field: string, value: string, what: string): void;
  /** Adds a row of another table the file carries inside this one (an OAuth user's businesses). */
  add(table: TableName, row: Row): void;
}

interface StateTable<K extends StateKey> {
  /** How an error names a row of it that another row refers to. */
  noun?: string;
  fields: Field[];
  /** The database row of a row of the file; `given` holds the columns of fields it had. */
  plan(r: FileRow<K>, given: Row, p: RowPlan): Row;
}

/** Api-Keys and OAuth tokens alike are kept as a SHA-256 digest, and may be revoked. */
const credentialFields = ['tokenHash', time('createdAt'), time('revokedAt')];

/** A credential's row; a fixture may give the plain token instead of its digest. */
function credentialRow(p: RowPlan, r: { tokenHash?: string; token?: string }, given: Row): Row {
  if ((r.tokenHash === undefined) === (r.token === undefined)) throw p.bad('token', 'give exactly one of token and tokenHash');
  const hash = r.tokenHash ?? hashToken(r.token!);
  // One namespace for both kinds: a token opens the API as whichever it is found as.
  p.unique('token hashes', 'token', hash, 'this token');
  return { created_at: p.now, revoked_at: null, ...given, token_hash: hash };
}

/** A chat's order, return, campaign, business and buyer, from its context and what it refers to. */
function chatContext(r: FileRow<'chats'>, p: RowPlan) {
  if (r.contextType === 'DIRECT') {
    if (r.businessId === undefined) throw p.bad('businessId', 'a DIRECT chat needs its business');
    p.need('businesses', 'businessId', r.businessId);
    for (const f of ['orderId', 'returnId', 'campaignId'] as const) if (r[f] != null) throw p.bad(f, 'a DIRECT chat has no order, return or campaign');
    return { businessId: r.businessId, orderId: null, returnId: null, campaignId: null, buyerId: r.buyerId ?? null };
  }
  let order: Row;
  let returnId: number | null = null;
  if (r.contextType === 'RETURN') {
    if (r.returnId == null) throw p.bad('returnId', 'a RETURN chat needs its return');
    const ret = p.need('returns', 'returnId', r.returnId);
    if (r.orderId != null && r.orderId !== ret.order_id) throw p.bad('orderId', `the return's order is ${ret.order_id}`);
    returnId = r.returnId;
    order = p.need('orders', 'orderId', ret.order_id as number);
  } else {
    if (r.returnId != null) throw p.bad('returnId', 'an ORDER chat has no return');
    if (r.orderId == null) throw p.bad('orderId', 'an ORDER chat needs its order');
    order = p.need('orders', 'orderId', r.orderId);
  }
  if (r.campaignId != null && r.campaignId !== order.campaign_id) throw p.bad('campaignId', `the order's campaign is ${order.campaign_id}`);
  const businessId = p.sameBusiness('businessId', r.businessId, order.business_id as number);
  const orderId = order.id as number;
  const about = returnId ?? orderId;
  p.unique('chat contexts', returnId !== null ? 'returnId' : 'orderId', `${businessId}|${r.contextType}:${about}`, `a chat about ${r.contextType} ${about}`);
  return {
    businessId,
    orderId,
    returnId,
    campaignId: order.campaign_id as number,
    buyerId: r.buyerId === undefined ? (order.buyer_id as number | null) : r.buyerId,
  };
}

const businessesOf = (user: Row, tables: Rows) =>
  (tables.oauth_user_businesses ?? []).filter((l) => l.user_id === user.id).map((l) => l.business_id);

const STATE: { [K in StateKey]: StateTable<K> } = {
  businesses: {
    noun: 'business',
    fields: fields('id', 'name', time('createdAt')),
    plan: (_r, given, p) => ({ ...given, created_at: given.created_at ?? p.now }),
  },
  campaigns: {
    noun: 'campaign',
    fields: fields('id', 'businessId', 'placementModel', 'domain', 'clientId', 'apiAvailability', time('createdAt')),
    plan: (r, given, p) => {
      const business = p.need('businesses', 'businessId', r.businessId);
      return {
        domain: `${business.name} (${r.placementModel})`,
        client_id: r.businessId,
        api_availability: 'AVAILABLE',
        created_at: p.now,
        ...given,
      };
    },
  },
  buyers: {
    noun: 'buyer',
    fields: fields('id', 'name', 'publicId', time('createdAt')),
    // An explicit null public id stays null: such a buyer has none.
    plan: (r, given, p) => ({ name: null, public_id: `buyer-${r.id}`, created_at: p.now, ...given }),
  },
  orders: {
    noun: 'order',
    fields: fields('id', 'businessId', 'campaignId', 'buyerId', time('createdAt')),
    plan: (r, given, p) => {
      const campaign = p.need('campaigns', 'campaignId', r.campaignId);
      if (r.buyerId != null) p.need('buyers', 'buyerId', r.buyerId);
      return { buyer_id: null, created_at: p.now, ...given, business_id: p.sameBusiness('businessId', r.businessId, campaign.business_id as number) };
    },
  },
  returns: {
    noun: 'return',
    fields: fields('id', 'businessId', 'orderId', 'campaignId', time('createdAt')),
    plan: (r, given, p) => {
      const order = p.need('orders', 'orderId', r.orderId);
      if (r.campaignId !== undefined && r.campaignId !== order.campaign_id) throw p.bad('campaignId', `the order's campaign is ${order.campaign_id}`);
      return {
        created_at: p.now,
        ...given,
        business_id: p.sameBusiness('businessId', r.businessId, order.business_id as number),
        campaign_id: order.campaign_id,
      };
    },
  },
  chats: {
    noun: 'chat',
    fields: fields(
      ...['id', 'businessId', 'contextType', 'orderId', 'returnId', 'campaignId', 'buyerId', 'subject', 'type', 'status'],
      ...[time('createdAt'), time('updatedAt'), 'version'],
    ),
    plan: (r, given, p) => {
      const c = chatContext(r, p);
      if (c.buyerId !== null) p.need('buyers', 'buyerId', c.buyerId);
      const createdAt = given.created_at ?? p.now;
      return {
        subject: null,
        type: 'CHAT',
        status: 'NEW',
        updated_at: createdAt,
        version: 1,
        ...given,
        created_at: createdAt,
        business_id: c.businessId,
        context_key: r.contextType === 'DIRECT' ? null : `${r.contextType}:${c.returnId ?? c.orderId}`,
        campaign_id: c.campaignId,
        order_id: c.orderId,
        return_id: c.returnId,
        buyer_id: c.buyerId,
      };
    },
  },
  messages: {
    noun: 'message',
    fields: fields('id', 'chatId', 'businessId', 'sender', 'text', time('createdAt')),
    plan: (r, given, p) => {
      const chat = p.need('chats', 'chatId', r.chatId);
      return { text: null, created_at: chat.created_at, ...given, business_id: p.sameBusiness('businessId', r.businessId, chat.business_id as number) };
    },
  },
  files: {
    fields: fields('id', 'messageId', 'businessId', 'name', 'contentType', 'size', 'token', base64('data'), time('createdAt')),
    plan: (r, given, p) => {
      const message = p.need('messages', 'messageId', r.messageId);
      const data = given.data as Buffer;
      if (r.size !== undefined && r.size !== data.byteLength) throw p.bad('size', `the data holds ${data.byteLength} bytes`);
      return {
        content_type: 'application/octet-stream',
        // Random, as for an upload: the token is what makes a file's URL unguessable.
        token: crypto.randomBytes(12).toString('hex'),
        created_at: message.created_at,
        ...given,
        size: data.byteLength,
        business_id: p.sameBusiness('businessId', r.businessId, message.business_id as number),
      };
    },
  },
  apiKeys: {
    fields: fields('id', 'businessId', 'name', json('scopes', (v) => [...new Set(v)]), ...credentialFields),
    plan: (r, given, p) => {
      p.need('businesses', 'businessId', r.businessId);
      return credentialRow(p, r, given);
    },
  },
  oauthUsers: {
    noun: 'OAuth user',
    // The user's businesses are rows of oauth_user_businesses, written by the planner below.
    fields: fields('id', 'login', { name: 'businessIds', out: (r, tables) => businessesOf(r, tables) }, time('createdAt')),
    plan: (r, given, p) => {
      p.unique('logins', 'login', r.login, `login '${r.login}'`);
      [...new Set(r.businessIds ?? [])].forEach((b, j) => {
        p.need('businesses', `businessIds[${j}]`, b);
        p.add('oauth_user_businesses', { user_id: r.id, business_id: b });
      });
      return { created_at: p.now, ...given };
    },
  },
  oauthTokens: {
    fields: fields('id', 'userId', 'clientId', ...credentialFields),
    plan: (r, given, p) => {
      p.need('oauthUsers', 'userId', r.userId);
      return credentialRow(p, r, given);
    },
  },
  subscriptions: {
    fields: fields(
      ...['id', 'businessId', 'url', json('eventTypes'), flag('enabled'), 'disabledReason'],
      ...[time('disabledAt'), time('createdAt'), time('updatedAt')],
    ),
    plan: (r, given, p) => {
      p.need('businesses', 'businessId', r.businessId);
      const createdAt = given.created_at ?? p.now;
      return { enabled: 1, disabled_reason: null, disabled_at: null, updated_at: createdAt, ...given, created_at: createdAt };
    },
  },
};

// A list in the file's schema that no table keeps would be refused by no check but written nowhere.
type Unkept = Exclude<keyof typeof STATE_ROWS, StateKey>;
const everyListKept: [Unkept] extends [never] ? true : Unkept = true;
void everyListKept;

/** The lists of the file, parents first (the order they are exported, planned and written in). */
export const STATE_KEYS: readonly StateKey[] = [...new Set(STATE_TABLES.map((t) => t.state))];

/** The table a list of the file is kept in (the first the registry names for it). */
const tableOf = (key: StateKey): TableName => STATE_TABLES.find((t) => t.state === key)!.name;

/** The exported tables as the file's lists. */
export function toFile(tables: Rows): Record<StateKey, unknown[]> {
  const out = {} as Record<StateKey, unknown[]>;
  for (const key of STATE_KEYS) {
    const { fields } = STATE[key];
    out[key] = (tables[tableOf(key)] ?? []).map((row) => Object.fromEntries(fields.map((f) => [f.name, f.out(row, tables)])));
  }
  return out;
}

/** Planning state for one file: the rows planned so far, by list and id, and the values seen. */
class FilePlan implements RowPlan {
  readonly rows: Rows = {};
  private readonly byId = new Map<StateKey, Map<number, Row>>(STATE_KEYS.map((k) => [k, new Map()]));
  private readonly seen = new Map<string, Set<string>>();
  /** The path of the row being planned, e.g. `chats[3]`. */
  private at = '$';

  constructor(readonly now: number) {}

  plan(key: StateKey, list: unknown[]): void {
    const { fields, plan } = STATE[key] as StateTable<StateKey>;
    list.forEach((r, i) => {
      this.at = `${key}[${i}]`;
      const given: Row = {};
      for (const f of fields) {
        const v = (r as Row)[f.name];
        if (v !== undefined && f.in) given[f.column!] = f.in(v, this.path(f.name));
      }
      const row = plan(r as never, given, this);
      this.add(tableOf(key), row);
      if (row.id !== undefined) this.byId.get(key)!.set(row.id as number, row);
    });
  }

  private path(field: string): string {
    return `${this.at}.${field}`;
  }

  bad(field: string, message: string): Error {
    return invalidAt(this.path(field), message);
  }

  need(key: StateKey, field: string, id: number): Row {
    const row = this.byId.get(key)!.get(id);
    if (!row) throw this.bad(field, `${STATE[key].noun} ${id} is not in the file`);
    return row;
  }

  sameBusiness(field: string, given: number | undefined, expected: number): number {
    if (given !== undefined && given !== expected) throw this.bad(field, `business ${given} does not match business ${expected} of the row it refers to`);
    return expected;
  }

  unique(set: string, field: string, value: string, what: string): void {
    const seen = this.seen.get(set) ?? this.seen.set(set, new Set()).get(set)!;
    if (seen.has(value)) throw this.bad(field, `${what} appears twice`);
    seen.add(value);
  }

  add(table: TableName, row: Row): void {
    (this.rows[table] ??= []).push(row);
  }
}

/**
 * The database rows of a checked file: references resolved, defaults filled, uniqueness checked;
 * an error names the path of the bad field. Ids are checked first, in every list, so a repeated
 * id is reported before what refers to it.
 */
export function planRows(file: Partial<Record<StateKey, unknown[]>>, nowMs: number): Rows {
  for (const key of STATE_KEYS) {
    const ids = new Set<number>();
    (file[key] ?? []).forEach((r, i) => {
      const id = (r as { id?: number }).id;
      if (id === undefined) return;
      if (ids.has(id)) throw invalidAt(`${key}[${i}].id`, `id ${id} appears twice`);
      ids.add(id);
    });
  }
  const plan = new FilePlan(nowMs);
  for (const key of STATE_KEYS) plan.plan(key, file[key] ?? []);
  return plan.rows;
}
