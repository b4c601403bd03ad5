import type { IncomingHttpHeaders } from 'node:http';
import type { Db } from '../storage/storage.js';
import {
  API_KEY_PATTERN,
  type ApiKeyCheck,
  type ApiKeyPrincipal,
  lastSeenApiKey,
  findApiKey,
  findOAuthToken,
  hashToken,
  type Principal,
  type Scope,
} from '../domain/access.js';
import { errors } from '../domain/errors.js';

const API_KEY_LENGTH = 'ACMA:'.length + 40 + 1 + 8;

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Checks an Api-Key token's shape before any lookup, with Market's 401 messages. */
function checkApiKeyShape(token: string): void {
  if (token === '') throw errors.unauthorized('Api-Key token is not specified');
  if (/^(bearer|oauth)\b/i.test(token) || !/^[A-Z]{4}:/.test(token)) throw errors.unauthorized('Api-Key token prefix invalid');
  if (token.length !== API_KEY_LENGTH) throw errors.unauthorized('Api-Key token length invalid');
  if (!API_KEY_PATTERN.test(token)) throw errors.unauthorized('Api-Key token format invalid');
}

/** Legacy `OAuth oauth_token=…, oauth_client_id=…` or Yandex's bare `OAuth <token>`. */
function parseLegacyOAuth(rest: string): { token: string; clientId: string | null } {
  if (!rest.includes('=')) {
    if (rest === '') throw errors.unauthorized('OAuth credentials are not specified');
    // Yandex's bare `OAuth <token>` carries no client id, which the Partner API requires.
    return { token: rest, clientId: '' };
  }
  const fields: Record<string, string> = {};
  for (const part of rest.split(',')) {
    const m = /^\s*([A-Za-z_]+)\s*=\s*"?([^"]*)"?\s*$/.exec(part);
    if (!m) throw errors.unauthorized('Authorization header has invalid syntax');
    fields[m[1].toLowerCase()] = m[2];
  }
  const token = fields.oauth_token ?? '';
  if (token === '') throw errors.unauthorized('OAuth token is not specified');
  return { token, clientId: fields.oauth_client_id ?? '' };
}

/**
 * The Api-Key of these headers as this process last saw it, when the header is well-formed and
 * the key was valid then; null otherwise. Not an authentication: see `lastSeenApiKey`.
 */
export function apiKeyGuess(headers: IncomingHttpHeaders): { principal: ApiKeyPrincipal; check: ApiKeyCheck } | null {
  const apiKey = single(headers['api-key']);
  if (apiKey === undefined) return null;
  const token = apiKey.trim();
  try {
    checkApiKeyShape(token);
  } catch {
    return null;
  }
  return lastSeenApiKey(hashToken(token)) ?? null;
}

/**
 * Who is calling. 401 for missing or unusable credentials; an unknown OAuth token is 403, as on
 * Market (an unknown Api-Key is 401).
 */
export async function authenticate(db: Db, headers: IncomingHttpHeaders): Promise<Principal> {
  const apiKey = single(headers['api-key']);
  if (apiKey !== undefined) {
    const token = apiKey.trim();
    checkApiKeyShape(token);
    const key = await findApiKey(db, hashToken(token));
    if (!key) throw errors.unauthorized('Api-Key token is invalid');
    if (key.revoked) throw errors.unauthorized('Api-Key token is revoked');
    return key;
  }
  const authorization = single(headers.authorization);
  if (authorization === undefined || authorization.trim() === '') {
    throw errors.unauthorized('Credentials are not specified');
  }
  const m = /^\s*(\S+)(?:\s+(.*))?$/.exec(authorization);
  if (!m) throw errors.unauthorized('Authorization header has invalid syntax');
  const scheme = m[1].toLowerCase();
  const rest = (m[2] ?? '').trim();
  let token: string;
  let clientId: string | null = null;
  if (scheme === 'bearer') {
    if (rest === '') throw errors.unauthorized('OAuth token is not specified');
    if (/\s/.test(rest)) throw errors.unauthorized('Authorization header has invalid syntax');
    token = rest;
  } else if (scheme === 'oauth') {
    ({ token, clientId } = parseLegacyOAuth(rest));
    if (clientId === '') throw errors.unauthorized('OAuth client id is not specified');
  } else {
    throw errors.unauthorized('Unsupported authorization type specified in Authorization header');
  }
  const principal = await findOAuthToken(db, hashToken(token));
  if (!principal || principal.revoked) throw errors.forbidden('OAuth token is invalid');
  if (clientId !== null && clientId !== principal.clientId) throw errors.forbidden('Client id is invalid');
  return principal;
}

/** OAuth tokens carry the app scope `market:partner-api`, which opens every method. */
export function hasAnyScope(principal: Principal, accepted: readonly Scope[]): boolean {
  if (principal.kind === 'oauth') return true;
  return principal.scopes.some((s) => accepted.includes(s));
}

export function canSeeBusiness(principal: Principal, businessId: number): boolean {
  return principal.kind === 'api-key' ? principal.businessId === businessId : principal.businessIds.includes(businessId);
}

/** `X-Business-Id` rules: a positive integer, equal to the path's businessId where there is one. */
export function checkBusinessHeader(headers: IncomingHttpHeaders, pathBusinessId: string | undefined): number | null {
  const raw = single(headers['x-business-id']);
  if (raw === undefined) return null;
  const value = raw.trim();
  if (!/^\d+$/.test(value) || BigInt(value) < 1n || BigInt(value) > 2n ** 63n - 1n) {
    throw errors.badRequest(`Incorrect X-Business-Id header value: '${raw}'`);
  }
  if (pathBusinessId !== undefined && pathBusinessId !== value) {
    throw errors.badRequest(`URL businessId ('${pathBusinessId}') does not match businessId in X-Business-Id header ('${value}')`);
  }
  return Number(value);
}
