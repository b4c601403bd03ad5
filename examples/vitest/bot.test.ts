// The bot under Vitest: a sandbox per test file, the buyer played through the control API.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startYmchat, type Ymchat } from 'ymchat/testing';
import { MarketChatClient } from 'ymchat/client';
import { GREETING, startBot } from '../bot/bot.mjs';

let sb: Ymchat;
let bot: Awaited<ReturnType<typeof startBot>>;

beforeAll(async () => {
  sb = await startYmchat({ notifications: false });
  bot = await startBot({ baseUrl: sb.url, apiKey: sb.keys.communication, businessId: sb.business });
  const sub = await sb.control.subscriptions.create(bot.url);
  expect(sub.enabled).toBe(true);
});
afterAll(async () => {
  await bot?.close();
  await sb?.close();
});

it('greets the buyer who opens a chat about an order', async () => {
  const { chat } = await sb.control.buyer.openOrderChat(3000005);
  await sb.control.notifications.flush();
  await bot.idle();

  const market = new MarketChatClient({ baseUrl: sb.url, apiKey: sb.keys.readOnly, businessId: sb.business });
  const { messages } = await market.getChatHistory(chat.chatId);
  expect(messages.at(-1)).toMatchObject({ sender: 'PARTNER', message: `${GREETING} по заказу 3000005` });
});
