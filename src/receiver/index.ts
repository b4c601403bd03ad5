import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Value } from 'typebox/value';
import { RecentKeys, eventKey } from './dedupe.js';
import {
  type ChatArbitrageFinishedNotification,
  type ChatArbitrageStartedNotification,
  type ChatCreatedNotification,
  type ChatMessageSentNotification,
  NOTIFICATION_SCHEMAS,
  type Notification,
  type NotificationAnswer,
  type NotificationRefusal,
  OTHER_NOTIFICATION_TYPES,
  type PingNotification,
} from './schemas.js';

export * from './schemas.js';

type Handler<N> = (notification: N) => void | Promise<void>;

export interface ReceiverOptions {
  /** `name` and `version` of the answer Market requires (default `ymchat-receiver`, `1.0`). */
  name?: string;
  version?: string;
  onPing?: Handler<PingNotification>;
  onChatCreated?: Handler<ChatCreatedNotification>;
  onMessageSent?: Handler<ChatMessageSentNotification>;
  onArbitrageStarted?: Handler<ChatArbitrageStartedNotification>;
  onArbitrageFinished?: Handler<ChatArbitrageFinishedNotification>;
  /** Every accepted notification (PING and Market's non-chat types too), before its typed handler. */
  onNotification?: Handler<Notification>;
  /** A handler threw (default: printed to stderr). */
  onError?: (error: unknown, notification: Notification) => void;
  /**
   * `immediately` (default): answer at once, then run the handlers, so PING meets its 1 s and no
   * handler can make Market wait. `after-handlers`: answer when the handlers are done, 500 when one
   * throws, so Market delivers the event again.
   */
  answer?: 'immediately' | 'after-handlers';
  /** How many recent events are remembered to drop repeats (default 10 000; 0: keep none). */
  dedupeSize?: number;
  /** The answer's `time` (default the real clock). */
  now?: () => Date;
}

/** What the receiver answers to one request, framework aside. */
export interface ReceiverAnswer {
  status: 200 | 400 | 405 | 500;
  body: NotificationAnswer | NotificationRefusal;
  notification?: Notification;
  /** A repeat of an event already handled: answered 200, handlers not called. */
  duplicate?: boolean;
  /** Settles when the handlers of this notification have run. */
  handled: Promise<void>;
}

export interface ListeningReceiver {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DONE = Promise.resolve();

class MalformedNotification extends Error {}

function refusal(type: NotificationRefusal['error']['type'], message: string): NotificationRefusal {
  return { error: { type, message } };
}

/** The notification in the body, or why it is not one. */
function parseNotification(raw: unknown): Notification {
  let body = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    if (text.trim() === '') throw new MalformedNotification('The body is empty');
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new MalformedNotification(`The body is not JSON: ${(e as Error).message}`);
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MalformedNotification('The body is not a JSON object');
  const type = (body as { notificationType?: unknown }).notificationType;
  if (type === undefined) throw new MalformedNotification("'notificationType' is missing");
  if (typeof type !== 'string') throw new MalformedNotification("'notificationType' must be a string");
  const schema = NOTIFICATION_SCHEMAS[type as keyof typeof NOTIFICATION_SCHEMAS];
  if (!schema) {
    if ((OTHER_NOTIFICATION_TYPES as readonly string[]).includes(type)) return body as Notification;
    throw new MalformedNotification(`Unknown notificationType '${type}'`);
  }
  if (!Value.Check(schema, body)) {
    const first = [...Value.Errors(schema, body)][0];
    const where = first?.instancePath ? `'${first.instancePath.slice(1).replace(/\//g, '.')}'` : 'The body';
    throw new MalformedNotification(`${type}: ${where} ${first?.message ?? 'does not match the schema'}`);
  }
  return body as Notification;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new MalformedNotification(`The body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: { status: number; body: unknown }): void {
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/**
 * A receiver of Market's push notifications: validates each one against the notification API's
 * schemas, answers `{version, name, time}`, refuses malformed ones with 400 WRONG_EVENT_FORMAT,
 * drops repeats of an event (delivery is at least once), and calls the typed handlers.
 */
export class NotificationReceiver {
  private readonly recent: RecentKeys;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: ReceiverOptions = {}) {
    this.recent = new RecentKeys(options.dedupeSize ?? 10_000);
  }

  /** Handles one notification body (raw bytes or text, or already parsed JSON). */
  async receive(body: unknown): Promise<ReceiverAnswer> {
    let notification: Notification;
    try {
      notification = parseNotification(body);
    } catch (e) {
      if (!(e instanceof MalformedNotification)) throw e;
      return { status: 400, body: refusal('WRONG_EVENT_FORMAT', e.message), handled: DONE };
    }
    const key = notification.notificationType === 'PING' ? null : eventKey(notification as unknown as Record<string, unknown>);
    if (key !== null && this.recent.has(key)) return { status: 200, body: this.ok(), notification, duplicate: true, handled: DONE };
    if (key !== null) this.recent.add(key);
    const handled = this.track(this.dispatch(notification));
    if (this.options.answer !== 'after-handlers') {
      handled.catch((e) => this.report(e, notification));
      return { status: 200, body: this.ok(), notification, handled: handled.catch(() => {}) };
    }
    try {
      await handled;
      return { status: 200, body: this.ok(), notification, handled: DONE };
    } catch (e) {
      // Forgotten, so Market's next delivery of this event runs the handlers again.
      if (key !== null) this.recent.delete(key);
      this.report(e, notification);
      return { status: 500, body: refusal('UNKNOWN', 'The notification handler failed'), notification, handled: DONE };
    }
  }

  /** Settles when every handler started so far has run (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** A node:http request handler: `http.createServer(receiver.handler)`. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((e) => {
      if (!res.headersSent) send(res, { status: 500, body: refusal('UNKNOWN', (e as Error).message) });
    });
  };

  /**
   * An Express (or Connect) handler: `app.post('/notification', receiver.express)`. Uses `req.body`
   * when a body parser ran before it, else reads the body itself.
   */
  readonly express = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next?: (err?: unknown) => void): void => {
    this.serve(req, res).catch((e) => (next ? next(e) : this.handler(req, res)));
  };

  /**
   * A Fastify plugin: `app.register(receiver.fastify, { path: '/notification' })`. Reads bodies
   * itself (in its own scope), so a malformed one is refused in Market's words, not Fastify's.
   */
  readonly fastify = async (app: FastifyInstance, opts: { path?: string } = {}): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
    app.post(opts.path ?? '/', async (request, reply) => {
      const answer = await this.receive(request.body ?? '');
      return reply.code(answer.status).send(answer.body);
    });
  };

  /** Listens on its own port (default: a free one on 127.0.0.1); `path` limits where it answers. */
  async listen(opts: { port?: number; host?: string; path?: string } = {}): Promise<ListeningReceiver> {
    const host = opts.host ?? '127.0.0.1';
    const path = opts.path ?? '/';
    const server = http.createServer((req, res) => {
      if (path !== '/' && (req.url ?? '/').split('?')[0] !== path) {
        return send(res, { status: 404, body: refusal('UNKNOWN', `Notifications are received at ${path}`) });
      }
      this.handler(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return {
      url: `http://${shownHost}:${port}${path === '/' ? '' : path}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  private async serve(req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, { status: 405, body: refusal('UNKNOWN', `Notifications come as POST, not ${req.method}`) });
    }
    let body: unknown = req.body;
    if (body === undefined || (req.readable && !req.readableEnded && typeof body === 'object' && body !== null && Object.keys(body).length === 0)) {
      try {
        body = await readBody(req);
      } catch (e) {
        if (!(e instanceof MalformedNotification)) throw e;
        return send(res, { status: 400, body: refusal('WRONG_EVENT_FORMAT', e.message) });
      }
    }
    const answer = await this.receive(body);
    send(res, answer);
  }

  private ok(): NotificationAnswer {
    return {
      version: this.options.version ?? '1.0',
      name: this.options.name ?? 'ymchat-receiver',
      time: (this.options.now?.() ?? new Date()).toISOString(),
    };
  }

  private track(p: Promise<void>): Promise<void> {
    this.running.add(p);
    const forget = () => this.running.delete(p);
    p.then(forget, forget);
    return p;
  }

  private async dispatch(n: Notification): Promise<void> {
    const o = this.options;
    await o.onNotification?.(n);
    switch (n.notificationType) {
      case 'PING':
        return o.onPing?.(n as PingNotification);
      case 'CHAT_CREATED':
        return o.onChatCreated?.(n as ChatCreatedNotification);
      case 'CHAT_MESSAGE_SENT':
        return o.onMessageSent?.(n as ChatMessageSentNotification);
      case 'CHAT_ARBITRAGE_STARTED':
        return o.onArbitrageStarted?.(n as ChatArbitrageStartedNotification);
      case 'CHAT_ARBITRAGE_FINISHED':
        return o.onArbitrageFinished?.(n as ChatArbitrageFinishedNotification);
    }
  }

  private report(error: unknown, notification: Notification): void {
    if (this.options.onError) this.options.onError(error, notification);
    else console.error(`ymchat receiver: the ${notification.notificationType} handler failed:`, error);
  }
}

/** A receiver with these handlers; see {@link NotificationReceiver}. */
export function createReceiver(options: ReceiverOptions = {}): NotificationReceiver {
  return new NotificationReceiver(options);
}
