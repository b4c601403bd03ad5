import { MarketApiError } from './errors.js';
import { type FileSource, toBlob } from './files.js';
import type {
  ApiError,
  CampaignsPage,
  Chat,
  ChatContextRef,
  ChatHistoryPage,
  ChatMessage,
  ChatsFilter,
  ChatsPage,
  CreateChatInput,
  CreateChatResult,
  TokenInfo,
} from './types.js';

export { MarketApiError } from './errors.js';
export type { FileSource } from './files.js';
export type * from './types.js';

/** Market's Partner API, production. */
export const MARKET_API_URL = 'https://api.partner.market.yandex.ru';

export interface RetryOptions {
  /** Most requests for one call, the first included (default 5). */
  maxAttempts?: number;
  /** Most time one call may spend waiting between attempts, in ms (default 120 000). */
  budgetMs?: number;
  /** First backoff after 500/503 (and after a 420 without `X-RateLimit-Resource-Until`), in ms (default 500). */
  baseDelayMs?: number;
  /** Longest single backoff, in ms (default 10 000). */
  maxDelayMs?: number;
  /** Added to the wait until `X-RateLimit-Resource-Until`, for clock skew (default 1000 ms). */
  rateLimitMarginMs?: number;
}

export interface MarketChatClientOptions {
  /** Default {@link MARKET_API_URL}; a ymchat sandbox's `url` in tests. */
  baseUrl?: string;
  /** An Api-Key token (header `Api-Key`). */
  apiKey?: string;
  /** Or an OAuth token (header `Authorization: Bearer …`, or `OAuth oauth_token, oauth_client_id` with `oauthClientId`). */
  oauthToken?: string;
  oauthClientId?: string;
  /** The cabinet the chat methods speak of, unless a call names another. */
  businessId?: number;
  /** `false`: never retry. */
  retry?: RetryOptions | false;
  /** Waits between attempts; inject a sandbox's virtual clock in tests. Must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The current time in epoch ms, compared with `X-RateLimit-Resource-Until` (default Date.now). */
  now?: () => number;
  /** [0, 1) source of the backoff jitter (default Math.random). */
  random?: () => number;
  fetch?: typeof fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

export interface CallOptions {
  /** Overrides the client's businessId for this call. */
  businessId?: number;
  signal?: AbortSignal;
}

export interface PageOptions extends CallOptions {
  pageToken?: string;
  limit?: number;
}

export interface FileOptions extends CallOptions {
  /** The name Market shows; default the path's base name, or `file`. */
  fileName?: string;
  contentType?: string;
}

const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 5,
  budgetMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  rateLimitMarginMs: 1_000,
};

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Request {
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

/**
 * A client of Market's chat methods, getCampaigns and getAuthTokenInfo that works the same against
 * Market and against ymchat. Waits out 420 until the limit window ends and retries 500/503 with
 * jittered backoff, within a budget; never retries other 4xx.
 */
/** Pages from `pageToken` on, each asked for with the token the previous one gave. */
async function* pagesFrom<P extends { paging?: { nextPageToken?: string } }>(
  pageToken: string | undefined,
  fetchPage: (pageToken: string | undefined) => Promise<P>,
): AsyncGenerator<P> {
  do {
    const page = await fetchPage(pageToken);
    yield page;
    pageToken = page.paging?.nextPageToken;
  } while (pageToken);
}

export class MarketChatClient {
  readonly baseUrl: string;
  private readonly retry: Required<RetryOptions>;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly fetchFn: typeof fetch;
  private readonly auth: Record<string, string>;

  constructor(private readonly options: MarketChatClientOptions) {
    if (!options.apiKey && !options.oauthToken) throw new TypeError('MarketChatClient needs apiKey or oauthToken');
    this.baseUrl = (options.baseUrl ?? MARKET_API_URL).replace(/\/+$/, '');
    this.retry = options.retry === false ? { ...DEFAULT_RETRY, maxAttempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? abortableSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.fetchFn = options.fetch ?? ((...args) => fetch(...args));
    this.auth = options.apiKey
      ? { 'Api-Key': options.apiKey }
      : {
          Authorization: options.oauthClientId
            ? `OAuth oauth_token=${options.oauthToken}, oauth_client_id=${options.oauthClientId}`
            : `Bearer ${options.oauthToken}`,
        };
  }

  /** getChat: one chat by id. */
  async getChat(chatId: number, opts: CallOptions = {}): Promise<Chat> {
    const body = await this.call<{ result: Chat }>({
      operation: 'getChat',
      method: 'GET',
      path: `/v2/businesses/${this.business(opts)}/chat`,
      query: { chatId },
      signal: opts.signal,
    });
    return body.result;
  }

  /** getChats: one page of chats, newest first. */
  async getChats(filter: ChatsFilter = {}, opts: PageOptions = {}): Promise<ChatsPage> {
    const body = await this.call<{ result: ChatsPage }>({
      operation: 'getChats',
      method: 'POST',
      path: `/v2/businesses/${this.business(opts)}/chats`,
      query: { pageToken: opts.pageToken, limit: opts.limit },
      json: filter,
      signal: opts.signal,
    });
    return body.result;
  }

  /** Every page of getChats, following `paging.nextPageToken`. */
  async *getChatsPages(filter: ChatsFilter = {}, opts: PageOptions = {}): AsyncGenerator<ChatsPage> {
    yield* pagesFrom(opts.pageToken, (pageToken) => this.getChats(filter, { ...opts, pageToken }));
  }

  /** Every chat matching the filter, page after page. */
  async *allChats(filter: ChatsFilter = {}, opts: PageOptions = {}): AsyncGenerator<Chat> {
    for await (const page of this.getChatsPages(filter, opts)) yield* page.chats;
  }

  /** createChat: the chat of an order or a return (the existing one when there is one). */
  async createChat(context: ChatContextRef | CreateChatInput, opts: CallOptions = {}): Promise<CreateChatResult> {
    const json = 'type' in context && 'id' in context ? { context } : context;
    const body = await this.call<{ result: CreateChatResult }>({
      operation: 'createChat',
      method: 'POST',
      path: `/v2/businesses/${this.business(opts)}/chats/new`,
      json,
      signal: opts.signal,
    });
    return body.result;
  }

  /** sendMessageToChat: the seller writes. */
  async sendMessageToChat(chatId: number, message: string, opts: CallOptions = {}): Promise<void> {
    await this.call({
      operation: 'sendMessageToChat',
      method: 'POST',
      path: `/v2/businesses/${this.business(opts)}/chats/message`,
      query: { chatId },
      json: { message },
      signal: opts.signal,
    });
  }

  /** getChatMessage: one message of a chat. */
  async getChatMessage(chatId: number, messageId: number, opts: CallOptions = {}): Promise<ChatMessage> {
    const body = await this.call<{ result: ChatMessage }>({
      operation: 'getChatMessage',
      method: 'GET',
      path: `/v2/businesses/${this.business(opts)}/chats/message`,
      query: { chatId, messageId },
      signal: opts.signal,
    });
    return body.result;
  }

  /** getChatHistory: one page of messages, oldest first, from `messageIdFrom` on. */
  async getChatHistory(chatId: number, opts: PageOptions & { messageIdFrom?: number } = {}): Promise<ChatHistoryPage> {
    const body = await this.call<{ result: ChatHistoryPage }>({
      operation: 'getChatHistory',
      method: 'POST',
      path: `/v2/businesses/${this.business(opts)}/chats/history`,
      query: { chatId, pageToken: opts.pageToken, limit: opts.limit },
      json: opts.messageIdFrom === undefined ? {} : { messageIdFrom: opts.messageIdFrom },
      signal: opts.signal,
    });
    return body.result;
  }

  /** Every page of a chat's history. */
  async *getChatHistoryPages(chatId: number, opts: PageOptions & { messageIdFrom?: number } = {}): AsyncGenerator<ChatHistoryPage> {
    yield* pagesFrom(opts.pageToken, (pageToken) => this.getChatHistory(chatId, { ...opts, pageToken }));
  }

  /** Every message of a chat, oldest first. */
  async *allMessages(chatId: number, opts: PageOptions & { messageIdFrom?: number } = {}): AsyncGenerator<ChatMessage> {
    for await (const page of this.getChatHistoryPages(chatId, opts)) yield* page.messages;
  }

  /** sendFileToChat: a file from a path, bytes, a Blob or a stream (multipart part `file`). */
  async sendFileToChat(chatId: number, file: FileSource, opts: FileOptions = {}): Promise<void> {
    const { blob, name } = await toBlob(file, opts.fileName, opts.contentType);
    const form = new FormData();
    form.append('file', blob, name);
    await this.call({
      operation: 'sendFileToChat',
      method: 'POST',
      path: `/v2/businesses/${this.business(opts)}/chats/file/send`,
      query: { chatId },
      form,
      signal: opts.signal,
    });
  }

  /** getCampaigns: the stores the credentials see (not wrapped in `result`). */
  async getCampaigns(opts: { pageToken?: string; limit?: number; signal?: AbortSignal } = {}): Promise<CampaignsPage> {
    return this.call<CampaignsPage>({
      operation: 'getCampaigns',
      method: 'GET',
      path: '/v2/campaigns',
      query: { pageToken: opts.pageToken, limit: opts.limit },
      signal: opts.signal,
    });
  }

  /** getAuthTokenInfo: the Api-Key's name and scopes (Api-Key only). */
  async getAuthTokenInfo(opts: { signal?: AbortSignal } = {}): Promise<TokenInfo> {
    const body = await this.call<{ result: TokenInfo }>({ operation: 'getAuthTokenInfo', method: 'POST', path: '/v2/auth/token', signal: opts.signal });
    return body.result;
  }

  private business(opts: CallOptions): number {
    const id = opts.businessId ?? this.options.businessId;
    if (id === undefined) throw new TypeError('businessId is not set: pass it to the client or to the call');
    return id;
  }

  private async call<T = unknown>(req: Request): Promise<T> {
    const url = new URL(this.baseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json', ...this.options.headers, ...this.auth };
    let body: string | FormData | undefined;
    if (req.form) body = req.form;
    else if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      req.signal?.throwIfAborted();
      let res: Response;
      let text: string;
      try {
        res = await this.fetchFn(url, { method: req.method, headers, body, signal: req.signal });
        text = await res.text();
      } catch (e) {
        // The caller's reason, whichever step the abort hit: Node 22's fetch rejects a body read
        // with a generic AbortError, Node 24's with the reason.
        if (req.signal?.aborted) throw req.signal.reason;
        throw e;
      }
      if (res.ok) return (text === '' ? {} : JSON.parse(text)) as T;
      const error = toError(res, text, req.operation, attempt);
      const delay = this.delayBefore(attempt + 1, error);
      if (delay === null || waited + delay > this.retry.budgetMs) throw error;
      await this.sleep(delay, req.signal);
      req.signal?.throwIfAborted();
      waited += delay;
    }
  }

  /** How long to wait before the given attempt, or null when the last error is final. */
  private delayBefore(attempt: number, error: MarketApiError): number | null {
    if (!error.retryable || attempt > this.retry.maxAttempts) return null;
    if (error.status === 420 && error.retryAt) return Math.max(0, error.retryAt.getTime() - this.now()) + this.retry.rateLimitMarginMs;
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 2));
    // "Equal jitter": at least half the backoff, so retries of many clients spread but never bunch at 0.
    return Math.round(cap / 2 + this.random() * (cap / 2));
  }
}

function toError(res: Response, text: string, operation: string, attempts: number): MarketApiError {
  let errors: ApiError[] = [];
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) errors = parsed.errors.filter((e): e is ApiError => typeof e?.code === 'string');
  } catch {
    // not Market's envelope: the status says it all
  }
  const until = res.headers.get('x-ratelimit-resource-until');
  const untilMs = until ? Date.parse(until) : NaN;
  const first = errors[0];
  return new MarketApiError(
    res.status,
    first?.code ?? `HTTP_${res.status}`,
    first?.message ?? `${operation} answered HTTP ${res.status}`,
    errors,
    operation,
    attempts,
    Number.isNaN(untilMs) ? null : new Date(untilMs),
  );
}
