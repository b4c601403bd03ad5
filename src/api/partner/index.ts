import type { LimitedOperation } from '../../limits/limiter.js';
import type { PartnerRouter } from './route.js';
import { getChatOperation, registerGetChat } from './get-chat.js';
import { getChatsOperation, registerGetChats } from './get-chats.js';
import { createChatOperation, registerCreateChat } from './create-chat.js';
import { getChatHistoryOperation, registerGetChatHistory } from './get-chat-history.js';
import { registerSendMessageToChat, sendMessageToChatOperation } from './send-message-to-chat.js';
import { getChatMessageOperation, registerGetChatMessage } from './get-chat-message.js';
import { registerSendFileToChat, sendFileToChatOperation } from './send-file-to-chat.js';
import { getCampaignsOperation, registerGetCampaigns } from './get-campaigns.js';
import { getAuthTokenInfoOperation, registerGetAuthTokenInfo } from './get-auth-token-info.js';

/** Every partner method ymchat serves, by operationId: what faults and quotas may name. */
export const PARTNER_OPERATIONS: readonly LimitedOperation[] = [
  createChatOperation,
  getAuthTokenInfoOperation,
  getCampaignsOperation,
  getChatOperation,
  getChatHistoryOperation,
  getChatMessageOperation,
  getChatsOperation,
  sendFileToChatOperation,
  sendMessageToChatOperation,
].sort((a, b) => a.operationId.localeCompare(b.operationId));

/** Registers every partner method ymchat serves. */
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
