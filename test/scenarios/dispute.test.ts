import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { control, outboxEvents, partner, sellerChat } from '../helpers/control.js';
import { BIZ, DEMO, errorBody } from '../helpers/demo.js';

/** An order chat escalates: the buyer opens a dispute, the arbiter asks, then decides. */
describe('scenario: a dispute opens and closes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('the seller sees ARBITRAGE while it is open and FINISHED after; a finished chat refuses messages', async () => {
    const opened = await control(t, 'POST', `/orders/${DEMO.orders.noChat}/chat`, { message: 'The parcel never arrived.' });
    const chatId: number = opened.json().chat.chatId;
    await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}`, { message: 'It was delivered on Monday.' });

    expect((await control(t, 'POST', `/chats/${chatId}/dispute`)).statusCode).toBe(200);
    expect((await sellerChat(t, chatId)).json().result).toMatchObject({ type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' });
    const arbitrage = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats`, { types: ['ARBITRAGE'] });
    expect(arbitrage.json().result.chats.map((c: any) => c.chatId)).toContain(chatId);

    // Everyone may still write while the arbiter decides; the status stays with the arbiter.
    await control(t, 'POST', `/chats/${chatId}/messages`, { message: 'Please upload the delivery receipt.', sender: 'ARBITER' });
    const sellerDuring = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}`, { message: 'Receipt attached.' });
    expect(sellerDuring.statusCode).toBe(200);
    expect((await sellerChat(t, chatId)).json().result.status).toBe('WAITING_FOR_ARBITER');

    expect((await control(t, 'POST', `/chats/${chatId}/dispute/close`)).json()).toMatchObject({ type: 'ARBITRAGE', status: 'FINISHED' });
    expect((await sellerChat(t, chatId)).json().result).toMatchObject({ type: 'ARBITRAGE', status: 'FINISHED' });

    const late = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}`, { message: 'One more thing' });
    expect(late.statusCode).toBe(400);
    expect(late.json()).toEqual(errorBody('BAD_REQUEST', `Chat '${chatId}' is finished`));
    expect((await control(t, 'POST', `/chats/${chatId}/dispute/close`)).statusCode).toBe(409);

    const types = (await outboxEvents(t)).filter((e) => e.chatId === chatId).map((e) => e.notificationType);
    expect(types).toEqual(['CHAT_CREATED', 'CHAT_MESSAGE_SENT', 'CHAT_ARBITRAGE_STARTED', 'CHAT_MESSAGE_SENT', 'CHAT_ARBITRAGE_FINISHED']);
  });
});
