import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../domain/errors.js';
import type { Change } from '../../live/feed.js';
import type { Services } from '../../services.js';
import { clockView } from './clock.js';
import { controlRoute } from './kit.js';

const TICKET_TTL_MS = 60_000;
const HEARTBEAT_MS = 15_000;

/**
 * One-use tickets for the live stream. A browser's EventSource cannot send the admin token in a
 * header, and a token in a URL ends up in logs and history; a ticket in the URL is harmless once
 * used or a minute old. Tickets live in this process: the stream is opened where it was asked for.
 */
export class LiveTickets {
  private readonly tickets = new Map<string, number>();

  issue(nowMs = Date.now()): { ticket: string; expiresAt: number } {
    for (const [t, until] of this.tickets) if (until <= nowMs) this.tickets.delete(t);
    const ticket = crypto.randomBytes(24).toString('base64url');
    const expiresAt = nowMs + TICKET_TTL_MS;
    this.tickets.set(ticket, expiresAt);
    return { ticket, expiresAt };
  }

  redeem(ticket: string, nowMs = Date.now()): boolean {
    const until = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    return until !== undefined && until > nowMs;
  }
}

/** `POST /live/tickets` inside the guarded control API: a ticket for one stream. */
export function registerLiveTicketRoute(app: FastifyInstance, tickets: LiveTickets): void {
  controlRoute(app, { method: 'POST', url: '/live/tickets', created: true }, async () => {
    const { ticket, expiresAt } = tickets.issue();
    return { ticket, expiresAt: new Date(expiresAt).toISOString(), url: `/_sandbox/live?ticket=${ticket}` };
  });
}

/**
 * `GET /live`: server-sent events. `event: change` carries `{kinds, chatIds, businessIds, clock}`
 * whenever chats, messages, deliveries, the request journal, keys, subscriptions, the clock or
 * faults change, from whichever face or instance; `event: hello` opens the stream with the clock,
 * once every later change will be told.
 * Opened with `?ticket=` (browsers) or the usual admin token header (curl, scripts); checked here
 * because this route lives outside the header-only guard.
 */
export function registerLiveStream(
  app: FastifyInstance,
  services: Services,
  tickets: LiveTickets,
  tokenAccepted: (headers: Record<string, string | string[] | undefined>) => boolean | null,
): void {
  const open = new Set<import('node:http').ServerResponse>();
  // A stream never ends by itself: closing the app ends them, or the server would wait forever.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    services.live.close();
  });
  app.get('/live', { schema: { hide: true } as object }, async (req, reply) => {
    const ticket = (req.query as Record<string, unknown>).ticket;
    if (typeof ticket === 'string') {
      if (!tickets.redeem(ticket)) throw errors.forbidden('Live ticket is invalid or expired (POST /_sandbox/live/tickets)');
    } else {
      const ok = tokenAccepted(req.headers);
      if (ok === null) throw errors.unauthorized('Admin token is not specified (X-Admin-Token header or ?ticket=)');
      if (!ok) throw errors.forbidden('Admin token is invalid');
    }
    reply.hijack();
    const res = reply.raw;
    open.add(res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write('retry: 2000\n\n');
    const unsubscribe = services.live.subscribe((change: Change) => send('change', { ...change, clock: clockView(services.clock) }));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref?.();
    const end = () => {
      open.delete(res);
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.raw.on('close', end);
    res.on('close', end);
    // `hello` once the feed knows where things stand: any change after it will be told.
    await services.live.settled();
    if (!res.writableEnded) send('hello', { clock: clockView(services.clock) });
  });
}
