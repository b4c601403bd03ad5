import { openContextChat } from '../../domain/chat-actions.js';
import { errors } from '../../domain/errors.js';
import { SHUTDOWN, requireLiveField } from '../compat.js';
import { BusinessIdParams, okResponse } from '../schemas/common.js';
import { CreateChatRequest, CreateChatResultDTO } from '../schemas/chat.js';
import { messages } from '../validation.js';
import { type PartnerRouter, WRITE_SCOPES } from './route.js';

export const createChatOperation = {
  operationId: 'createChat',
  method: 'POST',
  url: '/v2/businesses/:businessId/chats/new',
  summary: 'Создание нового чата с покупателем',
  description:
    'Создает чат по заказу или возврату (возвраты — только FBY, FBS и Экспресс) и возвращает его идентификатор; если чат уже есть, возвращает его.',
  scopes: WRITE_SCOPES,
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/new.json',
  params: BusinessIdParams,
  body: CreateChatRequest,
  response: okResponse(CreateChatResultDTO, 'Информация о новом или созданном ранее чате.'),
} as const;

export function registerCreateChat(router: PartnerRouter): void {
  router.add(createChatOperation, async ({ services, params, body }) => {
    if (body.orderId !== undefined) requireLiveField(services.config, 'orderId', SHUTDOWN.chatOrderId, 'context');
    // `context` is the replacement, so it wins when a client sends both.
    const ref = body.context ?? (body.orderId !== undefined ? { type: 'ORDER' as const, id: body.orderId } : undefined);
    if (!ref) throw errors.badRequest(messages.notNull('context'));
    const { chatId } = await openContextChat(services.actions, params.businessId, ref);
    return { status: 'OK' as const, result: { chatId } };
  });
}
