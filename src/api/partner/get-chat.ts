import { Type } from 'typebox';
import { getChat } from '../../domain/chats.js';
import { chatDto } from '../presenters.js';
import { BusinessIdParams, Int64Id, okResponse } from '../schemas/common.js';
import { GetChatInfoDTO } from '../schemas/chat.js';
import { type PartnerRouter, READ_SCOPES } from './route.js';

export const getChatOperation = {
  operationId: 'getChat',
  method: 'GET',
  url: '/v2/businesses/:businessId/chat',
  summary: 'Получение чата по идентификатору',
  description: 'Возвращает чат по его идентификатору.',
  scopes: READ_SCOPES,
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chat.json',
  params: BusinessIdParams,
  querystring: Type.Object({ chatId: Int64Id('Идентификатор чата.') }),
  response: okResponse(GetChatInfoDTO, 'Информация о чате.'),
} as const;

export function registerGetChat(router: PartnerRouter): void {
  router.add(getChatOperation, async ({ services, params, query }) => {
    const chat = await getChat(services.storage.db, params.businessId, query.chatId);
    return { status: 'OK' as const, result: chatDto(chat, services.config) };
  });
}
