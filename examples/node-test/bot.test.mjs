// The bot under node:test (`node --test examples/node-test/`): no test framework to install.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startYmchat } from 'ymchat/testing';
import { GREETING, startBot } from '../bot/bot.mjs';

let sb;
let bot;

before(async () => {
  sb = await startYmchat({ notifications: false });
  bot = await startBot({ baseUrl: sb.url, apiKey: sb.keys.communication, businessId: sb.business });
  assert.equal((await sb.control.subscriptions.create(bot.url)).enabled, true);
});
after(async () => {
  await bot?.close();
  await sb?.close();
});

test('greets the buyer who starts a chat about a product', async () => {
  const { chat } = await sb.control.buyer.startDirect({ buyerId: 6000001, subject: 'Наушники X200', message: 'Есть чёрные?' });
  await sb.control.notifications.flush();
  await bot.idle();

  const { messages } = await sb.control.chats.messages(chat.chatId);
  assert.deepEqual(
    messages.map((m) => [m.sender, m.message]),
    [['CUSTOMER', 'Есть чёрные?'], ['PARTNER', GREETING]],
  );
});
