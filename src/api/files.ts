import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest, preParsingHookHandler } from 'fastify';
import multipart from '@fastify/multipart';
import { MAX_FILE_BYTES, type NewFile } from '../domain/chat-actions.js';
import { AppError, errors } from '../domain/errors.js';
import { getFile } from '../domain/messages.js';
import type { Services } from '../services.js';
import { envelope } from './errors.js';

/**
 * Chat files over HTTP: how uploads arrive (multipart/form-data), and the public links stored
 * files are served back from (`payload[].url` of a message).
 */

const MULTIPART = 'multipart/form-data';

/** The media type of a Content-Type header, without parameters, lower-cased. */
function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** Per-file size is checked by the upload's reader, which counts the whole file to report its size. */
const MULTIPART_LIMITS = { fileSize: Infinity, files: 5, fields: 20, fieldSize: 64 * 1024, parts: 25, headerPairs: 100 };

/**
 * Routes that read uploads, in a context of their own with @fastify/multipart: the plugin hooks
 * every request of the context it is in (an async onRequest that adds a listener, an async
 * onResponse that cleans temporary files, which `readFilePart` never makes), which cost every
 * other call about 8 % of a getChat's instructions. Call it after the app's own hooks are added:
 * a context takes its parent's hooks as they are when it loads.
 */
export function uploadRoutes(app: FastifyInstance, routes: (scope: FastifyInstance) => void): void {
  void app.register(async (scope) => {
    // The pass-through parser below is the parent's; the plugin brings its own.
    scope.removeContentTypeParser(MULTIPART);
    // No total cap: the 5 MB rule is per file and needs the real size; parts stay few and small.
    await scope.register(multipart, { limits: MULTIPART_LIMITS });
    routes(scope);
  });
}

/**
 * Keeps each route to its own body types, as Spring's `consumes` does: a multipart route answers
 * 415 to anything else before reading it, and a JSON route answers 415 to multipart. Elsewhere a
 * multipart body is taken unread, as the plugin's own parser takes it (a method without a body
 * ignores it).
 */
export function registerUploads(app: FastifyInstance): void {
  app.addContentTypeParser(MULTIPART, (_req, _payload, done) => done(null, undefined));
  // Decided per route when it is added, not per request: only routes that take a body get the check.
  app.addHook('onRoute', (route) => {
    const multipartOnly = (route.schema as { consumes?: string[] } | undefined)?.consumes?.includes(MULTIPART) ?? false;
    const takesJson = route.schema?.body !== undefined;
    if (!multipartOnly && !takesJson) return;
    const check: preParsingHookHandler = (req, _reply, payload, done) => {
      const contentType = req.headers['content-type'];
      const media = mediaTypeOf(contentType);
      const refused = multipartOnly ? media !== MULTIPART : media.startsWith('multipart/');
      if (refused) done(new AppError('UNSUPPORTED_MEDIA_TYPE', { contentType: contentType ?? '' }));
      else done(null, payload);
    };
    const own = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
    route.preParsing = [check, ...own];
  });
}

const TOKEN = /^[0-9a-z!#$&^_.+-]+\/[0-9a-z!#$&^_.+-]+$/;

const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  heic: 'image/heic',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
};

/** Declared types that say nothing: multipart's default for a part without Content-Type, and "bytes". */
const VAGUE = new Set(['', 'text/plain', 'application/octet-stream']);

/**
 * The type a stored file is served with: what the uploader declared, unless that is vague and the
 * extension tells more; `application/octet-stream` when neither says anything usable.
 */
export function contentTypeFor(name: string, declared: string | undefined): string {
  const type = mediaTypeOf(declared);
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  const guessed = ext ? BY_EXTENSION[ext] : undefined;
  if (VAGUE.has(type) && guessed) return guessed;
  return TOKEN.test(type) ? type : 'application/octet-stream';
}

/** Longest stored name in UTF-8 bytes (a file system's usual limit); keeps payload URLs under 2,000 characters. */
export const MAX_NAME_BYTES = 255;

/**
 * The name a file is stored under: the uploader's base name without control characters, cut to
 * 255 UTF-8 bytes keeping the extension; `file` when nothing is left.
 */
export function storedFileName(raw: string | undefined): string {
  const clean = (raw ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (clean === '' || clean === '.' || clean === '..') return 'file';
  if (Buffer.byteLength(clean, 'utf8') <= MAX_NAME_BYTES) return clean;
  const ext = /\.[A-Za-z0-9]{1,16}$/.exec(clean)?.[0] ?? '';
  let base = clean.slice(0, clean.length - ext.length);
  const room = MAX_NAME_BYTES - Buffer.byteLength(ext, 'utf8');
  // Cut by code points so no character is split.
  const chars = Array.from(base);
  let bytes = 0;
  let keep = 0;
  for (const ch of chars) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > room) break;
    bytes += n;
    keep++;
  }
  base = chars.slice(0, keep).join('');
  return base + ext;
}

/** The multipart part the file comes in. */
const FILE_PART = 'file';

/** The whole stream's size; its bytes only while they stay within `max`. */
async function readCounting(stream: Readable, max: number): Promise<{ size: number; data: Buffer | null }> {
  let chunks: Buffer[] | null = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (chunks && size <= max) chunks.push(chunk);
    else chunks = null;
  }
  return { size, data: chunks ? Buffer.concat(chunks) : null };
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream as AsyncIterable<Buffer>) {
    // discard: the request must be read to its end before answering
  }
}

function multipartError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return errors.badRequest('Too many parts in the multipart request');
  }
  return errors.badRequest(`Failed to parse multipart request: ${(e as Error).message}`);
}

/**
 * The one file part named `file`, read to its end (an oversize file is counted, not kept, so
 * the 400 can name its size). Other parts are read and ignored, as Spring's `@RequestPart` does;
 * a second `file` part is 400.
 */
export async function readFilePart(req: FastifyRequest): Promise<NewFile> {
  let found: NewFile | null = null;
  let oversize: number | null = null;
  let fileParts = 0;
  try {
    for await (const part of req.parts()) {
      if (part.type !== 'file') continue;
      if (part.fieldname === FILE_PART) fileParts++;
      if (part.fieldname !== FILE_PART || found || oversize !== null) {
        await drain(part.file);
        continue;
      }
      const { size, data } = await readCounting(part.file, MAX_FILE_BYTES);
      if (data === null) {
        oversize = size;
        continue;
      }
      const name = storedFileName(part.filename);
      found = { name, contentType: contentTypeFor(name, part.mimetype), data };
      // The request inspector shows uploads by name and size only.
      req.ymUpload = { file: { name, size, contentType: found.contentType } };
    }
  } catch (e) {
    throw multipartError(e);
  }
  if (oversize !== null) req.ymUpload = { file: { size: oversize } };
  // One message carries one file: a second part would otherwise be dropped without a word.
  if (fileParts > 1) throw errors.badRequest(`Request part '${FILE_PART}' is given ${fileParts} times; send one file per request`);
  if (oversize !== null) throw errors.fileTooLarge(oversize, MAX_FILE_BYTES);
  if (!found) throw errors.badRequest(`Required request part '${FILE_PART}' is not present`);
  if (found.data.byteLength === 0) throw errors.badRequest(`File '${found.name}' is empty`);
  return found;
}

/** Types a browser may show in place; anything else downloads, so an upload never runs as a page of ymchat. */
const INLINE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'text/plain', 'text/csv']);

function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * `GET /files/{fileId}/{token}/{name}`: public like Market's download links; the random token makes
 * the URL unguessable, and the name segment is only there for people and browsers.
 */
export function registerFileDownloads(app: FastifyInstance, services: Services): void {
  // A wildcard rather than `:name`: encoded names run past the router's parameter length limit.
  app.get('/files/:fileId/:token/*', { schema: { hide: true } as any }, async (req, reply) => {
    const { fileId, token } = req.params as { fileId: string; token: string };
    const file = /^\d{1,16}$/.test(fileId) ? await getFile(services.storage.db, Number(fileId), token) : undefined;
    if (!file) {
      const out = envelope('RESOURCE_NOT_FOUND');
      return reply.code(out.statusCode).send(out.body);
    }
    const type = file.content_type;
    // Uploads carry no charset; text in chats is UTF-8 in practice.
    return reply
      .header('Content-Type', type.startsWith('text/') ? `${type}; charset=utf-8` : type)
      .header('Content-Disposition', contentDisposition(INLINE.has(type) ? 'inline' : 'attachment', file.name))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .header('Cache-Control', 'private, max-age=86400, immutable')
      .send(Buffer.from(file.data));
  });
}
