import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, errors } from '../domain/errors.js';
import { decodeUtf8, parseJsonText } from './json-body.js';
import { messages } from './validation.js';

export const MAX_BODY_BYTES = 512 * 1024;

function parseJson(buf: Buffer): unknown {
  // A leading byte-order mark is allowed, as Jackson allows it.
  const text = decodeUtf8(buf);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim().length === 0) throw errors.badRequest(messages.bodyMissing());
  return parseJsonText(body);
}

/** An empty body on a method that takes none (getAuthTokenInfo) is no body, whatever its Content-Type says. */
function noBodyExpected(req: FastifyRequest, body: Buffer): boolean {
  return req.routeOptions.schema?.body === undefined && body.toString('latin1').trim().length === 0;
}

/**
 * JSON with Market's messages; a body without Content-Type is sniffed as JSON (Market "tries to
 * detect" it); any other declared type is 415.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (req, body, done) => {
    if (noBodyExpected(req, body as Buffer)) {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJson(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (req: FastifyRequest, body, done) => {
    if (noBodyExpected(req, body as Buffer)) {
      done(null, undefined);
      return;
    }
    const declared = req.headers['content-type'];
    if (declared !== undefined && declared.trim() !== '') {
      done(new AppError('UNSUPPORTED_MEDIA_TYPE', { contentType: declared }), undefined);
      return;
    }
    try {
      done(null, parseJson(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
