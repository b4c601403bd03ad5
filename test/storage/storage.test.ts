import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dialects, noteSkippedPostgres, openTestStorage, type TestStorage } from '../helpers/app.js';
import { DEMO, seedDemo, isEmpty } from '../../src/domain/demo.js';
import { getChat } from '../../src/domain/chats.js';
import { openContextChat, postMessage } from '../../src/domain/chat-actions.js';
import { SqlQuotaStore, windowStart } from '../../src/limits/quota.js';
import { SandboxClock } from '../../src/clock.js';
import { findApiKey, hashToken } from '../../src/domain/access.js';
import { prepared, remembered } from '../../src/storage/prepared.js';
import type { Db } from '../../src/storage/db.js';

noteSkippedPostgres();
const T = Date.parse('2026-11-21T07:00:00Z');

for (const dialect of dialects()) {
  describe(`storage on ${dialect}`, () => {
    let s: TestStorage;
    beforeAll(async () => {
      s = await openTestStorage(dialect);
      await seedDemo(s.storage, T);
    });
    afterAll(async () => s.dispose());

    it('migrations run once: reopening an existing database keeps its data', async () => {
      expect(await isEmpty(s.storage)).toBe(false);
      await s.reopen();
      expect(await isEmpty(s.storage)).toBe(false);
      const chat = await getChat(s.storage.db, DEMO.businessId, DEMO.chats.order);
      expect(chat.orderId).toBe(DEMO.orders.first);
    });

    it('ids and times come back as numbers on every dialect', async () => {
      const chat = await getChat(s.storage.db, DEMO.businessId, DEMO.chats.return);
      expect(typeof chat.id).toBe('number');
      expect(typeof chat.createdAt).toBe('number');
      expect(chat).toMatchObject({ returnId: DEMO.returns.first, campaignId: DEMO.campaigns.fbs, customer: { name: 'Anna K.' } });
    });

    it('new rows continue after the seeded ids', async () => {
      const clock = new SandboxClock();
      clock.freeze(T);
      const ctx = { db: s.storage.db, clock, notifyPartnerMessages: false };
      const { chatId, created } = await openContextChat(ctx, DEMO.businessId, { type: 'ORDER', id: DEMO.orders.noChat });
      expect(created).toBe(true);
      expect(chatId).toBeGreaterThan(5000007);
      const again = await openContextChat(ctx, DEMO.businessId, { type: 'ORDER', id: DEMO.orders.noChat });
      expect(again).toEqual({ chatId, created: false });
      const { messageId } = await postMessage(ctx, DEMO.businessId, chatId, 'PARTNER', 'hello');
      expect(messageId).toBeGreaterThan(15);
    });

    it('api keys are found by digest only, and carry their scopes', async () => {
      const key = await findApiKey(s.storage.db, hashToken(DEMO.keys.readOnly));
      expect(key).toMatchObject({ businessId: DEMO.businessId, scopes: ['all-methods:read-only'], revoked: false });
      expect(await findApiKey(s.storage.db, hashToken(DEMO.keys.readOnly + 'x'))).toBeNull();
    });

    it.runIf(dialect === 'postgres')('hot queries run as named prepared statements, planned once per connection', async () => {
      // One connection of the pool, so the lookup and the check meet in one session.
      const names = await s.storage.db.connection().execute(async (conn) => {
        await findApiKey(conn, hashToken(DEMO.keys.readOnly));
        const r = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(conn);
        return r.rows.map((row) => row.name);
      });
      expect(names.some((n) => n.startsWith('ym_'))).toBe(true);
    });

    it('a prepared query is built once, in transactions as outside them, and runs with each call\'s values', async () => {
      let builds = 0;
      const chatOf = prepared((db: Db, businessId: number, chatId: number) => {
        builds++;
        return db.selectFrom('chats').select(['id', 'order_id']).where('business_id', '=', businessId).where('id', '=', chatId);
      });
      const [order] = await chatOf(s.storage.db, DEMO.businessId, DEMO.chats.order);
      expect(order).toMatchObject({ id: DEMO.chats.order, order_id: DEMO.orders.first });
      for (const chatId of [DEMO.chats.return, DEMO.chats.order]) {
        const rows = await s.storage.db.transaction().execute((trx) => chatOf(trx, DEMO.businessId, chatId));
        expect(rows.map((r) => r.id)).toEqual([chatId]);
      }
      expect(await chatOf(s.storage.db, DEMO.businessId + 1_000_000, DEMO.chats.order)).toEqual([]);
      expect(builds).toBe(1);
    });

    it('a prepared query outside a transaction never sees what an open transaction wrote; inside it, it does', async () => {
      const subjectOf = prepared((db: Db, chatId: number) => db.selectFrom('chats').select('subject').where('id', '=', chatId));
      const [before] = await subjectOf(s.storage.db, DEMO.chats.direct);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let outside: Promise<{ subject: string | null }[]> | undefined;
      let insideSaw: string | null | undefined;
      const trx = s.storage.db.transaction().execute(async (t) => {
        await t.updateTable('chats').set({ subject: 'uncommitted' }).where('id', '=', DEMO.chats.direct).execute();
        [{ subject: insideSaw }] = await subjectOf(t, DEMO.chats.direct);
        // Read from outside while the write is open, then roll it back.
        outside = subjectOf(s.storage.db, DEMO.chats.direct);
        await Promise.race([outside, new Promise((r) => setTimeout(r, 50))]);
        release();
        throw new Error('rolled back');
      });
      await gate;
      await expect(trx).rejects.toThrow('rolled back');
      expect(insideSaw).toBe('uncommitted');
      expect(await outside).toEqual([before]);
      expect(await subjectOf(s.storage.db, DEMO.chats.direct)).toEqual([before]);
    });

    it('a remembered read is read again after any write that may touch its tables, and only then (SQLite)', async () => {
      let reads = 0;
      const nameOf = remembered(['businesses'], async (db: Db, id: string) => {
        reads++;
        const row = await db.selectFrom('businesses').select('name').where('id', '=', Number(id)).executeTakeFirst();
        return row?.name ?? null;
      });
      const db = s.storage.db;
      const id = String(DEMO.businessId);
      const name = await nameOf(db, id);
      const expectReads = async (n: number, value: string | null = name) => {
        expect(await nameOf(db, id)).toBe(value);
        // Elsewhere every call reads: only the answers are checked.
        if (dialect === 'sqlite') expect(reads).toBe(n);
      };
      await expectReads(1);
      // Writes elsewhere leave it be.
      await db.updateTable('chats').set({ subject: 'other table' }).where('id', '=', DEMO.chats.direct).execute();
      await sql`update "buyers" set "name" = "name" where id = 0`.execute(db);
      await expectReads(1);
      // A write to the table, through Kysely or a raw statement, is seen on the next read.
      await db.updateTable('businesses').set({ name: 'Renamed' }).where('id', '=', DEMO.businessId).execute();
      await expectReads(2, 'Renamed');
      await sql`update businesses set name = ${name} where id = ${DEMO.businessId}`.execute(db);
      await expectReads(3);
      // In a transaction it reads (4); rolled back, it reads again (5), and what it wrote is not what is remembered.
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.updateTable('businesses').set({ name: 'Never' }).where('id', '=', DEMO.businessId).execute();
          expect(await nameOf(trx, id)).toBe('Never');
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await expectReads(5);
      await expectReads(5);
    });

    it('the quota counter is one atomic upsert: concurrent takes never lose a count', async () => {
      const quota = new SqlQuotaStore(s.storage);
      const w = windowStart(T);
      const results = await Promise.all(Array.from({ length: 50 }, () => quota.take(DEMO.businessId, 'getChat', w)));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await quota.giveBack(DEMO.businessId, 'getChat', w);
      expect(await quota.read(DEMO.businessId)).toEqual([{ method: 'getChat', windowStart: w, used: 49 }]);
      // A new window starts from one, whatever the old count was.
      expect(await quota.take(DEMO.businessId, 'getChat', w + 3600_000)).toBe(1);
      await quota.reset(DEMO.businessId, 'getChat');
      expect(await quota.read(DEMO.businessId)).toEqual([]);
    });
  });
}
