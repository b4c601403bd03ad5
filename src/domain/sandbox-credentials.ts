import type { Db } from '../storage/storage.js';
import { API_KEY_SCOPES, generateApiKey, generateOAuthToken, hashToken, scopeEnumName, type Scope } from './access.js';
import { isStoredId } from './chats.js';
import { errors } from './errors.js';
import { getBusiness, type SandboxContext } from './sandbox-entities.js';

/** Api-Keys and OAuth tokens as the sandbox hands them out; secrets are shown once, stored as digests. */
export interface ApiKey {
  id: number;
  businessId: number;
  name: string;
  scopes: Scope[];
  createdAt: number;
  revokedAt: number | null;
}

export interface OAuthUser {
  id: number;
  login: string;
  businessIds: number[];
  createdAt: number;
}

export interface OAuthToken {
  id: number;
  userId: number;
  clientId: string;
  createdAt: number;
  revokedAt: number | null;
}

const SCOPE_BY_NAME = new Map<string, Scope>(API_KEY_SCOPES.flatMap((s) => [[s, s], [scopeEnumName(s), s]] as [string, Scope][]));

/**
 * Scope names as the cabinet shows them (`communication`) or as getAuthTokenInfo reports them
 * (`COMMUNICATION`); anything else is refused with the list of valid names.
 */
export function parseScopes(names: readonly string[]): Scope[] {
  if (names.length === 0) throw errors.invalid(`Give at least one scope: ${API_KEY_SCOPES.join(', ')}`);
  const out: Scope[] = [];
  for (const name of names) {
    const scope = SCOPE_BY_NAME.get(name.trim());
    if (!scope) throw errors.invalid(`Unknown scope '${name}': expected one of ${API_KEY_SCOPES.join(', ')}`);
    if (!out.includes(scope)) out.push(scope);
  }
  return out;
}

const toApiKey = (r: { id: number; business_id: number; name: string; scopes: string; created_at: number; revoked_at: number | null }): ApiKey => ({
  id: r.id,
  businessId: r.business_id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as Scope[],
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

const API_KEY_COLUMNS = ['id', 'business_id', 'name', 'scopes', 'created_at', 'revoked_at'] as const;

/** A new Api-Key of the business; the token is returned here and never again. */
export async function createApiKey(
  ctx: SandboxContext,
  businessId: number,
  input: { name: string; scopes: readonly string[] },
): Promise<{ key: ApiKey; token: string }> {
  const db = ctx.db;
  await getBusiness(db, businessId);
  const scopes = parseScopes(input.scopes);
  const token = generateApiKey();
  const row = await db
    .insertInto('api_keys')
    .values({
      business_id: businessId,
      name: input.name,
      token_hash: hashToken(token),
      scopes: JSON.stringify(scopes),
      created_at: ctx.clock.now(),
      revoked_at: null,
    })
    .returning(API_KEY_COLUMNS)
    .executeTakeFirstOrThrow();
  return { key: toApiKey(row), token };
}

export async function listApiKeys(db: Db, businessId: number): Promise<ApiKey[]> {
  await getBusiness(db, businessId);
  const rows = await db.selectFrom('api_keys').select(API_KEY_COLUMNS).where('business_id', '=', businessId).orderBy('id').execute();
  return rows.map(toApiKey);
}

/**
 * Revokes a key: it stays known, so the partner API answers `Api-Key token is revoked` as Market
 * does for a deleted key. Revoking twice keeps the first time.
 */
export async function revokeApiKey(ctx: SandboxContext, id: number): Promise<ApiKey> {
  await revoke(ctx, 'api_keys', 'Api key', id);
  return toApiKey(await ctx.db.selectFrom('api_keys').select(API_KEY_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow());
}

/** Marks a credential revoked; revoking twice keeps the first time. An unknown id is not found. */
async function revoke(ctx: SandboxContext, table: 'api_keys' | 'oauth_tokens', entity: string, id: number): Promise<void> {
  const db = ctx.db;
  const found = isStoredId(id) ? await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst() : undefined;
  if (!found) throw errors.notFound(entity, id);
  await db.updateTable(table).set({ revoked_at: ctx.clock.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

// OAuth

async function businessIdsOf(db: Db, userIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (userIds.length === 0) return out;
  const links = await db
    .selectFrom('oauth_user_businesses')
    .select(['user_id', 'business_id'])
    .where('user_id', 'in', userIds)
    .orderBy('business_id')
    .execute();
  for (const l of links) out.set(l.user_id, [...(out.get(l.user_id) ?? []), l.business_id]);
  return out;
}

const toOAuthUser = (r: { id: number; login: string; created_at: number }, links: Map<number, number[]>): OAuthUser => ({
  id: r.id,
  login: r.login,
  businessIds: links.get(r.id) ?? [],
  createdAt: r.created_at,
});

export async function listOAuthUsers(db: Db): Promise<OAuthUser[]> {
  const rows = await db.selectFrom('oauth_users').selectAll().orderBy('id').execute();
  const links = await businessIdsOf(db, rows.map((r) => r.id));
  return rows.map((r) => toOAuthUser(r, links));
}

export async function getOAuthUser(db: Db, id: number): Promise<OAuthUser> {
  const row = isStoredId(id) ? await db.selectFrom('oauth_users').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw errors.notFound('OAuth user', id);
  return toOAuthUser(row, await businessIdsOf(db, [row.id]));
}

/** A Yandex user who can reach the given businesses with OAuth tokens. */
export async function createOAuthUser(ctx: SandboxContext, input: { login: string; businessIds: number[] }): Promise<OAuthUser> {
  const db = ctx.db;
  for (const b of input.businessIds) await getBusiness(db, b);
  if (await db.selectFrom('oauth_users').select('id').where('login', '=', input.login).executeTakeFirst()) {
    throw errors.conflict(`OAuth user '${input.login}' already exists`);
  }
  const id = await db.transaction().execute(async (trx) => {
    const user = await trx.insertInto('oauth_users').values({ login: input.login, created_at: ctx.clock.now() }).returning('id').executeTakeFirstOrThrow();
    const unique = [...new Set(input.businessIds)];
    if (unique.length > 0) {
      await trx.insertInto('oauth_user_businesses').values(unique.map((b) => ({ user_id: user.id, business_id: b }))).execute();
    }
    return user.id;
  });
  return getOAuthUser(db, id);
}

/** Removes a user and their tokens (which then answer `OAuth token is invalid`). */
export async function deleteOAuthUser(ctx: SandboxContext, id: number): Promise<OAuthUser> {
  const user = await getOAuthUser(ctx.db, id);
  await ctx.db.deleteFrom('oauth_users').where('id', '=', id).execute();
  return user;
}

const OAUTH_TOKEN_COLUMNS = ['id', 'user_id', 'client_id', 'created_at', 'revoked_at'] as const;
const toOAuthToken = (r: { id: number; user_id: number; client_id: string; created_at: number; revoked_at: number | null }): OAuthToken => ({
  id: r.id,
  userId: r.user_id,
  clientId: r.client_id,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

/** A new OAuth token of the user for an app (client id); the token is returned here and never again. */
export async function createOAuthToken(ctx: SandboxContext, userId: number, input: { clientId: string }): Promise<{ oauthToken: OAuthToken; token: string }> {
  await getOAuthUser(ctx.db, userId);
  const token = generateOAuthToken();
  const row = await ctx.db
    .insertInto('oauth_tokens')
    .values({ user_id: userId, client_id: input.clientId, token_hash: hashToken(token), created_at: ctx.clock.now(), revoked_at: null })
    .returning(OAUTH_TOKEN_COLUMNS)
    .executeTakeFirstOrThrow();
  return { oauthToken: toOAuthToken(row), token };
}

export async function listOAuthTokens(db: Db, userId: number): Promise<OAuthToken[]> {
  await getOAuthUser(db, userId);
  const rows = await db.selectFrom('oauth_tokens').select(OAUTH_TOKEN_COLUMNS).where('user_id', '=', userId).orderBy('id').execute();
  return rows.map(toOAuthToken);
}

/** Revokes an OAuth token: the partner API then answers 403 `OAuth token is invalid`, as Market does. */
export async function revokeOAuthToken(ctx: SandboxContext, id: number): Promise<OAuthToken> {
  await revoke(ctx, 'oauth_tokens', 'OAuth token', id);
  return toOAuthToken(await ctx.db.selectFrom('oauth_tokens').select(OAUTH_TOKEN_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow());
}
