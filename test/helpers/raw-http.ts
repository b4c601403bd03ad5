import net from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Listens on a free loopback port and answers the base URL's port. */
export async function listenLoopback(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return addr.port;
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', i);
    if (eol === -1) break;
    const size = parseInt(body.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/**
 * Sends bytes as they are — any verb, any header size, any path — on a fresh connection and reads
 * the one answer until the server closes it. Node's HTTP client would refuse to send most of these.
 */
export function rawRequest(port: number, request: Buffer | string, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer in time'));
    }, timeoutMs);
    // Written, not ended: like a real client, the socket stays open until the server answers and
    // closes it (every request here says `Connection: close`, or is one the server refuses).
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => chunks.push(d));
    // A server that answers before reading everything may reset the connection: what arrived counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split === -1) return reject(new Error(`no HTTP answer: ${JSON.stringify(all.toString('latin1').slice(0, 200))}`));
      const [statusLine, ...lines] = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const c = l.indexOf(':');
        headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
      }
      let body: Buffer = all.subarray(split + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status, headers, body });
    });
  });
}

/** Whether a body is Market's error envelope: `{status: "ERROR", errors: [{code, message}, …]}` and nothing else. */
export function isEnvelope(body: Buffer): boolean {
  let v: any;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  if (v === null || typeof v !== 'object' || Object.keys(v).sort().join() !== 'errors,status' || v.status !== 'ERROR') return false;
  if (!Array.isArray(v.errors) || v.errors.length === 0) return false;
  return v.errors.every(
    (e: any) => e && typeof e.code === 'string' && typeof e.message === 'string' && Object.keys(e).sort().join() === 'code,message',
  );
}
