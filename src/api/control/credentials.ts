import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  type ApiKey,
  type OAuthToken,
  createApiKey,
  createOAuthToken,
  createOAuthUser,
  deleteOAuthUser,
  listApiKeys,
  listOAuthTokens,
  listOAuthUsers,
  revokeApiKey,
  revokeOAuthToken,
} from '../../domain/sandbox-credentials.js';
import type { Services } from '../../services.js';
import type { ApiKeyInfo } from './answers.js';
import { Id, controlRoute, idParams, stamped, time } from './kit.js';

const keyView = (k: ApiKey): ApiKeyInfo => ({ ...stamped(k), revokedAt: time(k.revokedAt) });
const tokenView = (t: OAuthToken) => ({ ...stamped(t), revokedAt: time(t.revokedAt) });

/**
 * Api-Keys and OAuth tokens. A new secret is in the creation answer only; lists never show it.
 * DELETE revokes: the partner API then refuses the credential as Market refuses revoked ones.
 */
export function registerCredentialRoutes(app: FastifyInstance, services: Services): void {
  const db = () => services.storage.db;
  const ctx = () => services.domain;

  controlRoute(app, { method: 'GET', url: '/businesses/:businessId/keys', params: idParams('businessId') }, async ({ params }) => ({
    keys: (await listApiKeys(db(), params.businessId)).map(keyView),
  }));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/businesses/:businessId/keys',
      created: true,
      params: idParams('businessId'),
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), scopes: Type.Array(Type.String(), { minItems: 1 }) }),
    },
    async ({ params, body }) => {
      const { key, token } = await createApiKey(ctx(), params.businessId, body);
      return { ...keyView(key), token };
    },
  );
  controlRoute(app, { method: 'DELETE', url: '/keys/:keyId', params: idParams('keyId') }, async ({ params }) =>
    keyView(await revokeApiKey(ctx(), params.keyId)),
  );

  controlRoute(app, { method: 'GET', url: '/oauth/users' }, async () => ({ users: (await listOAuthUsers(db())).map(stamped) }));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/oauth/users',
      created: true,
      body: Type.Object({ login: Type.String({ minLength: 1, maxLength: 100 }), businessIds: Type.Array(Id) }),
    },
    async ({ body }) => stamped(await createOAuthUser(ctx(), body)),
  );
  controlRoute(app, { method: 'DELETE', url: '/oauth/users/:userId', params: idParams('userId') }, async ({ params }) =>
    stamped(await deleteOAuthUser(ctx(), params.userId)),
  );
  controlRoute(app, { method: 'GET', url: '/oauth/users/:userId/tokens', params: idParams('userId') }, async ({ params }) => ({
    tokens: (await listOAuthTokens(db(), params.userId)).map(tokenView),
  }));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/oauth/users/:userId/tokens',
      created: true,
      params: idParams('userId'),
      body: Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 100 }) }),
    },
    async ({ params, body }) => {
      const { oauthToken, token } = await createOAuthToken(ctx(), params.userId, body);
      return { ...tokenView(oauthToken), token };
    },
  );
  controlRoute(app, { method: 'DELETE', url: '/oauth/tokens/:tokenId', params: idParams('tokenId') }, async ({ params }) =>
    tokenView(await revokeOAuthToken(ctx(), params.tokenId)),
  );
}
