// A small seller bot: when a buyer opens a chat, read it and greet the buyer.
import { MarketChatClient, MARKET_API_URL } from 'ymchat/client';
import { createReceiver } from 'ymchat/receiver';

export const GREETING = 'Здравствуйте! Мы на связи и ответим в течение часа.';

/**
 * Starts the bot's notification endpoint. `baseUrl` is Market (default) or a ymchat sandbox.
 * Returns the URL to register in Market's cabinet (or with ymchat's control API) and close().
 */
export async function startBot({ apiKey, businessId, baseUrl = MARKET_API_URL, port = 0 }) {
  const market = new MarketChatClient({ baseUrl, apiKey, businessId });
  const receiver = createReceiver({
    name: 'greeting-bot',
    version: '1.0.0',
    async onChatCreated({ chatId }) {
      const chat = await market.getChat(chatId);
      const about = chat.context.orderId ? ` по заказу ${chat.context.orderId}` : '';
      await market.sendMessageToChat(chatId, `${GREETING}${about}`);
    },
    onError: (error) => console.error('bot:', error),
  });
  const server = await receiver.listen({ port, path: '/market/notifications' });
  return { url: server.url, idle: () => receiver.idle(), close: () => server.close() };
}
