import { Type } from 'typebox';
import { getMessage } from '../../domain/messages.js';
import { baseUrlOf, messageDto } from '../presenters.js';
import { BusinessIdParams, Int64Id, okResponse } from '../schemas/common.js';
import { ChatMessageDTO } from '../schemas/chat.js';
import { type PartnerRouter, READ_SCOPES } from './route.js';

export const getChatMessageOperation = {
  operationId: 'getChatMessage',
  method: 'GET',
  url: '/v2/businesses/:businessId/chats/message',
  summary: 'Получение сообщения в чате',
  description: 'Возвращает сообщение по его идентификатору.',
  scopes: READ_SCOPES,
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/message.json',
  params: BusinessIdParams,
  querystring: Type.Object({
    chatId: Int64Id('Идентификатор чата.'),
    messageId: Int64Id('Идентификатор сообщения.'),
  }),
  response: okResponse(ChatMessageDTO, 'Сообщение и информация о нем.'),
} as const;

export function registerGetChatMessage(router: PartnerRouter): void {
  router.add(getChatMessageOperation, async ({ services, params, query, request }) => {
    const message = await getMessage(services.storage.db, params.businessId, query.chatId, query.messageId);
    return { status: 'OK' as const, result: messageDto(message, baseUrlOf(services.config, request)) };
  });
}
