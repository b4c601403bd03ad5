import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketApiError, MarketChatClient } from '../../src/client/index.js';
import { ControlApiError, startYmchat, type Ymchat } from '../../src/testing/index.js';
import { DEMO } from '../../src/domain/demo.js';

describe('startYmchat and its control client', () => {
  let sb: Ymchat;
  beforeAll(async () => {
    sb = await startYmchat({ clock: '2026-11-21T10:00:00+03:00', limits: false, notifications: false });
  });
  afterAll(() => sb?.close());

  it('starts on a free loopback port with the demo data and a frozen clock', async () => {
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.business).toBe(DEMO.businessId);
    expect(await sb.control.clock.get()).toMatchObject({ mode: 'virtual', frozen: true, now: '2026-11-21T07:00:00.000Z' });
    expect((await sb.control.quotas.get()).limitsEnabled).toBe(false);
    expect((await sb.control.chats.get(DEMO.chats.order)).businessId).toBe(DEMO.businessId);
  });

  it('plays the buyer, Market and the arbiter', async () => {
    const file = await sb.control.buyer.sendFile(DEMO.chats.direct, { name: 'photo.png', data: Buffer.from('png') });
    await sb.control.market.write(DEMO.chats.direct, 'Market: the order is on its way');
    const { messages } = await sb.control.chats.messages(DEMO.chats.direct, { fromMessageId: file.messageId });
    expect(messages.map((m) => [m.sender, m.message ?? m.payload?.[0].name])).toEqual([
      ['CUSTOMER', 'photo.png'],
      ['MARKET', 'Market: the order is on its way'],
    ]);
    expect((await sb.control.disputes.open(DEMO.chats.orderWaiting)).type).toBe('ARBITRAGE');
    await sb.control.disputes.write(DEMO.chats.orderWaiting, 'The arbiter looks into it');
    expect((await sb.control.disputes.close(DEMO.chats.orderWaiting)).status).not.toBe('WAITING_FOR_ARBITER');
  });

  it('makes and revokes Api-Keys the client then uses', async () => {
    const key = await sb.control.keys.create({ name: 'integration', scopes: ['communication'] });
    const client = new MarketChatClient({ baseUrl: sb.url, apiKey: key.token, businessId: sb.business });
    expect((await client.getAuthTokenInfo()).apiKey.name).toBe('integration');
    await sb.control.keys.revoke(key.id);
    const e = await client.getChat(DEMO.chats.order).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(MarketApiError);
    expect((e as MarketApiError).status).toBe(401);
  });

  it('refusals of the control API are ControlApiError with status and code', async () => {
    const e = await sb.control.chats.get(999).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ControlApiError);
    expect(e).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('exports its state, which another sandbox starts from; reset empties it', async () => {
    const state = await sb.control.state.export();
    const copy = await startYmchat({ fixtures: state, notifications: false });
    try {
      const messages = await copy.control.chats.messages(DEMO.chats.direct);
      expect(messages.messages.map((m) => m.sender).slice(-2)).toEqual(['CUSTOMER', 'MARKET']);
      await copy.control.reset('empty');
      expect((await copy.control.http.get('/businesses')).businesses).toEqual([]);
    } finally {
      await copy.close();
    }
    // The first sandbox is untouched: they share nothing.
    expect((await sb.control.chats.get(DEMO.chats.order)).chatId).toBe(DEMO.chats.order);
  });

  it('starts empty with demo: false', async () => {
    const empty = await startYmchat({ demo: false, notifications: false });
    try {
      expect((await empty.control.http.get('/businesses')).businesses).toEqual([]);
    } finally {
      await empty.close();
    }
  });
});
