/**
 * The HTTP side of the control API (`/_sandbox`): one request with the admin token, JSON in and
 * out, Market's error envelope turned into one error type. Shared by the typed sandbox control of
 * `ymchat/testing` and by the CLI; it knows nothing of the server's internals.
 */

/** A control API answer other than 2xx, or a server that cannot be reached (`status` null). */
export class ControlApiError extends Error {
  override name = 'ControlApiError';
  constructor(
    message: string,
    readonly status: number | null,
    /** Market-style error code of the envelope (`NOT_FOUND`, `BAD_REQUEST`, …), when there is one. */
    readonly code: string | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined>;

function withQuery(p: string, query: Query): string {
  const given = Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined);
  return given.length ? `${p}?${new URLSearchParams(given.map(([k, v]): [string, string] => [k, String(v)]))}` : p;
}

export class ControlHttp {
  readonly baseUrl: string;

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  get<T = any>(p: string, query: Query = {}): Promise<T> {
    return this.send<T>('GET', withQuery(p, query));
  }

  post<T = any>(p: string, body?: unknown, query: Query = {}): Promise<T> {
    return this.send<T>('POST', withQuery(p, query), body);
  }

  put<T = any>(p: string, body: unknown): Promise<T> {
    return this.send<T>('PUT', p, body);
  }

  delete<T = any>(p: string, query: Query = {}): Promise<T> {
    return this.send<T>('DELETE', withQuery(p, query));
  }

  /** Uploads one file as the multipart part `file`. */
  upload<T = any>(p: string, fileName: string, data: Uint8Array | Blob, query: Query = {}): Promise<T> {
    const form = new FormData();
    form.append('file', data instanceof Blob ? data : new Blob([new Uint8Array(data)]), fileName);
    return this.send<T>('POST', withQuery(p, query), form);
  }

  /** The error a failed call throws; the CLI overrides it to print one line. */
  protected failure(message: string, status: number | null, code: string | null, body: unknown): Error {
    return new ControlApiError(message, status, code, body);
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
      throw this.failure(`cannot reach ${this.baseUrl} (${cause?.code ?? cause?.message ?? (e as Error).message}): is 'ymchat serve' running there?`, null, null, null);
    }
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const first = parsed?.errors?.[0];
      const message = typeof first?.message === 'string' ? first.message : null;
      throw this.failure(
        message ? `${message} (HTTP ${res.status})` : `HTTP ${res.status} from ${method} ${url}`,
        res.status,
        typeof first?.code === 'string' ? first.code : null,
        parsed,
      );
    }
    return parsed as T;
  }
}
