import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The console page lives at the repository root (`console/`), beside both `src/` and `dist/`. */
const PAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/index.html');

/** `/console`: one static page that plays the buyer, the arbiter and Market over the control API. */
export function registerConsole(app: FastifyInstance): void {
  let html: string | null = null;
  const serve = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    html ??= fs.readFileSync(PAGE, 'utf8');
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header('Content-Security-Policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:")
      .send(html);
  };
  app.get('/console', { schema: { hide: true } as object }, serve);
  app.get('/console/', { schema: { hide: true } as object }, serve);
}
