import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { MAX_FILE_BYTES, type NewFile, postMessage } from '../../domain/chat-actions.js';
import { AppError, errors } from '../../domain/errors.js';
import { contentTypeFor, storedFileName } from '../files.js';
import { BusinessIdParams, EmptyApiResponse, Int64Id, SendFileToChatRequest } from '../schemas/common.js';
import { type PartnerRouter, WRITE_SCOPES } from './route.js';

/** The multipart part the file comes in. */
export const FILE_PART = 'file';

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

/** The whole stream's size; its bytes only while they stay within `max`. */
async function readCounting(stream: Readable, max: number): Promise<{ size: number; data: Buffer | null }> {
  let chunks: Buffer[] | null = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (chunks && size <= max) chunks.push(chunk);
    else chunks = null;
  }
  return { size, data: chunks ? Buffer.concat(chunks) : null };
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream as AsyncIterable<Buffer>) {
    // discard: the request must be read to its end before answering
  }
}

function multipartError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return errors.badRequest('Too many parts in the multipart request');
  }
  return errors.badRequest(`Failed to parse multipart request: ${(e as Error).message}`);
}

/**
 * The one file part named `file`, read to its end (an oversize file is counted, not kept, so
 * the 400 can name its size). Other parts are read and ignored, as Spring's `@RequestPart` does;
 * a second `file` part is 400.
 */
export async function readFilePart(req: FastifyRequest): Promise<NewFile> {
  let found: NewFile | null = null;
  let oversize: number | null = null;
  let fileParts = 0;
  try {
    for await (const part of req.parts()) {
      if (part.type !== 'file') continue;
      if (part.fieldname === FILE_PART) fileParts++;
      if (part.fieldname !== FILE_PART || found || oversize !== null) {
        await drain(part.file);
        continue;
      }
      const { size, data } = await readCounting(part.file, MAX_FILE_BYTES);
      if (data === null) {
        oversize = size;
        continue;
      }
      const name = storedFileName(part.filename);
      found = { name, contentType: contentTypeFor(name, part.mimetype), data };
      // The request inspector shows uploads by name and size only.
      req.ymUpload = { file: { name, size, contentType: found.contentType } };
    }
  } catch (e) {
    throw multipartError(e);
  }
  if (oversize !== null) req.ymUpload = { file: { size: oversize } };
  // One message carries one file: a second part would otherwise be dropped without a word.
  if (fileParts > 1) throw errors.badRequest(`Request part '${FILE_PART}' is given ${fileParts} times; send one file per request`);
  if (oversize !== null) throw errors.fileTooLarge(oversize, MAX_FILE_BYTES);
  if (!found) throw errors.badRequest(`Required request part '${FILE_PART}' is not present`);
  if (found.data.byteLength === 0) throw errors.badRequest(`File '${found.name}' is empty`);
  return found;
}

export function registerSendFileToChat(router: PartnerRouter): void {
  router.add(sendFileToChatOperation, async ({ services, params, query, request }) => {
    // The part is read before the chat is looked up, as Spring resolves it before the handler runs.
    const file = await readFilePart(request);
    await postMessage(services.actions, params.businessId, query.chatId, 'PARTNER', null, [file]);
    return { status: 'OK' as const };
  });
}
