import fs from 'node:fs';
import path from 'node:path';

/** A failure the CLI reports as one line, `ymchat: <message>`, and exits non-zero. */
export class CliError extends Error {}

export interface ClientOptions {
  url?: string;
  adminToken?: string;
  dataDir?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/**
 * The control API's token: the flag or YMCHAT_ADMIN_TOKEN, else the file the server keeps in its
 * data folder (so on the same machine no flag is needed).
 */
export function resolveToken(opts: ClientOptions): string {
  if (opts.adminToken) return opts.adminToken;
  const file = path.join(path.resolve(opts.dataDir ?? './data'), 'admin-token');
  try {
    const token = fs.readFileSync(file, 'utf8').trim();
    if (token) return token;
  } catch {
    // reported below
  }
  throw new CliError(`no admin token: pass --admin-token or set YMCHAT_ADMIN_TOKEN (the server keeps it in ${file})`);
}

type Query = Record<string, string | number | undefined>;

function withQuery(p: string, query: Query): string {
  const given = Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined);
  return given.length ? `${p}?${new URLSearchParams(given.map(([k, v]): [string, string] => [k, String(v)]))}` : p;
}

/** A small HTTP client of the control API (`/_sandbox`). */
export class ControlClient {
  readonly baseUrl: string;

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  static from(opts: ClientOptions): ControlClient {
    return new ControlClient(opts.url ?? DEFAULT_URL, resolveToken(opts));
  }

  get<T = any>(p: string, query: Query = {}): Promise<T> {
    return this.send<T>('GET', withQuery(p, query));
  }

  post<T = any>(p: string, body?: unknown): Promise<T> {
    return this.send<T>('POST', p, body);
  }

  put<T = any>(p: string, body: unknown): Promise<T> {
    return this.send<T>('PUT', p, body);
  }

  delete<T = any>(p: string, query: Query = {}): Promise<T> {
    return this.send<T>('DELETE', withQuery(p, query));
  }

  /** Uploads one file as the multipart part `file`. */
  upload<T = any>(p: string, fileName: string, data: Buffer): Promise<T> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(data)]), fileName);
    return this.send<T>('POST', p, form);
  }

  private async send<T>(method: string, p: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}/_sandbox${p}`;
    const headers: Record<string, string> = { 'X-Admin-Token': this.token };
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: payload });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.baseUrl} (${cause?.code ?? cause?.message ?? (e as Error).message}): is 'ymchat serve' running there?`);
    }
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const message = parsed?.errors?.[0]?.message;
      throw new CliError(message ? `${message} (HTTP ${res.status})` : `HTTP ${res.status} from ${method} ${url}`);
    }
    return parsed as T;
  }
}
