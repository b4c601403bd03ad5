import { Type } from 'typebox';
import { getChat, isStoredId } from '../../domain/chats.js';
import { listMessages } from '../../domain/messages.js';
import { SHUTDOWN, deprecatedFieldLive } from '../compat.js';
import { decodePageToken, encodePageToken } from '../paging.js';
import { baseUrlOf, contextDto, messageDto } from '../presenters.js';
import { BusinessIdParams, Int64Id, PageTokenQuery, okResponse } from '../schemas/common.js';
import { ChatMessagesResultDTO, GetChatHistoryRequest } from '../schemas/chat.js';
import { type PartnerRouter, READ_SCOPES } from './route.js';

export const GET_CHAT_HISTORY_DEFAULT_LIMIT = 50;

export const getChatHistoryOperation = {
  operationId: 'getChatHistory',
  method: 'POST',
  url: '/v2/businesses/:businessId/chats/history',
  summary: 'Получение истории сообщений в чате',
  description:
    'Возвращает историю сообщений в чате по возрастанию messageId, начиная с messageIdFrom (включительно).',
  scopes: READ_SCOPES,
  hourlyLimit: 10000,
  resource: '/businesses/{businessId}/chats/history.json',
  params: BusinessIdParams,
  querystring: Type.Object({
    chatId: Int64Id('Идентификатор чата.'),
    pageToken: Type.Optional(PageTokenQuery),
    limit: Type.Optional(
      Type.Integer({
        format: 'int32',
        minimum: 1,
        maximum: 100,
        default: GET_CHAT_HISTORY_DEFAULT_LIMIT,
        description: 'Количество значений на одной странице.',
      }),
    ),
  }),
  body: GetChatHistoryRequest,
  response: okResponse(ChatMessagesResultDTO, 'История сообщений.'),
} as const;

export function registerGetChatHistory(router: PartnerRouter): void {
  router.add(getChatHistoryOperation, async ({ services, params, query, body, request }) => {
    const tokenFrom = query.pageToken !== undefined ? decodePageToken(query.pageToken) : 1;
    const chat = await getChat(services.storage.db, params.businessId, query.chatId);
    // A token continues the same query, so both lower bounds hold.
    const fromId = Math.max(body.messageIdFrom ?? 1, tokenFrom);
    const { messages, hasMore } = isStoredId(fromId)
      ? await listMessages(services.storage.db, chat.id, fromId, query.limit ?? GET_CHAT_HISTORY_DEFAULT_LIMIT)
      : { messages: [], hasMore: false };
    const baseUrl = baseUrlOf(services.config, request);
    const withOrderId =
      chat.orderId !== null && chat.contextType !== 'DIRECT' && deprecatedFieldLive(services.config, SHUTDOWN.historyOrderId);
    return {
      status: 'OK' as const,
      result: {
        ...(withOrderId ? { orderId: chat.orderId! } : {}),
        context: contextDto(chat),
        messages: messages.map((m) => messageDto(m, baseUrl)),
        paging: hasMore ? { nextPageToken: encodePageToken(messages[messages.length - 1].id + 1) } : {},
      },
    };
  });
}
