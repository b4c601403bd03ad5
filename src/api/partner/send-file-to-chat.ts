import { Type } from 'typebox';
import { postMessage } from '../../domain/chat-actions.js';
import { readFilePart } from '../files.js';
import { BusinessIdParams, EmptyApiResponse, Int64Id, SendFileToChatRequest } from '../schemas/common.js';
import { type PartnerRouter, WRITE_SCOPES } from './route.js';

export const sendFileToChatOperation = {
  operationId: 'sendFileToChat',
  method: 'POST',
  url: '/v2/businesses/:businessId/chats/file/send',
  summary: 'Отправка файла в чат',
  description:
    'Отправляет файл в чат с покупателем. Тело — multipart/form-data с частью `file` (бинарный файл, не больше 5 Мбайт).',
  scopes: WRITE_SCOPES,
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/file/send.json',
  params: BusinessIdParams,
  querystring: Type.Object({ chatId: Int64Id('Идентификатор чата.') }),
  consumes: ['multipart/form-data'],
  documentedBody: SendFileToChatRequest,
  response: { ...EmptyApiResponse, description: 'Пустой ответ. Означает, что файл отправлен.' },
} as const;

export function registerSendFileToChat(router: PartnerRouter): void {
  router.add(sendFileToChatOperation, async ({ services, params, query, request }) => {
    // The part is read before the chat is looked up, as Spring resolves it before the handler runs.
    const file = await readFilePart(request);
    await postMessage(services.actions, params.businessId, query.chatId, 'PARTNER', null, [file]);
    return { status: 'OK' as const };
  });
}
