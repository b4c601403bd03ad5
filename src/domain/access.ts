import crypto from 'node:crypto';
import type { Db } from '../storage/storage.js';
import { prepared, remembered } from '../storage/prepared.js';

/** Scope names of Market's Api-Key tokens (OpenAPI `x-auth-scopes`). */
export const API_KEY_SCOPES = [
  'all-methods',
  'all-methods:read-only',
  'inventory-and-order-processing',
  'inventory-and-order-processing:read-only',
  'pricing',
  'pricing:read-only',
  'offers-and-cards-management',
  'offers-and-cards-management:read-only',
  'promotion',
  'promotion:read-only',
  'finance-and-accounting',
  'communication',
  'settings-management',
  'supplies-management:read-only',
] as const;
export type Scope = (typeof API_KEY_SCOPES)[number];

/** `all-methods:read-only` → `ALL_METHODS_READ_ONLY`, as getAuthTokenInfo reports scopes. */
export function scopeEnumName(scope: Scope): string {
  return scope.toUpperCase().replace(/[-:]/g, '_');
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new Api-Key token in Market's shape: `ACMA:` + 40 alphanumerics + `:` + 8 hex digits. */
export function generateApiKey(): string {
  const bytes = crypto.randomBytes(40);
  let body = '';
  for (const b of bytes) body += ALNUM[b % ALNUM.length];
  return `ACMA:${body}:${crypto.randomBytes(4).toString('hex')}`;
}

/** A new OAuth token (Yandex OAuth tokens look like `y0_` + base64url). */
export function generateOAuthToken(): string {
  return `y0_${crypto.randomBytes(40).toString('base64url')}`;
}

const digests = new Map<string, string>();
const DIGEST_CACHE_SIZE = 1024;

/**
 * Tokens are stored as SHA-256 digests; lookups go by digest, so no secret is ever compared. The
 * digests of recent tokens are remembered (a digest never changes), sparing the hash per request;
 * the key itself is still looked up every time, so revocation takes effect at once.
 */
export function hashToken(token: string): string {
  let digest = digests.get(token);
  if (digest === undefined) {
    digest = crypto.createHash('sha256').update(token, 'utf8').digest('hex');
    if (digests.size >= DIGEST_CACHE_SIZE) digests.clear();
    digests.set(token, digest);
  }
  return digest;
}

export const API_KEY_PATTERN = /^ACMA:[A-Za-z0-9]{40}:[0-9a-f]{8}$/;

export interface ApiKeyPrincipal {
  kind: 'api-key';
  keyId: number;
  name: string;
  businessId: number;
  scopes: Scope[];
  revoked: boolean;
}

export interface OAuthPrincipal {
  kind: 'oauth';
  tokenId: number;
  userId: number;
  clientId: string;
  businessIds: number[];
  revoked: boolean;
}

export type Principal = ApiKeyPrincipal | OAuthPrincipal;

/** The key whose token has this digest (revoked keys too: they answer differently). */
const apiKeyByHash = prepared((db: Db, tokenHash: string) =>
  db.selectFrom('api_keys').select(['id', 'name', 'business_id', 'scopes', 'token_hash', 'revoked_at']).where('token_hash', '=', tokenHash),
);

/**
 * A key as it was stored when last looked up: enough to confirm, inside another statement, that
 * it is still exactly so (unrevoked, same business, scopes and name).
 */
export interface ApiKeyCheck {
  tokenHash: string;
  keyId: number;
  name: string;
  businessId: number;
  scopes: string;
}

const seenKeys = new Map<string, { principal: ApiKeyPrincipal; check: ApiKeyCheck }>();

/**
 * The key whose token has this digest, or null. Remembered until api_keys or businesses change
 * (`remembered`: on SQLite, where every such change passes this process), so a revocation or a
 * deleted business takes effect on the very next call; the principal is frozen, being shared.
 */
export const findApiKey: (db: Db, tokenHash: string) => Promise<ApiKeyPrincipal | null> = remembered(['api_keys', 'businesses'], lookUpApiKey);

async function lookUpApiKey(db: Db, tokenHash: string): Promise<ApiKeyPrincipal | null> {
  const [row] = await apiKeyByHash(db, tokenHash);
  if (!row) return null;
  // Digest equality already decided the lookup; compare again in constant time for defence in depth.
  if (!crypto.timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(tokenHash))) return null;
  const principal: ApiKeyPrincipal = Object.freeze({
    kind: 'api-key',
    keyId: row.id,
    name: row.name,
    businessId: row.business_id,
    scopes: Object.freeze(JSON.parse(row.scopes)) as Scope[],
    revoked: row.revoked_at !== null,
  });
  if (principal.revoked) seenKeys.delete(tokenHash);
  else {
    if (seenKeys.size >= DIGEST_CACHE_SIZE) seenKeys.clear();
    seenKeys.set(tokenHash, { principal, check: { tokenHash, keyId: row.id, name: row.name, businessId: row.business_id, scopes: row.scopes } });
  }
  return principal;
}

/**
 * The unrevoked key this digest had when last looked up in this process: a guess, never an
 * answer. Whoever acts on it must confirm the check in the statement that admits the call, and
 * look the key up afresh (`forgetApiKey`) when the database disagrees.
 */
export function lastSeenApiKey(tokenHash: string): { principal: ApiKeyPrincipal; check: ApiKeyCheck } | undefined {
  return seenKeys.get(tokenHash);
}

export function forgetApiKey(tokenHash: string): void {
  seenKeys.delete(tokenHash);
}

/** The OAuth token with this digest, with the businesses its user sees; remembered as `findApiKey` is. */
export const findOAuthToken: (db: Db, tokenHash: string) => Promise<OAuthPrincipal | null> = remembered(
  ['oauth_tokens', 'oauth_users', 'oauth_user_businesses', 'businesses'],
  lookUpOAuthToken,
);

async function lookUpOAuthToken(db: Db, tokenHash: string): Promise<OAuthPrincipal | null> {
  const row = await db
    .selectFrom('oauth_tokens')
    .select(['id', 'user_id', 'client_id', 'revoked_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return null;
  const links = await db.selectFrom('oauth_user_businesses').select('business_id').where('user_id', '=', row.user_id).execute();
  return Object.freeze({
    kind: 'oauth',
    tokenId: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    businessIds: Object.freeze(links.map((l) => l.business_id)) as number[],
    revoked: row.revoked_at !== null,
  });
}
