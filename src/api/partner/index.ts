import type { PartnerRouter } from './route.js';
import { registerGetChat } from './get-chat.js';
import { registerGetChats } from './get-chats.js';
import { registerCreateChat } from './create-chat.js';
import { registerGetChatHistory } from './get-chat-history.js';
import { registerSendMessageToChat } from './send-message-to-chat.js';
import { registerGetChatMessage } from './get-chat-message.js';
import { registerSendFileToChat } from './send-file-to-chat.js';
import { registerGetCampaigns } from './get-campaigns.js';
import { registerGetAuthTokenInfo } from './get-auth-token-info.js';

/** Every partner method ymchat serves. */
export function registerPartnerOperations(router: PartnerRouter): void {
  registerGetChat(router);
  registerGetChats(router);
  registerCreateChat(router);
  registerGetChatHistory(router);
  registerSendMessageToChat(router);
  registerGetChatMessage(router);
  registerSendFileToChat(router);
  registerGetCampaigns(router);
  registerGetAuthTokenInfo(router);
}
