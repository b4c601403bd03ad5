import { Type } from 'typebox';
import { listChats } from '../../domain/chat-list.js';
import { SHUTDOWN, requireLiveField } from '../compat.js';
import { encodePageToken, decodePageToken } from '../paging.js';
import { chatDto } from '../presenters.js';
import { BusinessIdParams, PageTokenQuery, okResponse } from '../schemas/common.js';
import { GetChatsInfoDTO, GetChatsRequest } from '../schemas/chat.js';
import { type PartnerRouter, READ_SCOPES } from './route.js';

export const GET_CHATS_DEFAULT_LIMIT = 10;

export const getChatsOperation = {
  operationId: 'getChats',
  method: 'POST',
  url: '/v2/businesses/:businessId/chats',
  summary: 'Получение доступных чатов',
  description:
    'Возвращает чаты с покупателями, новые первыми (по убыванию chatId). Фильтры: И между полями, ИЛИ внутри одного массива.',
  scopes: READ_SCOPES,
  hourlyLimit: 5000,
  resource: '/businesses/{businessId}/chats.json',
  params: BusinessIdParams,
  querystring: Type.Object({
    pageToken: Type.Optional(PageTokenQuery),
    limit: Type.Optional(
      Type.Integer({
        format: 'int32',
        minimum: 1,
        maximum: 20,
        default: GET_CHATS_DEFAULT_LIMIT,
        description: 'Количество значений на одной странице.',
      }),
    ),
  }),
  body: GetChatsRequest,
  response: okResponse(GetChatsInfoDTO, 'Список чатов.'),
} as const;

export function registerGetChats(router: PartnerRouter): void {
  router.add(getChatsOperation, async ({ services, params, query, body }) => {
    if (body.orderIds !== undefined) requireLiveField(services.config, 'orderIds', SHUTDOWN.chatOrderId, 'contexts');
    const fromId = query.pageToken !== undefined ? decodePageToken(query.pageToken) : undefined;
    const page = await listChats(services.storage.db, params.businessId, body, {
      fromId,
      limit: query.limit ?? GET_CHATS_DEFAULT_LIMIT,
    });
    return {
      status: 'OK' as const,
      result: {
        chats: page.chats.map((c) => chatDto(c, services.config)),
        paging: page.nextId !== null ? { nextPageToken: encodePageToken(page.nextId) } : {},
      },
    };
  });
}
