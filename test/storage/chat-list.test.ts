import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, noteSkippedPostgres, openTestStorage, type TestStorage } from '../helpers/app.js';
import { DEMO, seedDemo } from '../../src/domain/demo.js';
import { listChats, type ChatFilter } from '../../src/domain/chat-list.js';
import { listMessages } from '../../src/domain/messages.js';
import { openContextChat, postMessage } from '../../src/domain/chat-actions.js';
import { SandboxClock } from '../../src/clock.js';

noteSkippedPostgres();
const T = Date.parse('2026-11-21T07:00:00Z');
const BIZ = DEMO.businessId;
const C = DEMO.chats;
const ALL = [C.arbitrage, C.directFinished, C.direct, C.return, C.orderWaiting, C.order];

for (const dialect of dialects()) {
  describe(`chat list on ${dialect}`, () => {
    let s: TestStorage;
    const clock = new SandboxClock();
    beforeAll(async () => {
      s = await openTestStorage(dialect);
      await seedDemo(s.storage, T);
      clock.freeze(T);
    });
    afterAll(async () => s.dispose());

    const ids = async (filter: ChatFilter, page: { fromId?: number; limit: number } = { limit: 20 }) =>
      (await listChats(s.storage.db, BIZ, filter, page)).chats.map((c) => c.id);

    it('returns the business’s chats, highest id first, as full Chat values', async () => {
      const page = await listChats(s.storage.db, BIZ, {}, { limit: 20 });
      expect(page.chats.map((c) => c.id)).toEqual(ALL);
      expect(page.nextId).toBeNull();
      expect(page.chats.find((c) => c.id === C.return)).toEqual({
        id: C.return,
        businessId: BIZ,
        contextType: 'RETURN',
        campaignId: DEMO.campaigns.fbs,
        orderId: DEMO.orders.third,
        returnId: DEMO.returns.first,
        customer: { name: 'Anna K.', publicId: 'anna-k-4f2a9c' },
        subject: null,
        type: 'CHAT',
        status: 'WAITING_FOR_PARTNER',
        createdAt: T - 400 * 60_000,
        updatedAt: T - 45 * 60_000,
      });
      expect(await listChats(s.storage.db, DEMO.otherBusinessId, {}, { limit: 20 }).then((p) => p.chats.map((c) => c.id))).toEqual([5000007]);
    });

    it('applies each filter, AND across fields and OR within one', async () => {
      expect(await ids({ contexts: [{ type: 'ORDER', id: DEMO.orders.first }, { type: 'RETURN', id: DEMO.returns.first }] })).toEqual([C.return, C.order]);
      expect(await ids({ contexts: [{ type: 'ORDER', id: DEMO.orders.third }] })).toEqual([]);
      expect(await ids({ contextTypes: ['DIRECT'] })).toEqual([C.directFinished, C.direct]);
      expect(await ids({ types: ['ARBITRAGE'] })).toEqual([C.arbitrage]);
      expect(await ids({ statuses: ['WAITING_FOR_PARTNER', 'FINISHED'] })).toEqual([C.directFinished, C.direct, C.return, C.order]);
      expect(await ids({ orderIds: [DEMO.orders.third, DEMO.orders.dbs] })).toEqual([C.arbitrage, C.return]);
      expect(await ids({ orderIds: [DEMO.orders.third], contextTypes: ['ORDER'] })).toEqual([]);
      expect(await ids({ statuses: ['WAITING_FOR_PARTNER'], contextTypes: ['ORDER', 'DIRECT'], types: ['CHAT'] })).toEqual([C.direct, C.order]);
    });

    it('ids beyond 2^53 match nothing instead of failing the query', async () => {
      expect(await ids({ orderIds: [2 ** 62] })).toEqual([]);
      expect(await ids({ contexts: [{ type: 'ORDER', id: 2 ** 62 }] })).toEqual([]);
      expect(await ids({ orderIds: [2 ** 62, DEMO.orders.first] })).toEqual([C.order]);
      expect((await listMessages(s.storage.db, C.order, 2 ** 52, 10)).messages).toEqual([]);
    });

    it('serves filter lists far beyond the bound-parameter limits', async () => {
      const orderIds = Array.from({ length: 70_000 }, (_, i) => 10_000_000 + i);
      orderIds.push(DEMO.orders.second);
      expect(await ids({ orderIds })).toEqual([C.orderWaiting]);
      const contexts = Array.from({ length: 35_000 }, (_, i) => ({ type: i % 2 ? ('ORDER' as const) : ('RETURN' as const), id: 10_000_000 + i }));
      contexts.push({ type: 'ORDER', id: DEMO.orders.second }, { type: 'RETURN', id: DEMO.returns.first });
      expect(await ids({ contexts })).toEqual([C.return, C.orderWaiting]);
    });

    it('pages from an inclusive id bound; the next page starts at the next chat', async () => {
      const p1 = await listChats(s.storage.db, BIZ, {}, { limit: 4 });
      expect(p1.chats.map((c) => c.id)).toEqual(ALL.slice(0, 4));
      expect(p1.nextId).toBe(ALL[4]);
      const p2 = await listChats(s.storage.db, BIZ, {}, { fromId: p1.nextId!, limit: 4 });
      expect(p2.chats.map((c) => c.id)).toEqual(ALL.slice(4));
      expect(p2.nextId).toBeNull();
      expect(await ids({ statuses: ['WAITING_FOR_PARTNER'] }, { fromId: C.return, limit: 1 })).toEqual([C.return]);
    });

    it('keeps pages stable while chats are created and updated', async () => {
      const ctx = { db: s.storage.db, clock, notifyPartnerMessages: false };
      const p1 = await listChats(s.storage.db, BIZ, {}, { limit: 3 });
      clock.advance(60_000);
      const created = await openContextChat(ctx, BIZ, { type: 'ORDER', id: DEMO.orders.noChat });
      await postMessage(ctx, BIZ, C.order, 'PARTNER', 'ответ');
      await postMessage(ctx, BIZ, C.arbitrage, 'CUSTOMER', 'вопрос');
      const p2 = await listChats(s.storage.db, BIZ, {}, { fromId: p1.nextId!, limit: 3 });
      expect([...p1.chats, ...p2.chats].map((c) => c.id)).toEqual(ALL);
      expect(p2.chats.find((c) => c.id === C.order)).toMatchObject({ status: 'WAITING_FOR_CUSTOMER', updatedAt: T + 60_000 });
      expect((await ids({}, { limit: 1 }))[0]).toBe(created.chatId);
    });
  });
}
