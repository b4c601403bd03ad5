/**
 * Errors as values. The domain and the API layers raise these with a kind and parameters; only
 * `api/errors.ts` knows which HTTP status, code and message each kind becomes.
 */
export type ErrorKind =
  // partner API, domain
  | 'CHAT_NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'ORDER_NOT_FOUND'
  | 'RETURN_NOT_FOUND'
  | 'RETURN_CHAT_NOT_ALLOWED'
  | 'CHAT_FINISHED'
  | 'FILE_TOO_LARGE'
  // partner API, transport
  | 'BAD_REQUEST'
  | 'BAD_PAGE_TOKEN'
  | 'FIELD_SHUT_DOWN'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'API_DISABLED'
  | 'RESOURCE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PARALLEL_LIMIT'
  | 'HOURLY_LIMIT'
  | 'INTERNAL'
  | 'SERVICE_UNAVAILABLE'
  // HTTP, before any route
  | 'URI_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'REQUEST_TIMEOUT'
  // control API
  | 'SANDBOX_NOT_FOUND'
  | 'SANDBOX_CONFLICT'
  | 'SANDBOX_INVALID';

export type ErrorParams = Record<string, string | number>;

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly params: ErrorParams = {},
  ) {
    super(`${kind} ${JSON.stringify(params)}`);
    this.name = 'AppError';
  }
}

export const errors = {
  chatNotFound: (chatId: number | string) => new AppError('CHAT_NOT_FOUND', { chatId: String(chatId) }),
  messageNotFound: (chatId: number | string, messageId: number | string) =>
    new AppError('MESSAGE_NOT_FOUND', { chatId: String(chatId), messageId: String(messageId) }),
  orderNotFound: (orderId: number | string) => new AppError('ORDER_NOT_FOUND', { orderId: String(orderId) }),
  returnNotFound: (returnId: number | string) => new AppError('RETURN_NOT_FOUND', { returnId: String(returnId) }),
  returnChatNotAllowed: (returnId: number, model: string) =>
    new AppError('RETURN_CHAT_NOT_ALLOWED', { returnId, model }),
  chatFinished: (chatId: number) => new AppError('CHAT_FINISHED', { chatId }),
  fileTooLarge: (size: number, max: number) => new AppError('FILE_TOO_LARGE', { size, max }),
  badPageToken: () => new AppError('BAD_PAGE_TOKEN'),
  /** A deprecated request field used after its shutdown date. */
  fieldShutDown: (field: string, shutdownDate: string, replacement: string) =>
    new AppError('FIELD_SHUT_DOWN', { field, shutdownDate, replacement }),
  badRequest: (message: string) => new AppError('BAD_REQUEST', { message }),
  unauthorized: (message: string) => new AppError('UNAUTHORIZED', { message }),
  forbidden: (message: string) => new AppError('FORBIDDEN', { message }),
  notFound: (entity: string, id: number | string) => new AppError('SANDBOX_NOT_FOUND', { entity, id: String(id) }),
  conflict: (message: string) => new AppError('SANDBOX_CONFLICT', { message }),
  invalid: (message: string) => new AppError('SANDBOX_INVALID', { message }),
};
