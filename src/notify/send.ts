import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { partnerError, successBodyProblem } from './response.js';

/** Market's response timeouts: 10 s for notifications, 1 s for the PING sent on enabling. */
export const NOTIFICATION_TIMEOUT_MS = 10_000;
export const PING_TIMEOUT_MS = 1_000;

/** A partner's answer larger than this is not read to the end. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Error types of Market's delivery log. */
export type ErrorType = 'CANT_GET_RESPONSE' | 'INVALID_RESPONSE' | (string & {});
export type ErrorSubtype =
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_TIMED_OUT'
  | 'READ_TIMED_OUT'
  | 'SSL_ERROR'
  | 'HTTP'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'CANT_PARSE_RESPONSE'
  | 'INVALID_DATA';

/** One POST to the partner and how it ended. */
export interface AttemptResult {
  /** The sandbox clock's mode when the attempt started, for the delivery log. */
  clock?: 'real' | 'virtual';
  /** ACCEPTED: 200 with a valid body; REJECTED: 400 with a valid error body; ERROR: anything else. */
  kind: 'ACCEPTED' | 'REJECTED' | 'ERROR';
  httpStatus: number | null;
  errorType: ErrorType | null;
  errorSubtype: ErrorSubtype | null;
  message: string | null;
  latencyMs: number;
  /** The sender was stopped mid-way (shutdown): nothing may be concluded. */
  aborted?: boolean;
}

/** What an answer or a transport failure says, before its latency is known. */
type Classified = Omit<AttemptResult, 'latencyMs'>;

const error = (errorType: ErrorType, errorSubtype: ErrorSubtype | null, message: string, httpStatus: number | null = null): Classified => ({
  kind: 'ERROR',
  httpStatus,
  errorType,
  errorSubtype,
  message,
});

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_)/;
/** OpenSSL reports a failed handshake (e.g. https:// to a plain-http port) as EPROTO. */
const isTlsFailure = (code: string, message: string) => TLS_CODES.test(code) || (code === 'EPROTO' && /SSL|TLS/.test(message));

/** A socket-level failure in Market's words. */
function transportFailure(e: NodeJS.ErrnoException, connected: boolean): Classified {
  const code = e.code ?? '';
  const text = code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  if (isTlsFailure(code, e.message)) return error('CANT_GET_RESPONSE', 'SSL_ERROR', text);
  if (!connected) {
    if (code === 'ETIMEDOUT') return error('CANT_GET_RESPONSE', 'CONNECTION_TIMED_OUT', text);
    // Refused, unknown host, unreachable network: the connection was never made.
    return error('CANT_GET_RESPONSE', 'CONNECTION_REFUSED', text);
  }
  // Connected, then the partner closed or reset the connection before a whole answer came.
  return error('CANT_GET_RESPONSE', null, text);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

function snippet(body: Buffer): string {
  const text = body.toString('utf8', 0, Math.min(body.length, 200)).replace(/\s+/g, ' ').trim();
  return text === '' ? '' : `: ${text}`;
}

/** Market's reading of a complete HTTP answer. */
export function classifyAnswer(status: number, contentType: string | undefined, body: Buffer): Classified {
  const json = mediaType(contentType) === 'application/json';
  if (status === 400 && json) {
    try {
      const refusal = partnerError(JSON.parse(body.toString('utf8')));
      if (refusal) return { kind: 'REJECTED', httpStatus: 400, errorType: refusal.type, errorSubtype: null, message: refusal.message };
    } catch {
      // not an error body: treated as any other non-200 answer below
    }
  }
  if (status !== 200) return error('CANT_GET_RESPONSE', 'HTTP', `HTTP ${status}${snippet(body)}`, status);
  if (!json) {
    return error('CANT_GET_RESPONSE', 'UNSUPPORTED_MEDIA_TYPE', `Content-Type '${contentType ?? ''}' is not application/json`, status);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return error('INVALID_RESPONSE', 'CANT_PARSE_RESPONSE', `The answer is not JSON: ${(e as Error).message}`, status);
  }
  const problem = successBodyProblem(parsed);
  if (problem) return error('INVALID_RESPONSE', 'INVALID_DATA', problem, status);
  return { kind: 'ACCEPTED', httpStatus: 200, errorType: null, errorSubtype: null, message: null };
}

/** Connections kept open to partners between notifications, one pool per scheme. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Keep-alive pools for a sender. Idle connections close after 4 s, before the 5 s a Node.js
 * server (the usual partner receiver) keeps them, so a reused connection is rarely one the
 * partner is closing; when it is, the POST is made again on a new connection (below).
 */
export function keepAliveAgents(): Agents {
  const opts = { keepAlive: true, timeout: 4_000 };
  return { http: new http.Agent(opts), https: new https.Agent(opts) };
}

/**
 * POSTs a notification body to the partner's URL, as Market does: JSON, no redirects followed,
 * the whole answer within `timeoutMs`. Reuses connections from `agents` when given, else opens
 * one for this POST. Never throws.
 */
export function sendNotification(url: string, body: string, timeoutMs: number, signal?: AbortSignal, agents?: Agents): Promise<AttemptResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ ...error('CANT_GET_RESPONSE', 'CONNECTION_REFUSED', `Invalid URL '${url}'`), latencyMs: 0 });
      return;
    }
    const secure = target.protocol === 'https:';
    const client = secure ? https : http;
    let connected = false;
    let settled = false;
    let req: http.ClientRequest;
    const finish = (outcome: Classified, complete = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // A fully read answer leaves its connection to the pool; anything else ends it.
      if (!complete) req.destroy();
      resolve({ ...outcome, latencyMs: Math.round(performance.now() - started) });
    };
    const onAbort = () => finish({ ...error('CANT_GET_RESPONSE', null, 'stopped'), aborted: true });
    const post = (agent: http.Agent | false) => {
      connected = false;
      req = client.request(target, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
          'user-agent': 'ymchat-notifications',
        },
      });
      const sent = req;
      let answered = false;
      sent.on('socket', (socket) => {
        const event = secure ? 'secureConnect' : 'connect';
        if ((socket as { connecting?: boolean }).connecting === false) connected = true;
        else socket.once(event, () => (connected = true));
      });
      sent.on('error', (e: NodeJS.ErrnoException) => {
        if (settled || sent !== req) return;
        // The partner closed an idle kept-alive connection as this POST went out on it: not the
        // partner's failure, so the POST is made once more on a fresh connection.
        if (sent.reusedSocket && !answered && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return post(false);
        finish(transportFailure(e, connected));
      });
      sent.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            finish(error('INVALID_RESPONSE', 'CANT_PARSE_RESPONSE', `The answer is larger than ${MAX_ANSWER_BYTES} bytes`, res.statusCode ?? null));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(classifyAnswer(res.statusCode ?? 0, res.headers['content-type'], Buffer.concat(chunks)), true));
        res.on('error', (e) => finish(transportFailure(e, true)));
      });
      sent.end(body);
    };
    const timer = setTimeout(() => {
      finish(
        connected
          ? error('CANT_GET_RESPONSE', 'READ_TIMED_OUT', `No answer within ${timeoutMs} ms`)
          : error('CANT_GET_RESPONSE', 'CONNECTION_TIMED_OUT', `Could not connect within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    post(agents ? (secure ? agents.https : agents.http) : false);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
  });
}
