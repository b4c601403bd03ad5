import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { envelope } from './errors.js';

/** The console lives at the repository root (`console/`), beside both `src/` and `dist/`. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console');

/**
 * No inline script or style anywhere: scripts and styles come from these files only, the page
 * talks to its own origin only, and nobody may frame it.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Only these names are ever read: no path from a request reaches the file system. */
const ASSET = /^(console\.css|js\/[a-z][a-z-]*\.js)$/;

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', CONSOLE_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('X-Frame-Options', 'DENY')
    .header('Referrer-Policy', 'no-referrer')
    .header('Cache-Control', 'no-store');
}

/** `/console`: a static page and its modules, playing the buyer, the arbiter and Market over the control API. */
export function registerConsole(app: FastifyInstance): void {
  const cache = new Map<string, string>();
  const read = (name: string) => {
    let text = cache.get(name);
    if (text === undefined) {
      text = fs.readFileSync(path.join(ROOT, name), 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  const page = async (_req: unknown, reply: FastifyReply) => secure(reply).type(TYPES['.html']).send(read('index.html'));
  app.get('/console', { schema: { hide: true } as object }, page);
  app.get('/console/', { schema: { hide: true } as object }, page);
  app.get('/console/*', { schema: { hide: true } as object }, async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    if (!ASSET.test(name) || !fs.existsSync(path.join(ROOT, name))) {
      const out = envelope('RESOURCE_NOT_FOUND');
      return reply.code(out.statusCode).send(out.body);
    }
    return secure(reply).type(TYPES[path.extname(name)]).send(read(name));
  });
}
