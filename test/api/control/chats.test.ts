import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { admin, control, outboxEvents, partner, sellerChat } from '../../helpers/control.js';
import { BIZ, DEMO, errorBody } from '../../helpers/demo.js';
import { multipartRequest } from '../../helpers/multipart.js';

describe('control API: the buyer’s, Market’s and the arbiter’s side of chats', () => {
  let t: TestApp;
  beforeEach(async () => {
    await t?.close();
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('a buyer starts a DIRECT chat: CHAT_CREATED and CHAT_MESSAGE_SENT are in the outbox', async () => {
    const res = await control(t, 'POST', '/chats/direct', { businessId: BIZ, buyerId: 6000001, subject: 'Drill X1', message: 'Is it cordless?' });
    expect(res.statusCode).toBe(201);
    const { chat, messageId } = res.json();
    expect(chat).toMatchObject({
      businessId: BIZ,
      subject: 'Drill X1',
      type: 'CHAT',
      status: 'WAITING_FOR_PARTNER',
      context: { type: 'DIRECT', customer: { name: 'Anna K.', publicId: 'anna-k-4f2a9c' } },
    });
    expect((await sellerChat(t, chat.chatId)).json().result).toMatchObject({ chatId: chat.chatId, status: 'WAITING_FOR_PARTNER' });
    const events = await outboxEvents(t);
    expect(events.map((e) => e.type)).toEqual(['CHAT_CREATED', 'CHAT_MESSAGE_SENT']);
    expect(events[1]).toMatchObject({ chatId: chat.chatId, messageId: String(messageId), sentAt: new Date(T0).toISOString() });
  });

  it('a DIRECT chat needs a known business and buyer', async () => {
    expect((await control(t, 'POST', '/chats/direct', { businessId: 999, buyerId: 6000001 })).json()).toEqual(errorBody('NOT_FOUND', "Business not found: '999'"));
    expect((await control(t, 'POST', '/chats/direct', { businessId: BIZ, buyerId: 999 })).json()).toEqual(errorBody('NOT_FOUND', "Buyer not found: '999'"));
    expect((await control(t, 'POST', '/chats/direct', { businessId: BIZ })).statusCode).toBe(400);
  });

  it('each sender moves the status as the rules say and stamps updatedAt by the sandbox clock', async () => {
    const chatId = DEMO.chats.orderWaiting; // WAITING_FOR_CUSTOMER
    t.clock.freeze(T0 + 60_000);
    const buyer = await control(t, 'POST', `/chats/${chatId}/messages`, { message: 'Here is the photo' });
    expect(buyer.statusCode).toBe(201);
    expect(buyer.json().chat).toMatchObject({ status: 'WAITING_FOR_PARTNER', updatedAt: '2026-11-21T10:01:00+03:00' });

    await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}`, { message: 'Thanks' });
    expect((await sellerChat(t, chatId)).json().result.status).toBe('WAITING_FOR_CUSTOMER');

    const market = await control(t, 'POST', `/chats/${chatId}/messages`, { message: 'Reminder', sender: 'MARKET' });
    expect(market.json().chat.status).toBe('WAITING_FOR_CUSTOMER');
    const support = await control(t, 'POST', `/chats/${chatId}/messages`, { message: 'Support here', sender: 'SUPPORT' });
    expect(support.json().chat.status).toBe('WAITING_FOR_PARTNER');

    const history = (await control(t, 'GET', `/chats/${chatId}/messages`)).json();
    expect(history.messages.map((m: any) => [m.sender, m.message])).toEqual([
      ['CUSTOMER', 'Пришёл не тот цвет.'],
      ['PARTNER', 'Пришлите, пожалуйста, фото товара.'],
      ['CUSTOMER', 'Here is the photo'],
      ['PARTNER', 'Thanks'],
      ['MARKET', 'Reminder'],
      ['SUPPORT', 'Support here'],
    ]);
    expect(history.hasMore).toBe(false);
    const types = (await outboxEvents(t)).map((e) => e.type);
    // The seller's own message announces nothing by default; the three others do.
    expect(types).toEqual(['CHAT_MESSAGE_SENT', 'CHAT_MESSAGE_SENT', 'CHAT_MESSAGE_SENT']);
  });

  it('pages history with fromMessageId and limit', async () => {
    const all = (await control(t, 'GET', `/chats/${DEMO.chats.order}/messages`)).json().messages;
    const page = (await control(t, 'GET', `/chats/${DEMO.chats.order}/messages?fromMessageId=${all[1].messageId}&limit=2`)).json();
    expect(page.messages.map((m: any) => m.messageId)).toEqual([all[1].messageId, all[2].messageId]);
    expect(page.hasMore).toBe(true);
  });

  it('the buyer sends a file (multipart part `file`), and the seller sees it in the history', async () => {
    const req = multipartRequest(`/_sandbox/chats/${DEMO.chats.direct}/files`, [{ name: 'file', filename: 'photo.png', contentType: 'image/png', data: Buffer.from('PNGDATA') }], admin);
    const res = await t.app.inject(req);
    expect(res.statusCode).toBe(201);
    const history = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/history?chatId=${DEMO.chats.direct}`, {});
    const last = history.json().result.messages.at(-1);
    expect(last).toMatchObject({ sender: 'CUSTOMER', payload: [{ name: 'photo.png', size: 7 }] });
    const file = await t.app.inject({ method: 'GET', url: new URL(last.payload[0].url).pathname });
    expect(file.statusCode).toBe(200);
    expect(file.body).toBe('PNGDATA');

    const arbiter = await t.app.inject(
      multipartRequest(`/_sandbox/chats/${DEMO.chats.arbitrage}/files?sender=ARBITER`, [{ name: 'file', filename: 'decision.pdf', data: 'PDF' }], admin),
    );
    expect(arbiter.json().chat.status).toBe('WAITING_FOR_ARBITER');
    const noPart = await t.app.inject(multipartRequest(`/_sandbox/chats/${DEMO.chats.direct}/files`, [{ name: 'other', data: 'x' }], admin));
    expect(noPart.json()).toEqual(errorBody('BAD_REQUEST', "Required request part 'file' is not present"));
    const unknown = await t.app.inject(multipartRequest('/_sandbox/chats/424242/files', [{ name: 'file', filename: 'a.txt', data: 'x' }], admin));
    expect(unknown.json()).toEqual(errorBody('NOT_FOUND', "Chat not found: '424242'"));
  });

  it('a dispute opens (ARBITRAGE, WAITING_FOR_ARBITER), the arbiter writes, and it closes (FINISHED)', async () => {
    const chatId = DEMO.chats.order;
    const open = await control(t, 'POST', `/chats/${chatId}/dispute`);
    expect(open.statusCode).toBe(200);
    expect(open.json()).toMatchObject({ chatId, type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' });
    expect((await sellerChat(t, chatId)).json().result).toMatchObject({ type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' });

    const arbiter = await control(t, 'POST', `/chats/${chatId}/messages`, { message: 'Please send the receipt', sender: 'ARBITER' });
    expect(arbiter.json().chat.status).toBe('WAITING_FOR_ARBITER');
    const history = (await control(t, 'GET', `/chats/${chatId}/messages`)).json().messages;
    expect(history.at(-1)).toMatchObject({ sender: 'SUPPORT', message: 'Please send the receipt' });

    const close = await control(t, 'POST', `/chats/${chatId}/dispute/close`);
    expect(close.json()).toMatchObject({ type: 'ARBITRAGE', status: 'FINISHED' });
    expect((await outboxEvents(t)).map((e) => e.type)).toEqual(['CHAT_ARBITRAGE_STARTED', 'CHAT_MESSAGE_SENT', 'CHAT_ARBITRAGE_FINISHED']);
  });

  it('conflicting actions answer 409 and change nothing', async () => {
    const cases: [string, unknown, string][] = [
      [`/chats/${DEMO.chats.directFinished}/messages`, { message: 'hello?' }, `Chat '${DEMO.chats.directFinished}' is finished`],
      [`/chats/${DEMO.chats.order}/dispute/close`, undefined, `Chat '${DEMO.chats.order}' has no open dispute`],
      [`/chats/${DEMO.chats.arbitrage}/dispute`, undefined, `Chat '${DEMO.chats.arbitrage}' already has an open dispute`],
      [`/chats/${DEMO.chats.direct}/dispute`, undefined, `Chat '${DEMO.chats.direct}' is DIRECT: disputes are about orders and returns`],
      [`/chats/${DEMO.chats.directFinished}/finish`, undefined, `Chat '${DEMO.chats.directFinished}' is already finished`],
      [`/chats/${DEMO.chats.arbitrage}/finish`, undefined, `Chat '${DEMO.chats.arbitrage}' has an open dispute: close the dispute instead`],
    ];
    for (const [url, body, message] of cases) {
      const res = await control(t, 'POST', url, body);
      expect(res.statusCode, url).toBe(409);
      expect(res.json()).toEqual(errorBody('CONFLICT', message));
    }
    expect(await outboxEvents(t)).toEqual([]);
    const finished = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/history?chatId=${DEMO.chats.directFinished}`, {});
    expect(finished.json().result.messages).toHaveLength(3);
  });

  it('unknown chats are 404; PARTNER is not a sender the control API plays', async () => {
    expect((await control(t, 'GET', '/chats/424242')).json()).toEqual(errorBody('NOT_FOUND', "Chat not found: '424242'"));
    expect((await control(t, 'POST', '/chats/424242/dispute')).statusCode).toBe(404);
    const seller = await control(t, 'POST', `/chats/${DEMO.chats.order}/messages`, { message: 'x', sender: 'PARTNER' });
    expect(seller.statusCode).toBe(400);
    expect(seller.json().errors[0].message).toContain("unknown value 'PARTNER'");
    expect((await control(t, 'POST', `/chats/${DEMO.chats.order}/messages`, { message: '' })).statusCode).toBe(400);
  });

  it('message text is `message` in every body; `text` is still read as its deprecated alias', async () => {
    const viaAlias = await control(t, 'POST', `/chats/${DEMO.chats.order}/messages`, { text: 'old name' });
    expect(viaAlias.statusCode).toBe(201);
    const stored = await control(t, 'GET', `/chats/${DEMO.chats.order}/messages?limit=1000`);
    expect(stored.json().messages.at(-1).message).toBe('old name');
    const both = await control(t, 'POST', `/chats/${DEMO.chats.order}/messages`, { text: 'a', message: 'b' });
    expect(both.json()).toEqual(errorBody('BAD_REQUEST', "Give the text once, as 'message' ('text' is its deprecated alias)"));
    const none = await control(t, 'POST', `/chats/${DEMO.chats.order}/messages`, { sender: 'MARKET' });
    expect(none.json()).toEqual(errorBody('BAD_REQUEST', "'message' must not be null (rejected value: null)"));
  });

  it('finish and direct status changes; Market finishing announces nothing', async () => {
    const fin = await control(t, 'POST', `/chats/${DEMO.chats.direct}/finish`);
    expect(fin.json().status).toBe('FINISHED');
    const st = await control(t, 'POST', `/chats/${DEMO.chats.order}/status`, { status: 'WAITING_FOR_MARKET' });
    expect(st.json().status).toBe('WAITING_FOR_MARKET');
    expect((await sellerChat(t, DEMO.chats.order)).json().result.status).toBe('WAITING_FOR_MARKET');
    expect(await outboxEvents(t)).toEqual([]);
  });

  it('the buyer opens the chat of an order (201, CHAT_CREATED) or finds it open (200)', async () => {
    const first = await control(t, 'POST', `/orders/${DEMO.orders.noChat}/chat`, { message: 'Where is my parcel?' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ created: true, chat: { status: 'WAITING_FOR_PARTNER', context: { type: 'ORDER', orderId: DEMO.orders.noChat } } });
    const again = await control(t, 'POST', `/orders/${DEMO.orders.noChat}/chat`, {});
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, messageId: null, chat: { chatId: first.json().chat.chatId } });
    const ret = await control(t, 'POST', `/returns/${DEMO.returns.noChat}/chat`, {});
    expect(ret.statusCode).toBe(201);
    expect(ret.json().chat.context).toMatchObject({ type: 'RETURN', returnId: DEMO.returns.noChat });
    expect((await outboxEvents(t)).map((e) => e.type)).toEqual(['CHAT_CREATED', 'CHAT_MESSAGE_SENT', 'CHAT_CREATED']);
    expect((await control(t, 'POST', '/orders/424242/chat', {})).json()).toEqual(errorBody('NOT_FOUND', "Order not found: '424242'"));
  });

  it('lists a business’s chats with status, type and context filters', async () => {
    const waiting = (await control(t, 'GET', `/businesses/${BIZ}/chats?status=WAITING_FOR_PARTNER`)).json().chats;
    expect(waiting.map((c: any) => c.chatId).sort()).toEqual([DEMO.chats.order, DEMO.chats.return, DEMO.chats.direct].sort());
    const two = (await control(t, 'GET', `/businesses/${BIZ}/chats?status=FINISHED,WAITING_FOR_ARBITER`)).json().chats;
    expect(two.map((c: any) => c.chatId).sort()).toEqual([DEMO.chats.directFinished, DEMO.chats.arbitrage].sort());
    const direct = (await control(t, 'GET', `/businesses/${BIZ}/chats?contextType=DIRECT&limit=1`)).json().chats;
    expect(direct).toHaveLength(1);
    const bad = await control(t, 'GET', `/businesses/${BIZ}/chats?status=OPEN`);
    expect(bad.json().errors[0].message).toMatch(/^Unknown status 'OPEN': expected one of NEW, /);
    expect((await control(t, 'GET', '/businesses/999/chats')).statusCode).toBe(404);
  });
});
