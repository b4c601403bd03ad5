import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors } from '../domain/errors.js';
import { formatError } from './errors.js';

/**
 * Errors raised before any route runs — by Node's HTTP parser or by Fastify's router — answered in
 * Market's envelope like every other error, never with the framework's own bodies.
 */

/** Fastify's router limit for one path segment (`maxParamLength`). */
export const MAX_PARAM_LENGTH = 100;

/** Node's default limit for the request line and headers together. */
export const MAX_HEADER_BYTES = http.maxHeaderSize;

/** Longest piece of a bad URL echoed back in a message. */
const SHOWN = 200;

/** Fastify's `frameworkErrors`: bad percent-encoding (400) and over-long path segments (414). */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  let appError: AppError;
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') appError = new AppError('URI_TOO_LONG', { max: MAX_PARAM_LENGTH });
  else if (err.code === 'FST_ERR_BAD_URL') {
    const path = /^'(.*)' is not a valid url component$/s.exec(err.message)?.[1] ?? '';
    const shown = path.length > SHOWN ? `${path.slice(0, SHOWN)}…` : path;
    appError = errors.badRequest(`Malformed URL: '${shown}' is not valid percent-encoding`);
  } else appError = errors.badRequest('Malformed request');
  const out = formatError(appError);
  reply.code(out.statusCode).send(out.body);
}

/** A method token Node's parser does not know, read back from the refused bytes. */
function unknownMethod(err: Error & { code?: string; rawPacket?: Buffer }): string | null {
  if (err.code !== 'HPE_INVALID_METHOD' || !Buffer.isBuffer(err.rawPacket)) return null;
  // Only a well-formed request line with an unknown verb; anything else is a malformed request.
  const m = /^([A-Z][A-Z0-9_-]{0,31}) [^\s]+ HTTP\/1\.[01]\r\n/.exec(err.rawPacket.subarray(0, 8192).toString('latin1'));
  return m ? m[1] : null;
}

/**
 * Fastify's `clientErrorHandler`: what Node's parser refuses (unknown verbs, headers over 16 KB,
 * broken request lines, timeouts) gets a status and the envelope, then the connection closes.
 */
export function clientErrorHandler(error: Error, socket: Socket): void {
  const err = error as Error & { code?: string; rawPacket?: Buffer };
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let appError: AppError;
  const method = unknownMethod(err);
  if (method !== null) appError = new AppError('METHOD_NOT_ALLOWED', { method });
  else if (err.code === 'HPE_HEADER_OVERFLOW') appError = new AppError('HEADERS_TOO_LARGE', { max: MAX_HEADER_BYTES });
  else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') appError = new AppError('REQUEST_TIMEOUT');
  else appError = errors.badRequest('Malformed HTTP request');
  const out = formatError(appError);
  const body = JSON.stringify(out.body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${out.statusCode} ${http.STATUS_CODES[out.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
