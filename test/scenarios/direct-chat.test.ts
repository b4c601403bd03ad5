import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { control, outboxEvents, partner, sellerChat } from '../helpers/control.js';
import { BIZ } from '../helpers/demo.js';

/**
 * A buyer asks about a product; the seller's integration finds the chat by polling getChats for
 * WAITING_FOR_PARTNER, answers, and the conversation goes on.
 */
describe('scenario: a buyer starts a DIRECT chat and the seller answers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  const waitingChats = async () => {
    const res = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats?limit=20`, { statuses: ['WAITING_FOR_PARTNER'] });
    expect(res.statusCode).toBe(200);
    return res.json().result.chats.map((c: any) => c.chatId) as number[];
  };

  it('runs end to end through the control API and the partner API', async () => {
    const buyer = (await control(t, 'POST', '/buyers', { name: 'Maria V.' })).json();
    const started = await control(t, 'POST', '/chats/direct', {
      businessId: BIZ,
      buyerId: buyer.id,
      subject: 'Robot vacuum R7',
      message: 'Does it work on carpets?',
    });
    expect(started.statusCode).toBe(201);
    const chatId: number = started.json().chat.chatId;

    // The seller's poll finds it among the chats waiting for them.
    expect(await waitingChats()).toContain(chatId);
    const seen = (await sellerChat(t, chatId)).json().result;
    expect(seen).toMatchObject({ chatId, type: 'CHAT', status: 'WAITING_FOR_PARTNER', context: { type: 'DIRECT', customer: { name: 'Maria V.' } } });

    // The seller replies: the chat now waits for the buyer and leaves the seller's queue.
    const reply = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}`, { message: 'Yes, up to 2 cm pile.' });
    expect(reply.statusCode).toBe(200);
    expect((await sellerChat(t, chatId)).json().result.status).toBe('WAITING_FOR_CUSTOMER');
    expect(await waitingChats()).not.toContain(chatId);

    // The buyer reads the answer and writes again.
    const read = (await control(t, 'GET', `/chats/${chatId}/messages`)).json().messages;
    expect(read.map((m: any) => [m.sender, m.message])).toEqual([
      ['CUSTOMER', 'Does it work on carpets?'],
      ['PARTNER', 'Yes, up to 2 cm pile.'],
    ]);
    await control(t, 'POST', `/chats/${chatId}/messages`, { message: 'Great, ordering.' });
    expect((await sellerChat(t, chatId)).json().result.status).toBe('WAITING_FOR_PARTNER');
    expect(await waitingChats()).toContain(chatId);

    const history = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/history?chatId=${chatId}`, {});
    expect(history.json().result.messages.map((m: any) => m.sender)).toEqual(['CUSTOMER', 'PARTNER', 'CUSTOMER']);

    // What a real buyer's actions announce: the chat, then each buyer message.
    const events = (await outboxEvents(t)).filter((e) => e.chatId === chatId);
    expect(events.map((e) => e.notificationType)).toEqual(['CHAT_CREATED', 'CHAT_MESSAGE_SENT', 'CHAT_MESSAGE_SENT']);
  });
});
