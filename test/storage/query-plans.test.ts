import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, type Compilable } from 'kysely';
import { dialects, noteSkippedPostgres, openTestStorage, type TestStorage } from '../helpers/app.js';
import { DEMO, seedDemo } from '../../src/domain/demo.js';
import { chatPageQuery, type ChatFilter } from '../../src/domain/chat-list.js';
import { chatByIdQuery } from '../../src/domain/chats.js';
import { messagePageQuery, messageQuery } from '../../src/domain/messages.js';
import { CHAT_STATUSES } from '../../src/domain/model.js';
import type { Storage } from '../../src/storage/storage.js';
import { opaqueParameters } from '../../src/storage/opaque-parameters.js';

noteSkippedPostgres();
const T = Date.parse('2026-11-21T07:00:00Z');
const BIZ = DEMO.businessId;
const CHATS = 3000;
const MESSAGES = 3000;
const FIRST = 5100000;

/** Enough rows, with statistics, that a full scan or a sort would be the planner's honest choice if no index served. */
async function fill(storage: Storage): Promise<void> {
  const db = storage.db;
  for (let start = 0; start < CHATS; start += 500) {
    const rows = [];
    for (let n = start; n < Math.min(CHATS, start + 500); n++) {
      const ctx = n % 10 < 6 ? 'ORDER' : n % 10 < 8 ? 'RETURN' : 'DIRECT';
      rows.push({
        id: FIRST + n, business_id: BIZ, context_type: ctx,
        context_key: ctx === 'DIRECT' ? null : `${ctx}:${(ctx === 'ORDER' ? 20000000 : 40000000) + n}`,
        campaign_id: ctx === 'DIRECT' ? null : DEMO.campaigns.fbs, order_id: ctx === 'DIRECT' ? null : 20000000 + n,
        return_id: ctx === 'RETURN' ? 40000000 + n : null, buyer_id: 6000001, subject: null,
        type: n % 97 === 0 ? 'ARBITRAGE' : 'CHAT',
        // Never WAITING_FOR_MARKET: a filter on it matches nothing.
        status: CHAT_STATUSES.filter((s) => s !== 'WAITING_FOR_MARKET')[n % 5],
        created_at: T - n, updated_at: T - n, version: 1,
      });
    }
    await db.insertInto('chats').values(rows).execute();
  }
  for (let start = 0; start < MESSAGES; start += 500) {
    const rows = [];
    for (let n = start; n < Math.min(MESSAGES, start + 500); n++) {
      rows.push({ chat_id: DEMO.chats.order, business_id: BIZ, sender: 'CUSTOMER', text: `m${n}`, created_at: T + n });
    }
    await db.insertInto('messages').values(rows).execute();
  }
  await db.executeQuery(CompiledQuery.raw('analyze'));
}

/**
 * The plan as text lines: SQLite's EXPLAIN QUERY PLAN of the text the storage layer runs (its
 * parameters opaque to the planner), PostgreSQL's EXPLAIN with sequential scans priced out.
 */
async function planOf(storage: Storage, query: Compilable<unknown>): Promise<string[]> {
  const q = query.compile();
  if (storage.sqlite) {
    return (storage.sqlite.prepare(`explain query plan ${opaqueParameters(q.sql)}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail);
  }
  return storage.db.transaction().execute(async (trx) => {
    await trx.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
    const r = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]));
    return r.rows.map((row) => row['QUERY PLAN']);
  });
}

const BIG = /\b(chats|messages|api_keys)\b/;

/** A full scan of a big table: SQLite `SCAN chats` (with or without an index walked end to end), PostgreSQL `Seq Scan on chats`. */
function fullScans(plan: string[]): string[] {
  return plan.filter((l) => (/^\s*SCAN \w+/.test(l) && BIG.test(l.split(' ').slice(0, 3).join(' '))) || /Seq Scan on (chats|messages|api_keys)\b/.test(l));
}

/** Sorting at run time: SQLite's temp B-tree, PostgreSQL's Sort node. */
function sorts(plan: string[]): string[] {
  return plan.filter((l) => /USE TEMP B-TREE FOR ORDER BY/.test(l) || /(^|->\s*)(Incremental )?Sort\b/.test(l.trim()));
}

for (const dialect of dialects()) {
  describe(`plans of the hot queries on ${dialect}`, () => {
    let s: TestStorage;
    beforeAll(async () => {
      s = await openTestStorage(dialect);
      await seedDemo(s.storage, T);
      await fill(s.storage);
    }, 60_000);
    afterAll(async () => s?.dispose());

    const page = (filter: ChatFilter, fromId?: number) => chatPageQuery(s.storage.db, BIZ, filter, { limit: 20, fromId })!;

    // Each must read only what its page needs: no full scan and no sort, at any number of chats.
    const ordered: [string, () => Compilable<unknown>][] = [
      ['getChat', () => chatByIdQuery(s.storage.db, DEMO.chats.order, BIZ)],
      ['getChats, no filter', () => page({})],
      ['getChats, a deep page', () => page({}, FIRST + 10)],
      ['getChatHistory, first page', () => messagePageQuery(s.storage.db, DEMO.chats.order, 1, 21)],
      ['getChatHistory, a deep page', () => messagePageQuery(s.storage.db, DEMO.chats.order, MESSAGES - 5, 21)],
      ['getChatMessage', () => messageQuery(s.storage.db, 5, DEMO.chats.order)],
      ['key lookup', () => s.storage.db.selectFrom('api_keys').selectAll().where('token_hash', '=', 'x')],
    ];
    for (const [name, query] of ordered) {
      it(`${name}: an index, no full scan, no sort`, async () => {
        const plan = await planOf(s.storage, query());
        expect(fullScans(plan), plan.join('\n')).toEqual([]);
        expect(sorts(plan), plan.join('\n')).toEqual([]);
      });
    }

    // Filtered pages take one index range per (status, type, context type); only their merged
    // result (at most combinations × (limit + 1) ids) may be sorted.
    const filtered: [string, ChatFilter, number?][] = [
      ['a status', { statuses: ['NEW'] }],
      ['a status no chat has', { statuses: ['WAITING_FOR_MARKET'] }],
      ['a type, a deep page', { types: ['ARBITRAGE'] }, FIRST + 100],
      ['a context type', { contextTypes: ['RETURN'] }],
      ['every field at once', { statuses: ['NEW', 'FINISHED'], types: ['CHAT'], contextTypes: ['ORDER', 'DIRECT'] }, FIRST + 50],
    ];
    for (const [name, filter, fromId] of filtered) {
      it(`getChats by ${name}: ranges of chats_business_filter, no full scan`, async () => {
        const plan = await planOf(s.storage, page(filter, fromId));
        expect(fullScans(plan), plan.join('\n')).toEqual([]);
        expect(plan.join('\n')).toMatch(/chats_business_filter/);
        if (dialect === 'sqlite') expect(sorts(plan), plan.join('\n')).toEqual([]);
      });
    }

    // Lists given by the caller: looked up one by one; only those found may be sorted.
    it('getChats by contexts and by orderIds: the context key and order indexes', async () => {
      const byContext = await planOf(s.storage, page({ contexts: [{ type: 'ORDER', id: 20000001 }, { type: 'RETURN', id: 40000006 }] }));
      expect(fullScans(byContext), byContext.join('\n')).toEqual([]);
      expect(byContext.join('\n')).toMatch(/chats_context/);
      const byOrder = await planOf(s.storage, page({ orderIds: [20000001, 20000002] }));
      expect(fullScans(byOrder), byOrder.join('\n')).toEqual([]);
      expect(byOrder.join('\n')).toMatch(/chats_business_order/);
    });

    it('the checks catch a regression: a query without its index shows a scan and a sort', async () => {
      const bad = s.storage.db.selectFrom('chats').select('id').where('subject', '=', 'x').orderBy('updated_at', 'desc').limit(20);
      const plan = await planOf(s.storage, bad);
      expect(fullScans(plan).length + sorts(plan).length, plan.join('\n')).toBeGreaterThan(0);
    });
  });
}
