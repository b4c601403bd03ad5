import { API_KEY_SCOPES, scopeEnumName } from '../../domain/access.js';
import { errors } from '../../domain/errors.js';
import { GetTokenInfoResponse } from '../schemas/auth.js';
import type { PartnerRouter } from './route.js';

export const getAuthTokenInfoOperation = {
  operationId: 'getAuthTokenInfo',
  method: 'POST',
  url: '/v2/auth/token',
  summary: 'Получение информации о токене авторизации',
  description: 'Возвращает информацию о переданном токене авторизации. Метод доступен только для Api-Key-токена.',
  tags: ['auth'],
  scopes: API_KEY_SCOPES,
  hourlyLimit: 100,
  resource: '/auth/token.json',
  response: GetTokenInfoResponse,
  // Market declares no 404 for this method.
  errorStatuses: [400, 401, 403, 420, 500],
} as const;

export const OAUTH_NOT_SUPPORTED = 'The method is available only for Api-Key tokens';

export function registerGetAuthTokenInfo(router: PartnerRouter): void {
  router.add(getAuthTokenInfoOperation, async ({ principal }) => {
    if (principal.kind !== 'api-key') throw errors.forbidden(OAUTH_NOT_SUPPORTED);
    const authScopes = [...new Set(principal.scopes)].map(scopeEnumName);
    return { status: 'OK' as const, result: { apiKey: { name: principal.name, authScopes } } };
  });
}
