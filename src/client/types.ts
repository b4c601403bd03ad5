import type { Static } from 'typebox';
import type { GetTokenInfoResponse, TokenDTO } from '../api/schemas/auth.js';
import type { CampaignDTO, GetCampaignsResponse } from '../api/schemas/campaign.js';
import type {
  ChatContextDTO,
  ChatMessageDTO,
  ChatMessagesResultDTO,
  ChatStatusType,
  ChatType,
  ChatContextType,
  CreateChatRequest,
  CreateChatResultDTO,
  GetChatHistoryRequest,
  GetChatInfoDTO,
  GetChatsInfoDTO,
  GetChatsRequest,
} from '../api/schemas/chat.js';
import type { ApiErrorDTO, ApiErrorResponse } from '../api/schemas/common.js';

/**
 * Market's request and answer shapes, derived from the TypeBox schemas the ymchat server validates
 * and serialises with (type-only imports: nothing of the server is loaded at run time).
 */
export type Chat = Static<typeof GetChatInfoDTO>;
export type ChatStatus = Static<typeof ChatStatusType>;
export type ChatKind = Static<typeof ChatType>;
export type ChatContextKind = Static<typeof ChatContextType>;
export type ChatContextRef = Static<typeof ChatContextDTO>;
export type ChatsFilter = Static<typeof GetChatsRequest>;
export type ChatsPage = Static<typeof GetChatsInfoDTO>;
export type ChatMessage = Static<typeof ChatMessageDTO>;
export type ChatHistoryRequest = Static<typeof GetChatHistoryRequest>;
export type ChatHistoryPage = Static<typeof ChatMessagesResultDTO>;
export type CreateChatInput = Static<typeof CreateChatRequest>;
export type CreateChatResult = Static<typeof CreateChatResultDTO>;
export type Campaign = Static<typeof CampaignDTO>;
export type CampaignsPage = Static<typeof GetCampaignsResponse>;
export type TokenInfo = Static<typeof TokenDTO>;
export type TokenInfoResponse = Static<typeof GetTokenInfoResponse>;
export type ApiError = Static<typeof ApiErrorDTO>;
export type ApiErrorBody = Static<typeof ApiErrorResponse>;
