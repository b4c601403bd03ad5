import { AppError, type ErrorKind, type ErrorParams } from '../domain/errors.js';

/** One entry per error kind: HTTP status, Market's `code`, and the message template. */
interface CatalogueEntry {
  status: number;
  code: string;
  message: (p: ErrorParams) => string;
}

const given = (p: ErrorParams) => String(p.message);

export const CATALOGUE: Record<ErrorKind, CatalogueEntry> = {
  CHAT_NOT_FOUND: { status: 404, code: 'NOT_FOUND', message: (p) => `Can't find chat by id: '${p.chatId}'` },
  MESSAGE_NOT_FOUND: {
    status: 404,
    code: 'NOT_FOUND',
    message: (p) => `Can't find message by id: '${p.messageId}' for chat '${p.chatId}'`,
  },
  ORDER_NOT_FOUND: { status: 404, code: 'NOT_FOUND', message: (p) => `Order not found: '${p.orderId}'` },
  RETURN_NOT_FOUND: { status: 404, code: 'NOT_FOUND', message: (p) => `Return not found: '${p.returnId}'` },
  RETURN_CHAT_NOT_ALLOWED: {
    status: 400,
    code: 'BAD_REQUEST',
    message: (p) => `Chats about returns are not available for ${p.model} stores (return '${p.returnId}')`,
  },
  CHAT_FINISHED: { status: 400, code: 'BAD_REQUEST', message: (p) => `Chat '${p.chatId}' is finished` },
  FILE_TOO_LARGE: {
    status: 400,
    code: 'BAD_REQUEST',
    message: (p) => `The file is too big: ${p.size} bytes (maximum ${p.max} bytes)`,
  },
  BAD_PAGE_TOKEN: { status: 400, code: 'BAD_REQUEST', message: () => 'Bad page token' },
  FIELD_SHUT_DOWN: {
    status: 400,
    code: 'BAD_REQUEST',
    message: (p) => `'${p.field}' is no longer supported since ${p.shutdownDate}, use '${p.replacement}' instead`,
  },
  BAD_REQUEST: { status: 400, code: 'BAD_REQUEST', message: given },
  UNAUTHORIZED: { status: 401, code: 'UNAUTHORIZED', message: given },
  FORBIDDEN: { status: 403, code: 'FORBIDDEN', message: given },
  API_DISABLED: { status: 403, code: 'API_DISABLED', message: given },
  RESOURCE_NOT_FOUND: { status: 404, code: 'NOT_FOUND', message: () => 'Resource not found' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    message: (p) => `Request method '${p.method}' not supported`,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: (p) => `Content type '${p.contentType}' not supported`,
  },
  PARALLEL_LIMIT: {
    status: 420,
    code: 'METHOD_FAILURE',
    message: (p) => `Hit rate limit of ${p.limit} parallel requests for ${p.entity} ${p.id}`,
  },
  HOURLY_LIMIT: {
    status: 420,
    code: 'METHOD_FAILURE',
    message: (p) => `Hit rate limit of ${p.limit} requests per ${p.period} for resource ${p.resource} for ${p.entity} ${p.id}`,
  },
  INTERNAL: { status: 500, code: 'INTERNAL_ERROR', message: () => 'Internal server error' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    code: 'SERVICE_UNAVAILABLE',
    message: () => 'Service temporarily unavailable. Please, try again later',
  },
  // Statuses Market documents no body for; the code is the reason phrase, as for 405 and 415.
  URI_TOO_LONG: {
    status: 414,
    code: 'REQUEST_URI_TOO_LONG',
    message: (p) => `Request URI is too long: a path segment has more than ${p.max} characters`,
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    message: (p) => `Request headers are too large: more than ${p.max} bytes`,
  },
  REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', message: () => 'The request was not received in time' },
  SANDBOX_NOT_FOUND: { status: 404, code: 'NOT_FOUND', message: (p) => `${p.entity} not found: '${p.id}'` },
  SANDBOX_CONFLICT: { status: 409, code: 'CONFLICT', message: given },
  SANDBOX_INVALID: { status: 400, code: 'BAD_REQUEST', message: given },
};

export interface ErrorEnvelope {
  status: 'ERROR';
  errors: { code: string; message: string }[];
}

/** The one formatter: an error value becomes Market's status and envelope. */
export function formatError(err: AppError): { statusCode: number; body: ErrorEnvelope } {
  const entry = CATALOGUE[err.kind];
  return {
    statusCode: entry.status,
    body: { status: 'ERROR', errors: [{ code: entry.code, message: entry.message(err.params) }] },
  };
}

export function envelope(kind: ErrorKind, params: ErrorParams = {}): { statusCode: number; body: ErrorEnvelope } {
  return formatError(new AppError(kind, params));
}

/** HTTP reason phrases Node does not know. */
export const REASON_PHRASES: Record<number, string> = { 420: 'Enhance Your Calm' };
