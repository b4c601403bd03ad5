import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver does with one request. */
export interface Answer {
  status?: number;
  contentType?: string | null;
  /** Sent as is when a string, else JSON-encoded. */
  body?: unknown;
  delayMs?: number;
  /** Drop the connection without answering. */
  destroy?: boolean;
}

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  at: number;
}

export type Responder = (req: Received, index: number) => Answer;

/** A proper partner answer (SendNotificationResponse). */
export const accept = (): Answer => ({ status: 200, body: { version: '1.0.0', name: 'test-shop', time: new Date().toISOString() } });

export interface Receiver {
  url: string;
  received: Received[];
  /** Notifications only (PING left out). */
  notifications(path?: string): any[];
  respond: Responder;
  close(): Promise<void>;
}

/** A seller's server on 127.0.0.1: records every POST and answers as `respond` says. */
export async function startReceiver(respond: Responder = accept): Promise<Receiver> {
  const state: Receiver = {
    url: '',
    received: [],
    respond,
    notifications: (path?: string) =>
      state.received.filter((r) => r.body?.notificationType !== 'PING' && (path === undefined || r.path === path)).map((r) => r.body),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const entry: Received = { path: req.url ?? '/', headers: req.headers, raw, body, at: Date.now() };
      const index = state.received.length;
      state.received.push(entry);
      const answer = state.respond(entry, index);
      const send = () => {
        if (answer.destroy) return req.socket.destroy();
        const payload = typeof answer.body === 'string' ? answer.body : answer.body === undefined ? '' : JSON.stringify(answer.body);
        const headers: Record<string, string> = {};
        if (answer.contentType !== null) headers['content-type'] = answer.contentType ?? 'application/json';
        res.writeHead(answer.status ?? 200, headers);
        res.end(payload);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A loopback port nobody listens on. */
export async function closedPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
