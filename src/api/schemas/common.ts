import { Type, type TSchema } from 'typebox';
import type { RequestedId } from '../../domain/model.js';

/** Shared pieces of Market's schemas (components/schemas, components/parameters). */

/** An int64 id in a path or query: parsed to a number, or beyond 2^53 kept as its digits (see RequestedId). */
export const Int64Id = (description: string) => Type.Unsafe<RequestedId>(Type.Integer({ format: 'int64', minimum: 1, description }));

/**
 * The path's business is a number by the time a handler reads it: the pipeline's business stage
 * refuses (403) any businessId that is not a business the caller sees, before validation.
 */
export const BusinessIdParams = Type.Object({
  businessId: Type.Integer({ format: 'int64', minimum: 1, description: 'Идентификатор кабинета.' }),
});

export const ApiErrorDTO = Type.Object({
  code: Type.String({ description: 'Код ошибки.' }),
  message: Type.Optional(Type.String({ description: 'Описание ошибки.' })),
});

export const ApiErrorResponse = Type.Object(
  {
    status: Type.Enum(['OK', 'ERROR']),
    // As Market declares it; ymchat's error answers always carry at least one error.
    errors: Type.Optional(Type.Array(ApiErrorDTO, { minItems: 1, nullable: true })),
  },
  { description: 'Стандартная обертка для ошибок сервера.' },
);

export const EmptyApiResponse = Type.Object({ status: Type.Enum(['OK', 'ERROR']) });

export const ErrorResponses = {
  400: { ...ApiErrorResponse, description: 'Запрос содержит неправильные данные.' },
  401: { ...ApiErrorResponse, description: 'В запросе не указаны авторизационные данные.' },
  403: { ...ApiErrorResponse, description: 'Данные авторизации неверны или доступ к ресурсу запрещен.' },
  404: { ...ApiErrorResponse, description: 'Запрашиваемый ресурс не найден.' },
  420: { ...ApiErrorResponse, description: 'Превышено ограничение на доступ к ресурсу.' },
  500: { ...ApiErrorResponse, description: 'Внутренняя ошибка Маркета.' },
};

/** `{status: OK, result}` wrapper of Market's successful answers (`result` optional unless Market requires it). */
export function okResponse<T extends TSchema>(result: T, description: string, opts: { resultRequired?: boolean } = {}) {
  return Type.Object(
    { status: Type.Enum(['OK', 'ERROR']), result: opts.resultRequired ? result : Type.Optional(result) },
    { description },
  );
}

/** The error answers each partner method declares, as Market's spec lists them. */
export const ALL_ERROR_STATUSES = [400, 401, 403, 404, 420, 500] as const;

export function errorResponses(statuses: readonly number[] = ALL_ERROR_STATUSES) {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponses[s as keyof typeof ErrorResponses]]));
}

/** sendFileToChat's multipart body (Market's SendFileToChatRequest), for the OpenAPI document. */
export const SendFileToChatRequest = Type.Object(
  { file: Type.String({ format: 'binary', description: 'Содержимое файла. Максимальный размер файла — 5 Мбайт.' }) },
  { description: 'Информация о чате и отправляемом файле.' },
);

export const PageTokenQuery = Type.String({
  description: 'Идентификатор страницы c результатами.',
  'x-aliases': ['pageToken', 'page_token'],
});

export const ForwardPager = Type.Object(
  { nextPageToken: Type.Optional(Type.String({ description: 'Идентификатор следующей страницы результатов.' })) },
  { description: 'Информация о страницах с результатами.' },
);
