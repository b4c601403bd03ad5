import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The console lives at the repository root (`console/`), beside both `src/` and `dist/`. */
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console');

/**
 * Scripts and styles only from ymchat itself (no inline script can run, so an injected string
 * cannot either), no framing (the page holds the admin token), nothing posted anywhere else.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const FILES: Record<string, { file: string; type: string }> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** `/console`: one static page that plays the buyer, the arbiter and Market over the control API. */
export function registerConsole(app: FastifyInstance): void {
  const cache = new Map<string, string>();
  for (const [url, { file, type }] of Object.entries(FILES)) {
    app.get(url, { schema: { hide: true } as object }, async (_req, reply: FastifyReply) => {
      let body = cache.get(file);
      if (body === undefined) {
        body = fs.readFileSync(path.join(DIR, file), 'utf8');
        cache.set(file, body);
      }
      return reply
        .type(type)
        .header('Cache-Control', 'no-store')
        .header('Content-Security-Policy', CONSOLE_CSP)
        .header('X-Frame-Options', 'DENY')
        .header('X-Content-Type-Options', 'nosniff')
        .header('Referrer-Policy', 'no-referrer')
        .send(body);
    });
  }
}
