import { Type } from 'typebox';
import { postMessage } from '../../domain/chat-actions.js';
import { BusinessIdParams, EmptyApiResponse, Int64Id } from '../schemas/common.js';
import { type PartnerRouter, WRITE_SCOPES } from './route.js';

export const SendMessageToChatRequest = Type.Object(
  { message: Type.String({ minLength: 1, maxLength: 4096, description: 'Текст сообщения.' }) },
  { description: 'В какой чат нужно отправить сообщение и текст сообщения.' },
);

export const sendMessageToChatOperation = {
  operationId: 'sendMessageToChat',
  method: 'POST',
  url: '/v2/businesses/:businessId/chats/message',
  summary: 'Отправка сообщения в чат',
  description: 'Отправляет сообщение в чат с покупателем.',
  scopes: WRITE_SCOPES,
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/message.json',
  params: BusinessIdParams,
  querystring: Type.Object({ chatId: Int64Id('Идентификатор чата.') }),
  body: SendMessageToChatRequest,
  response: { ...EmptyApiResponse, description: 'Пустой ответ. Означает, что сообщение отправлено.' },
} as const;

export function registerSendMessageToChat(router: PartnerRouter): void {
  router.add(sendMessageToChatOperation, async ({ services, params, query, body }) => {
    // Text is stored as sent: Market documents no trimming for chat messages.
    await postMessage(services.actions, params.businessId, query.chatId, 'PARTNER', body.message);
    return { status: 'OK' as const };
  });
}
