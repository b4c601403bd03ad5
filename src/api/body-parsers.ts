import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, errors } from '../domain/errors.js';
import { messages } from './validation.js';

export const MAX_BODY_BYTES = 512 * 1024;

function parseJson(body: string): unknown {
  if (body.trim().length === 0) throw errors.badRequest(messages.bodyMissing());
  try {
    return JSON.parse(body, (key, value) => {
      // Prototype pollution guard, as secure-json-parse does for Fastify's own parser.
      if (key === '__proto__') return undefined;
      return value;
    });
  } catch (e) {
    throw errors.badRequest(`JSON: ${(e as Error).message}`);
  }
}

/** An empty body on a method that takes none (getAuthTokenInfo) is no body, whatever its Content-Type says. */
function noBodyExpected(req: FastifyRequest, body: string): boolean {
  return body.trim().length === 0 && req.routeOptions.schema?.body === undefined;
}

/**
 * JSON with Market's messages; a body without Content-Type is sniffed as JSON (Market "tries to
 * detect" it); any other declared type is 415.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (req, body, done) => {
    if (noBodyExpected(req, body as string)) {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJson(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (req: FastifyRequest, body, done) => {
    if (noBodyExpected(req, body as string)) {
      done(null, undefined);
      return;
    }
    const declared = req.headers['content-type'];
    if (declared !== undefined && declared.trim() !== '') {
      done(new AppError('UNSUPPORTED_MEDIA_TYPE', { contentType: declared }), undefined);
      return;
    }
    try {
      done(null, parseJson(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
