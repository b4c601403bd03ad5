import fs from 'node:fs';
import path from 'node:path';
import { ControlHttp, type Query } from '../testing/control-http.js';

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

/**
 * The control API client of the CLI: every call names the type of its answer (an unnamed one is
 * `unknown`, not `any`); its failures are one-line `CliError`s.
 */
export class ControlClient extends ControlHttp {
  static from(opts: ClientOptions): ControlClient {
    return new ControlClient(opts.url ?? DEFAULT_URL, resolveToken(opts));
  }

  override get<T = unknown>(p: string, query?: Query): Promise<T> {
    return super.get<T>(p, query);
  }

  override post<T = unknown>(p: string, body?: unknown, query?: Query): Promise<T> {
    return super.post<T>(p, body, query);
  }

  override put<T = unknown>(p: string, body: unknown): Promise<T> {
    return super.put<T>(p, body);
  }

  override delete<T = unknown>(p: string, query?: Query): Promise<T> {
    return super.delete<T>(p, query);
  }

  override upload<T = unknown>(p: string, fileName: string, data: Uint8Array | Blob, query?: Query): Promise<T> {
    return super.upload<T>(p, fileName, data, query);
  }

  protected override failure(message: string): Error {
    return new CliError(message);
  }
}
