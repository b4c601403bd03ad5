import type { ApiKeyInfo, ClockView, DeliveryAttempt, Fault, FaultKind, FlushResult, Quotas, Subscription } from '../api/control/answers.js';
import type { Chat, ChatMessage, ChatStatus } from '../client/types.js';
import type { ControlSender } from '../domain/model.js';
import { ControlHttp } from './control-http.js';

/**
 * A typed client of ymchat's control API (`/_sandbox`): the buyer's, Market's and the arbiter's
 * side of chats, the clock, injected faults, quotas, credentials, notification subscriptions and
 * the sandbox's state. Every call is one HTTP request; answers are the control API's JSON.
 */

export type { ApiKeyInfo, ClockView, DeliveryAttempt, Fault, FaultKind, FlushResult, Quotas, Subscription };

/** A chat as the control API shows it: the partner view plus its business and DIRECT subject. */
export type SandboxChat = Chat & { businessId: number; subject: string | null };
export interface ChatWithMessage {
  chat: SandboxChat;
  messageId: number | null;
}
export interface ContextChat extends ChatWithMessage {
  /** False when the buyer found the chat already open. */
  created: boolean;
}
export interface FaultInput {
  businessId?: number;
  /** An operationId such as `getChat`, or `*` (default) for every method. */
  method?: string;
  kind: FaultKind | 420 | 500 | 503;
  /** The next N calls (default 1)… */
  count?: number;
  /** …or this share of calls until removed. */
  probability?: number;
  delayMs?: number;
}
/** A state file, as `ymchat export` writes it. */
export type StateFile = { version: number; [section: string]: unknown };
export type Sender = ControlSender;

/** A file for the buyer's side: bytes or a Blob, and the name to show. */
export interface UploadFile {
  name: string;
  data: Uint8Array | Blob;
}

export class SandboxControl {
  readonly http: ControlHttp;

  constructor(
    url: string,
    adminToken: string,
    /** The business calls default to (the demo's 1000001 in a demo sandbox). */
    readonly businessId?: number,
  ) {
    this.http = new ControlHttp(url, adminToken);
  }

  private biz(given: number | undefined): number {
    const id = given ?? this.businessId;
    if (id === undefined) throw new TypeError('businessId is not set');
    return id;
  }

  private writeAs(sender: Sender) {
    return (chatId: number, text: string) => this.http.post<{ messageId: number; chat: SandboxChat }>(`/chats/${chatId}/messages`, { text, sender });
  }

  private uploadAs(sender: Sender) {
    return (chatId: number, file: UploadFile) =>
      this.http.upload<{ messageId: number; chat: SandboxChat }>(`/chats/${chatId}/files`, file.name, file.data, { sender });
  }

  /** The buyer: writes, opens chats, sends files. */
  readonly buyer = {
    write: this.writeAs('CUSTOMER'),
    sendFile: this.uploadAs('CUSTOMER'),
    /** A DIRECT chat about a product (CHAT_CREATED, and CHAT_MESSAGE_SENT with a message). */
    startDirect: (input: { buyerId: number; businessId?: number; subject?: string; message?: string }) =>
      this.http.post<ChatWithMessage>('/chats/direct', { ...input, businessId: this.biz(input.businessId) }),
    /** Opens (or finds) the chat of an order, optionally writing at once. */
    openOrderChat: (orderId: number, message?: string) => this.http.post<ContextChat>(`/orders/${orderId}/chat`, message === undefined ? {} : { message }),
    openReturnChat: (returnId: number, message?: string) => this.http.post<ContextChat>(`/returns/${returnId}/chat`, message === undefined ? {} : { message }),
  };

  /** Market's own messages in chats. */
  readonly market = { write: this.writeAs('MARKET'), sendFile: this.uploadAs('MARKET') };
  /** Market's support. */
  readonly support = { write: this.writeAs('SUPPORT') };

  /** The arbiter: disputes (ARBITRAGE / WAITING_FOR_ARBITER) and their decision. */
  readonly disputes = {
    open: (chatId: number) => this.http.post<SandboxChat>(`/chats/${chatId}/dispute`),
    /** Closes the dispute as the arbiter (CHAT_ARBITRAGE_FINISHED). */
    close: (chatId: number) => this.http.post<SandboxChat>(`/chats/${chatId}/dispute/close`),
    /** The arbiter writes (shown as SUPPORT, as on Market). */
    write: this.writeAs('ARBITER'),
  };

  readonly chats = {
    get: (chatId: number) => this.http.get<SandboxChat>(`/chats/${chatId}`),
    list: (opts: { businessId?: number; status?: ChatStatus | ChatStatus[]; type?: string; contextType?: string; limit?: number } = {}) =>
      this.http.get<{ chats: SandboxChat[] }>(`/businesses/${this.biz(opts.businessId)}/chats`, {
        status: Array.isArray(opts.status) ? opts.status.join(',') : opts.status,
        type: opts.type,
        contextType: opts.contextType,
        limit: opts.limit,
      }),
    messages: (chatId: number, opts: { fromMessageId?: number; limit?: number } = {}) =>
      this.http.get<{ chatId: number; messages: ChatMessage[]; hasMore: boolean }>(`/chats/${chatId}/messages`, opts),
    finish: (chatId: number) => this.http.post<SandboxChat>(`/chats/${chatId}/finish`),
    setStatus: (chatId: number, status: ChatStatus) => this.http.post<SandboxChat>(`/chats/${chatId}/status`, { status }),
  };

  /** Sandbox time: real by default; frozen, set or advanced here. Limit windows and retries follow it. */
  readonly clock = {
    get: () => this.http.get<ClockView>('/clock'),
    /** Stops time now, or at `at` (epoch ms, Date or ISO 8601 with an offset). */
    freeze: (at?: number | string | Date) => this.http.post<ClockView>('/clock', at === undefined ? { action: 'freeze' } : { action: 'freeze', at: instant(at) }),
    set: (at: number | string | Date) => this.http.post<ClockView>('/clock', { action: 'set', at: instant(at) }),
    /** Moves time by milliseconds or a duration such as `+1h`, `30m`, `1500ms`. */
    advance: (by: number | string) => this.http.post<ClockView>('/clock', { action: 'advance', by: typeof by === 'number' ? `${Math.round(by)}ms` : by }),
    resume: () => this.http.post<ClockView>('/clock', { action: 'resume' }),
    real: () => this.http.post<ClockView>('/clock', { action: 'real' }),
  };

  /** Make the next calls of a method answer 420, 500, 503, or late. */
  readonly faults = {
    add: (input: FaultInput) => this.http.post<Fault>('/faults', { ...input, businessId: this.biz(input.businessId), kind: String(input.kind) }),
    list: (businessId?: number) => this.http.get<{ faults: Fault[] }>('/faults', { businessId }).then((r) => r.faults),
    remove: (faultId: number) => this.http.delete<Fault>(`/faults/${faultId}`),
    clear: (businessId?: number) => this.http.delete<{ cleared: number }>('/faults', { businessId }),
  };

  /** Hourly limits used in the current window. */
  readonly quotas = {
    get: (opts: { businessId?: number; method?: string } = {}) => this.http.get<Quotas>(`/businesses/${this.biz(opts.businessId)}/quotas`, { method: opts.method }),
    reset: (opts: { businessId?: number; method?: string } = {}) => this.http.delete(`/businesses/${this.biz(opts.businessId)}/quotas`, { method: opts.method }),
  };

  /** Api-Keys; the token is in the creation answer only. */
  readonly keys = {
    create: (input: { name: string; scopes: string[]; businessId?: number }) =>
      this.http.post<ApiKeyInfo & { token: string }>(`/businesses/${this.biz(input.businessId)}/keys`, { name: input.name, scopes: input.scopes }),
    list: (businessId?: number) => this.http.get<{ keys: ApiKeyInfo[] }>(`/businesses/${this.biz(businessId)}/keys`).then((r) => r.keys),
    revoke: (keyId: number) => this.http.delete<ApiKeyInfo>(`/keys/${keyId}`),
  };

  /** OAuth users and their tokens. */
  readonly oauth = {
    createUser: (input: { login: string; businessIds: number[] }) => this.http.post<{ id: number; login: string }>('/oauth/users', input),
    createToken: (userId: number, clientId: string) => this.http.post<{ id: number; token: string }>(`/oauth/users/${userId}/tokens`, { clientId }),
    revokeToken: (tokenId: number) => this.http.delete(`/oauth/tokens/${tokenId}`),
  };

  /** Notification subscriptions of a business; creating one PINGs it first. */
  readonly subscriptions = {
    create: (url: string, opts: { businessId?: number; eventTypes?: string[] } = {}) =>
      this.http.post<Subscription>(`/businesses/${this.biz(opts.businessId)}/subscriptions`, opts.eventTypes ? { url, eventTypes: opts.eventTypes } : { url }),
    list: (businessId?: number) =>
      this.http.get<{ subscriptions: Subscription[] }>(`/businesses/${this.biz(businessId)}/subscriptions`).then((r) => r.subscriptions),
    get: (subscriptionId: number, businessId?: number) => this.http.get<Subscription>(`/businesses/${this.biz(businessId)}/subscriptions/${subscriptionId}`),
    delete: (subscriptionId: number, businessId?: number) => this.http.delete<Subscription>(`/businesses/${this.biz(businessId)}/subscriptions/${subscriptionId}`),
    enable: (subscriptionId: number, businessId?: number) => this.http.post<Subscription>(`/businesses/${this.biz(businessId)}/subscriptions/${subscriptionId}/enable`),
  };

  readonly notifications = {
    /** Delivers every due notification now, and answers when done. */
    flush: () => this.http.post<FlushResult>('/notifications/flush'),
    /** The delivery log, newest first. */
    deliveries: (opts: { businessId?: number; subscriptionId?: number; limit?: number } = {}) =>
      this.http
        .get<{ attempts: DeliveryAttempt[] }>(`/businesses/${this.biz(opts.businessId)}/deliveries`, { subscriptionId: opts.subscriptionId, limit: opts.limit })
        .then((r) => r.attempts),
  };

  /** The whole sandbox as one JSON document. */
  readonly state = {
    export: () => this.http.get<StateFile & { exportedAt: string }>('/state'),
    import: (state: StateFile) => this.http.put<{ imported: Record<string, number> }>('/state', state),
  };

  /** Back to the demo data (default) or to nothing; faults are cleared too. */
  reset(to: 'demo' | 'empty' = 'demo'): Promise<{ reset: string }> {
    return this.http.post('/reset', { to });
  }

  /** Sandbox entities: businesses, stores, buyers, orders, returns. */
  readonly entities = {
    createBusiness: (input: { name: string; id?: number }) => this.http.post<{ id: number; name: string }>('/businesses', input),
    createCampaign: (input: { placementModel: 'FBS' | 'FBY' | 'DBS' | 'EXPRESS'; businessId?: number; id?: number; domain?: string }) => {
      const { businessId, ...body } = input;
      return this.http.post<{ id: number }>(`/businesses/${this.biz(businessId)}/campaigns`, body);
    },
    createBuyer: (input: { id?: number; name?: string | null; publicId?: string | null } = {}) => this.http.post<{ id: number }>('/buyers', input),
    createOrder: (input: { businessId?: number; id?: number; campaignId?: number; buyerId?: number | null } = {}) => {
      const { businessId, ...body } = input;
      return this.http.post<{ id: number }>(`/businesses/${this.biz(businessId)}/orders`, body);
    },
    createReturn: (input: { orderId: number; businessId?: number; id?: number }) => {
      const { businessId, ...body } = input;
      return this.http.post<{ id: number }>(`/businesses/${this.biz(businessId)}/returns`, body);
    },
  };
}

function instant(at: number | string | Date): number | string {
  return at instanceof Date ? at.getTime() : at;
}
