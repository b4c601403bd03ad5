import { errors } from '../domain/errors.js';

/**
 * Page tokens: base64 of `{"nextId":N}`, the shape of Market's documented example token
 * (`eyBuZXh0SWQ6IDIzNDIgfQ==`, i.e. `{ nextId: 2342 }`). N is the inclusive id bound where the next
 * page starts; which side of it the page lies on is the method's own ordering.
 */
export function encodePageToken(nextId: number): string {
  return Buffer.from(JSON.stringify({ nextId }), 'utf8').toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// Our own JSON, and the unquoted form of Market's doc example.
const CURSOR = /^\s*\{\s*(?:"nextId"|nextId)\s*:\s*(\d{1,16})\s*\}\s*$/;

/** The `nextId` a token carries, or 400 "Bad page token" for anything else. */
export function decodePageToken(token: string): number {
  if (!BASE64.test(token) && !BASE64URL.test(token)) throw errors.badPageToken();
  const text = Buffer.from(token, BASE64.test(token) ? 'base64' : 'base64url').toString('utf8');
  const m = CURSOR.exec(text);
  const nextId = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(nextId) || nextId < 1) throw errors.badPageToken();
  return nextId;
}
