import crypto from 'node:crypto';
import fs from 'node:fs';
import { formatUtc, type Clock, type SandboxClock } from '../clock.js';
import type { Db, Storage } from '../storage/storage.js';
import type { Database } from '../storage/schema.js';
import { syncSequences, wipeSandbox } from '../storage/sequences.js';
import { hashToken } from './access.js';
import { seedDemo } from './demo.js';
import { AppError, errors } from './errors.js';
import { parseInstant, restoreClock } from './sandbox-clock.js';
import { STATE_FORMAT, STATE_VERSION, checkStateFile, type StateFile } from './state-format.js';

/** Export, import and reset of the whole sandbox. */

const bool = (v: unknown) => v === 1 || v === true;

/** The whole sandbox as a state file (version 1); times are epoch milliseconds, files base64. */
export async function exportState(db: Db, clock: Clock): Promise<StateFile & { exportedAt: string }> {
  // One snapshot: rows written while the export reads must not leave a message without its chat.
  const read = async (trx: Db) => {
    // Rows are read loosely typed: each table's fields are spelled out by hand below.
    const all = (t: keyof Database) => trx.selectFrom(t as 'businesses').selectAll().orderBy('id').execute() as Promise<any[]>;
    const out = [];
    for (const t of ['businesses', 'campaigns', 'buyers', 'orders', 'returns', 'chats', 'messages', 'files', 'api_keys', 'oauth_users', 'oauth_tokens', 'subscriptions'] as const) {
      out.push(await all(t));
    }
    const links = await trx.selectFrom('oauth_user_businesses').selectAll().orderBy('user_id').orderBy('business_id').execute();
    const settings = await trx.selectFrom('settings').selectAll().orderBy('key').execute();
    return { tables: out, links, settings };
  };
  const snapshot = await db.transaction().setIsolationLevel('repeatable read').execute(read);
  const [businesses, campaigns, buyers, orders, returns, chats, messages, files, apiKeys, users, tokens, subs] = snapshot.tables;
  const { links, settings } = snapshot;
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    exportedAt: formatUtc(clock.now()),
    businesses: businesses.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at })),
    campaigns: campaigns.map((r) => ({
      id: r.id, businessId: r.business_id, placementModel: r.placement_model, domain: r.domain, clientId: r.client_id,
      apiAvailability: r.api_availability, createdAt: r.created_at,
    })),
    buyers: buyers.map((r) => ({ id: r.id, name: r.name, publicId: r.public_id, createdAt: r.created_at })),
    orders: orders.map((r) => ({ id: r.id, businessId: r.business_id, campaignId: r.campaign_id, buyerId: r.buyer_id, createdAt: r.created_at })),
    returns: returns.map((r) => ({ id: r.id, businessId: r.business_id, orderId: r.order_id, campaignId: r.campaign_id, createdAt: r.created_at })),
    chats: chats.map((r) => ({
      id: r.id, businessId: r.business_id, contextType: r.context_type, orderId: r.order_id, returnId: r.return_id,
      campaignId: r.campaign_id, buyerId: r.buyer_id, subject: r.subject, type: r.type, status: r.status,
      createdAt: r.created_at, updatedAt: r.updated_at, version: r.version,
    })),
    messages: messages.map((r) => ({ id: r.id, chatId: r.chat_id, businessId: r.business_id, sender: r.sender, text: r.text, createdAt: r.created_at })),
    files: files.map((r) => ({
      id: r.id, messageId: r.message_id, businessId: r.business_id, name: r.name, contentType: r.content_type, size: r.size,
      token: r.token, data: Buffer.from(r.data).toString('base64'), createdAt: r.created_at,
    })),
    apiKeys: apiKeys.map((r) => ({
      id: r.id, businessId: r.business_id, name: r.name, scopes: JSON.parse(r.scopes), tokenHash: r.token_hash,
      createdAt: r.created_at, revokedAt: r.revoked_at,
    })),
    oauthUsers: users.map((r) => ({
      id: r.id, login: r.login, businessIds: links.filter((l) => l.user_id === r.id).map((l) => l.business_id), createdAt: r.created_at,
    })),
    oauthTokens: tokens.map((r) => ({
      id: r.id, userId: r.user_id, clientId: r.client_id, tokenHash: r.token_hash, createdAt: r.created_at, revokedAt: r.revoked_at,
    })),
    subscriptions: subs.map((r) => ({
      id: r.id, businessId: r.business_id, url: r.url, eventTypes: JSON.parse(r.event_types), enabled: bool(r.enabled),
      disabledReason: r.disabled_reason, disabledAt: r.disabled_at, createdAt: r.created_at, updatedAt: r.updated_at,
    })),
    settings: Object.fromEntries(settings.map((s) => [s.key, s.value])),
  };
}

type Rows = { [T in keyof Database]?: Record<string, unknown>[] };

/** Resolves references, fills defaults and checks uniqueness; errors name the path of the bad field. */
function planRows(file: StateFile, nowMs: number): Rows {
  const bad = (path: string, message: string) => errors.invalid(`Invalid state file at '${path}': ${message}`);
  const time = (path: string, v: string | number | undefined | null, fallback: number): number => {
    if (v === undefined || v === null) return fallback;
    try {
      return parseInstant(v);
    } catch {
      throw bad(path, `${JSON.stringify(v)} is not epoch milliseconds or ISO 8601 with an offset`);
    }
  };
  const nullableTime = (path: string, v: string | number | null | undefined) => (v === undefined || v === null ? null : time(path, v, 0));
  /** Rows of a table by id; a repeated id is refused. */
  const index = <R extends { id?: number }>(table: string, rows: R[] | undefined) => {
    const map = new Map<number, R>();
    (rows ?? []).forEach((r, i) => {
      if (r.id === undefined) return;
      if (map.has(r.id)) throw bad(`${table}[${i}].id`, `id ${r.id} appears twice`);
      map.set(r.id, r);
    });
    return map;
  };
  const need = <R>(map: Map<number, R>, path: string, what: string, id: number): R => {
    const r = map.get(id);
    if (!r) throw bad(path, `${what} ${id} is not in the file`);
    return r;
  };
  const sameBusiness = (path: string, given: number | undefined, expected: number) => {
    if (given !== undefined && given !== expected) throw bad(path, `business ${given} does not match business ${expected} of the row it refers to`);
    return expected;
  };
  const tokenHashOf = (path: string, r: { tokenHash?: string; token?: string }) => {
    if ((r.tokenHash === undefined) === (r.token === undefined)) throw bad(path, 'give exactly one of token and tokenHash');
    return r.tokenHash ?? hashToken(r.token!);
  };
  const uniqueIn = (seen: Set<string>, path: string, key: string, what: string) => {
    if (seen.has(key)) throw bad(path, `${what} appears twice`);
    seen.add(key);
  };

  const businesses = index('businesses', file.businesses);
  const campaigns = index('campaigns', file.campaigns);
  const buyers = index('buyers', file.buyers);
  const orders = index('orders', file.orders);
  const returns = index('returns', file.returns);
  const chats = index('chats', file.chats);
  const messages = index('messages', file.messages);
  const users = index('oauthUsers', file.oauthUsers);
  index('files', file.files);
  index('apiKeys', file.apiKeys);
  index('oauthTokens', file.oauthTokens);
  index('subscriptions', file.subscriptions);

  const out: Rows = {};
  out.businesses = (file.businesses ?? []).map((r, i) => ({ id: r.id, name: r.name, created_at: time(`businesses[${i}].createdAt`, r.createdAt, nowMs) }));
  out.campaigns = (file.campaigns ?? []).map((r, i) => {
    const p = `campaigns[${i}]`;
    const business = need(businesses, `${p}.businessId`, 'business', r.businessId);
    return {
      id: r.id, business_id: r.businessId, domain: r.domain ?? `${business.name} (${r.placementModel})`, client_id: r.clientId ?? r.businessId,
      placement_model: r.placementModel, api_availability: r.apiAvailability ?? 'AVAILABLE', created_at: time(`${p}.createdAt`, r.createdAt, nowMs),
    };
  });
  out.buyers = (file.buyers ?? []).map((r, i) => ({
    id: r.id, name: r.name ?? null, public_id: r.publicId === undefined ? `buyer-${r.id}` : r.publicId,
    created_at: time(`buyers[${i}].createdAt`, r.createdAt, nowMs),
  }));
  out.orders = (file.orders ?? []).map((r, i) => {
    const p = `orders[${i}]`;
    const campaign = need(campaigns, `${p}.campaignId`, 'campaign', r.campaignId);
    if (r.buyerId != null) need(buyers, `${p}.buyerId`, 'buyer', r.buyerId);
    return {
      id: r.id, business_id: sameBusiness(`${p}.businessId`, r.businessId, campaign.businessId), campaign_id: r.campaignId,
      buyer_id: r.buyerId ?? null, created_at: time(`${p}.createdAt`, r.createdAt, nowMs),
    };
  });
  const orderRows = new Map(out.orders.map((o) => [o.id as number, o]));
  out.returns = (file.returns ?? []).map((r, i) => {
    const p = `returns[${i}]`;
    need(orders, `${p}.orderId`, 'order', r.orderId);
    const order = orderRows.get(r.orderId)!;
    if (r.campaignId !== undefined && r.campaignId !== order.campaign_id) throw bad(`${p}.campaignId`, `the order's campaign is ${order.campaign_id}`);
    return {
      id: r.id, business_id: sameBusiness(`${p}.businessId`, r.businessId, order.business_id as number), order_id: r.orderId,
      campaign_id: order.campaign_id, created_at: time(`${p}.createdAt`, r.createdAt, nowMs),
    };
  });
  const returnRows = new Map(out.returns.map((o) => [o.id as number, o]));
  const contexts = new Set<string>();
  out.chats = (file.chats ?? []).map((r, i) => {
    const p = `chats[${i}]`;
    let businessId: number;
    let orderId: number | null = null;
    let returnId: number | null = null;
    let campaignId: number | null = null;
    let buyerId: number | null = r.buyerId ?? null;
    if (r.contextType === 'DIRECT') {
      if (r.businessId === undefined) throw bad(`${p}.businessId`, 'a DIRECT chat needs its business');
      need(businesses, `${p}.businessId`, 'business', r.businessId);
      for (const f of ['orderId', 'returnId', 'campaignId'] as const) if (r[f] != null) throw bad(`${p}.${f}`, 'a DIRECT chat has no order, return or campaign');
      businessId = r.businessId;
    } else {
      let order: Record<string, unknown>;
      if (r.contextType === 'RETURN') {
        if (r.returnId == null) throw bad(`${p}.returnId`, 'a RETURN chat needs its return');
        need(returns, `${p}.returnId`, 'return', r.returnId);
        const ret = returnRows.get(r.returnId)!;
        if (r.orderId != null && r.orderId !== ret.order_id) throw bad(`${p}.orderId`, `the return's order is ${ret.order_id}`);
        returnId = r.returnId;
        order = orderRows.get(ret.order_id as number)!;
      } else {
        if (r.returnId != null) throw bad(`${p}.returnId`, 'an ORDER chat has no return');
        if (r.orderId == null) throw bad(`${p}.orderId`, 'an ORDER chat needs its order');
        need(orders, `${p}.orderId`, 'order', r.orderId);
        order = orderRows.get(r.orderId)!;
      }
      orderId = order.id as number;
      if (r.campaignId != null && r.campaignId !== order.campaign_id) throw bad(`${p}.campaignId`, `the order's campaign is ${order.campaign_id}`);
      campaignId = order.campaign_id as number;
      businessId = sameBusiness(`${p}.businessId`, r.businessId, order.business_id as number);
      if (r.buyerId === undefined) buyerId = order.buyer_id as number | null;
      const key = `${businessId}|${r.contextType}:${returnId ?? orderId}`;
      uniqueIn(contexts, `${p}.${returnId !== null ? 'returnId' : 'orderId'}`, key, `a chat about ${r.contextType} ${returnId ?? orderId}`);
    }
    if (buyerId !== null) need(buyers, `${p}.buyerId`, 'buyer', buyerId);
    const createdAt = time(`${p}.createdAt`, r.createdAt, nowMs);
    return {
      id: r.id, business_id: businessId, context_type: r.contextType,
      context_key: r.contextType === 'DIRECT' ? null : `${r.contextType}:${returnId ?? orderId}`,
      campaign_id: campaignId, order_id: orderId, return_id: returnId, buyer_id: buyerId, subject: r.subject ?? null,
      type: r.type ?? 'CHAT', status: r.status ?? 'NEW', created_at: createdAt,
      updated_at: time(`${p}.updatedAt`, r.updatedAt, createdAt), version: r.version ?? 1,
    };
  });
  const chatRows = new Map(out.chats.map((c) => [c.id as number, c]));
  out.messages = (file.messages ?? []).map((r, i) => {
    const p = `messages[${i}]`;
    need(chats, `${p}.chatId`, 'chat', r.chatId);
    const chat = chatRows.get(r.chatId)!;
    return {
      id: r.id, chat_id: r.chatId, business_id: sameBusiness(`${p}.businessId`, r.businessId, chat.business_id as number),
      sender: r.sender, text: r.text ?? null, created_at: time(`${p}.createdAt`, r.createdAt, chat.created_at as number),
    };
  });
  const messageRows = new Map(out.messages.map((m) => [m.id as number, m]));
  out.files = (file.files ?? []).map((r, i) => {
    const p = `files[${i}]`;
    need(messages, `${p}.messageId`, 'message', r.messageId);
    const message = messageRows.get(r.messageId)!;
    const data = Buffer.from(r.data, 'base64');
    if (r.size !== undefined && r.size !== data.byteLength) throw bad(`${p}.size`, `the data holds ${data.byteLength} bytes`);
    return {
      ...(r.id !== undefined ? { id: r.id } : {}),
      message_id: r.messageId, business_id: sameBusiness(`${p}.businessId`, r.businessId, message.business_id as number),
      name: r.name, size: data.byteLength, content_type: r.contentType ?? 'application/octet-stream',
      token: r.token ?? crypto.randomBytes(12).toString('hex'), data, created_at: time(`${p}.createdAt`, r.createdAt, message.created_at as number),
    };
  });
  const hashes = new Set<string>();
  out.api_keys = (file.apiKeys ?? []).map((r, i) => {
    const p = `apiKeys[${i}]`;
    need(businesses, `${p}.businessId`, 'business', r.businessId);
    const tokenHash = tokenHashOf(`${p}.token`, r);
    uniqueIn(hashes, `${p}.token`, tokenHash, 'this token');
    return {
      ...(r.id !== undefined ? { id: r.id } : {}),
      business_id: r.businessId, name: r.name, token_hash: tokenHash, scopes: JSON.stringify([...new Set(r.scopes)]),
      created_at: time(`${p}.createdAt`, r.createdAt, nowMs), revoked_at: nullableTime(`${p}.revokedAt`, r.revokedAt),
    };
  });
  const logins = new Set<string>();
  out.oauth_users = (file.oauthUsers ?? []).map((r, i) => {
    uniqueIn(logins, `oauthUsers[${i}].login`, r.login, `login '${r.login}'`);
    return { id: r.id, login: r.login, created_at: time(`oauthUsers[${i}].createdAt`, r.createdAt, nowMs) };
  });
  out.oauth_user_businesses = (file.oauthUsers ?? []).flatMap((r, i) =>
    [...new Set(r.businessIds ?? [])].map((b, j) => {
      need(businesses, `oauthUsers[${i}].businessIds[${j}]`, 'business', b);
      return { user_id: r.id, business_id: b };
    }),
  );
  out.oauth_tokens = (file.oauthTokens ?? []).map((r, i) => {
    const p = `oauthTokens[${i}]`;
    need(users, `${p}.userId`, 'OAuth user', r.userId);
    const tokenHash = tokenHashOf(`${p}.token`, r);
    uniqueIn(hashes, `${p}.token`, tokenHash, 'this token');
    return {
      ...(r.id !== undefined ? { id: r.id } : {}),
      user_id: r.userId, client_id: r.clientId, token_hash: tokenHash,
      created_at: time(`${p}.createdAt`, r.createdAt, nowMs), revoked_at: nullableTime(`${p}.revokedAt`, r.revokedAt),
    };
  });
  out.subscriptions = (file.subscriptions ?? []).map((r, i) => {
    const p = `subscriptions[${i}]`;
    need(businesses, `${p}.businessId`, 'business', r.businessId);
    const createdAt = time(`${p}.createdAt`, r.createdAt, nowMs);
    return {
      ...(r.id !== undefined ? { id: r.id } : {}),
      business_id: r.businessId, url: r.url, event_types: JSON.stringify(r.eventTypes), enabled: r.enabled === false ? 0 : 1,
      disabled_reason: r.disabledReason ?? null, disabled_at: nullableTime(`${p}.disabledAt`, r.disabledAt), created_at: createdAt, updated_at: time(`${p}.updatedAt`, r.updatedAt, createdAt),
    };
  });
  return out;
}

/** Insert order: parents before children. */
const INSERT_ORDER: (keyof Database)[] = [
  'businesses', 'campaigns', 'buyers', 'orders', 'returns', 'chats', 'messages', 'files', 'api_keys',
  'oauth_users', 'oauth_user_businesses', 'oauth_tokens', 'subscriptions',
];

export interface ImportSummary {
  /** Rows written per table of the file. */
  counts: Record<string, number>;
  /** Whether the file carried settings (the virtual clock among them). */
  settings: boolean;
}

/**
 * Replaces the whole sandbox with a state file, in one transaction: the file is checked first
 * (the error names the path of the bad field), and a failure leaves the sandbox as it was. When
 * the file carries settings, the clock follows them (real time if they hold none).
 */
export async function importState(storage: Storage, clock: SandboxClock, input: unknown): Promise<ImportSummary> {
  const file = checkStateFile(input);
  const rows = planRows(file, clock.now());
  const write = storage.db.transaction().execute(async (trx) => {
    await wipeSandbox(trx, storage.dialect);
    for (const table of INSERT_ORDER) {
      const list = rows[table] ?? [];
      // Bounded batches keep every statement under both databases' parameter limits.
      const batch = table === 'files' ? 20 : 500;
      for (let i = 0; i < list.length; i += batch) await trx.insertInto(table).values(list.slice(i, i + batch) as never).execute();
    }
    if (file.settings) {
      await trx.deleteFrom('settings').execute();
      const entries = Object.entries(file.settings).map(([key, value]) => ({ key, value }));
      if (entries.length > 0) await trx.insertInto('settings').values(entries).execute();
    }
  });
  try {
    await write;
  } catch (e) {
    // The checks above catch what they can name; anything the database still refuses rolled back.
    throw errors.invalid(`Import failed, nothing was changed: ${(e as Error).message}`);
  }
  await syncSequences(storage);
  if (file.settings && !(await restoreClock(storage.db, clock))) clock.reset();
  const counts: Record<string, number> = {};
  for (const key of Object.keys(file) as (keyof StateFile)[]) {
    const v = file[key];
    if (Array.isArray(v)) counts[key] = v.length;
  }
  return { counts, settings: file.settings !== undefined };
}

/** Empties the sandbox (settings such as the clock stay), then seeds the demo data when asked. */
export async function resetState(storage: Storage, clock: Clock, to: 'empty' | 'demo'): Promise<void> {
  await storage.db.transaction().execute((trx) => wipeSandbox(trx, storage.dialect));
  if (to === 'demo') await seedDemo(storage, clock.now());
}

/** `serve --fixtures`: imports a state file from disk; errors name the file. */
export async function importFixturesFile(storage: Storage, clock: SandboxClock, path: string): Promise<ImportSummary> {
  let input: unknown;
  try {
    input = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`fixtures ${path}: ${(e as Error).message}`);
  }
  try {
    return await importState(storage, clock, input);
  } catch (e) {
    throw e instanceof AppError ? new Error(`fixtures ${path}: ${String(e.params.message ?? e.kind)}`) : e;
  }
}
