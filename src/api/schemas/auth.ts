import { Type } from 'typebox';
import { API_KEY_SCOPES, scopeEnumName } from '../../domain/access.js';
import { okResponse } from './common.js';

/** getAuthTokenInfo schemas as in Market's components/schemas. */
export const ApiKeyScopeType = Type.Enum(
  API_KEY_SCOPES.map((s) => scopeEnumName(s)),
  { description: 'Доступы к методам.' },
);

export const ApiKeyDTO = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'Название токена.' }),
    authScopes: Type.Array(ApiKeyScopeType, { uniqueItems: true, description: 'Доступы к методам по Api-Key-токену.' }),
  },
  { description: 'Информация о Api-Key-токене.' },
);

export const TokenDTO = Type.Object({ apiKey: ApiKeyDTO }, { description: 'Информация о токене авторизации.' });

export const GetTokenInfoResponse = okResponse(TokenDTO, 'Информация о токене авторизации.', { resultRequired: true });
