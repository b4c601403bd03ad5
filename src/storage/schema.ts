import type { Generated } from 'kysely';

/**
 * Tables of ymchat. Times are epoch milliseconds (int8), ids are int8 below 2^53; PostgreSQL's
 * int8 is parsed to number by the pool, so both dialects hand back the same shapes.
 */
export interface Database {
  businesses: BusinessTable;
  campaigns: CampaignTable;
  buyers: BuyerTable;
  orders: OrderTable;
  returns: ReturnTable;
  chats: ChatTable;
  messages: MessageTable;
  files: FileTable;
  api_keys: ApiKeyTable;
  oauth_users: OAuthUserTable;
  oauth_user_businesses: OAuthUserBusinessTable;
  oauth_tokens: OAuthTokenTable;
  quota_counters: QuotaCounterTable;
  parallel_slots: ParallelSlotTable;
  subscriptions: SubscriptionTable;
  events: EventTable;
  deliveries: DeliveryTable;
  delivery_attempts: DeliveryAttemptTable;
  faults: FaultTable;
  settings: SettingTable;
  request_log: RequestLogTable;
}

export interface BusinessTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

export interface CampaignTable {
  id: Generated<number>;
  business_id: number;
  domain: string;
  client_id: number;
  /** FBS | FBY | DBS | EXPRESS (Express is reported as FBS by getCampaigns). */
  placement_model: string;
  api_availability: string;
  created_at: number;
}

export interface BuyerTable {
  id: Generated<number>;
  name: string | null;
  public_id: string | null;
  created_at: number;
}

export interface OrderTable {
  id: Generated<number>;
  business_id: number;
  campaign_id: number;
  buyer_id: number | null;
  created_at: number;
}

export interface ReturnTable {
  id: Generated<number>;
  business_id: number;
  order_id: number;
  campaign_id: number;
  created_at: number;
}

export interface ChatTable {
  id: Generated<number>;
  business_id: number;
  /** ORDER | RETURN | DIRECT */
  context_type: string;
  /** `ORDER:<id>` / `RETURN:<id>`: one chat per context and business; null for DIRECT. */
  context_key: string | null;
  campaign_id: number | null;
  order_id: number | null;
  return_id: number | null;
  buyer_id: number | null;
  /** DIRECT chats: what the buyer asked about (free text). */
  subject: string | null;
  type: string;
  status: string;
  created_at: number;
  updated_at: number;
  /** Monotonic change counter; getChats pages by (updated_at, id) snapshots. */
  version: number;
}

export interface MessageTable {
  id: Generated<number>;
  chat_id: number;
  business_id: number;
  sender: string;
  text: string | null;
  created_at: number;
}

export interface FileTable {
  id: Generated<number>;
  message_id: number;
  business_id: number;
  name: string;
  size: number;
  content_type: string;
  /** Random part of the download URL, so file URLs cannot be guessed. */
  token: string;
  data: Uint8Array;
  created_at: number;
}

export interface ApiKeyTable {
  id: Generated<number>;
  business_id: number;
  name: string;
  /** SHA-256 hex of the token; the token itself is never stored. */
  token_hash: string;
  /** JSON array of scope names (`communication`, `all-methods`, …). */
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

export interface OAuthUserTable {
  id: Generated<number>;
  login: string;
  created_at: number;
}

export interface OAuthUserBusinessTable {
  user_id: number;
  business_id: number;
}

export interface OAuthTokenTable {
  id: Generated<number>;
  user_id: number;
  client_id: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface QuotaCounterTable {
  business_id: number;
  method: string;
  window_start: number;
  used: number;
}

export interface ParallelSlotTable {
  entity_key: string;
  slot: number;
  holder: string;
  lease_until: number;
}

export interface SubscriptionTable {
  id: Generated<number>;
  business_id: number;
  url: string;
  /** JSON array of notification types. */
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  /** When the subscription was last disabled (failed PING, 14 days of failures). */
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventTable {
  id: Generated<number>;
  business_id: number;
  type: string;
  /** The notification body, JSON. */
  payload: string;
  created_at: number;
}

export interface DeliveryTable {
  id: Generated<number>;
  event_id: number;
  subscription_id: number;
  /** PENDING | DELIVERED | FAILED | DROPPED */
  state: string;
  attempts: number;
  first_failed_at: number | null;
  next_attempt_at: number;
  /** Instance holding the claim and until when (crash-safe lease). */
  claimed_by: string | null;
  claimed_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface DeliveryAttemptTable {
  id: Generated<number>;
  delivery_id: number;
  business_id: number;
  subscription_id: number;
  event_id: number;
  started_at: number;
  latency_ms: number;
  http_status: number | null;
  /** null on success; else Market's error type, e.g. CANT_GET_RESPONSE. */
  error_type: string | null;
  error_subtype: string | null;
  message: string | null;
  /** DELIVERED | REJECTED | WILL_RETRY | GAVE_UP | FAILED (a PING that was not answered properly). */
  outcome: string | null;
  /** When the next attempt is due, for WILL_RETRY. */
  next_attempt_at: number | null;
  /** `virtual` or `real`: the clock `started_at` was read from (null in rows older than the column). */
  clock: string | null;
}

export interface FaultTable {
  id: Generated<number>;
  business_id: number;
  /** operationId or `*`. */
  method: string;
  /** 420 | 500 | 503 | DELAY */
  kind: string;
  remaining: number | null;
  /** 0..1 share of calls hit, used when remaining is null. */
  probability: number | null;
  delay_ms: number | null;
  created_at: number;
}

export interface SettingTable {
  key: string;
  value: string;
}

/** One partner API call as the request inspector keeps it (bodies truncated, secrets never). */
export interface RequestLogTable {
  id: Generated<number>;
  /** The business the call named or was made as; null when neither is known. */
  business_id: number | null;
  /** Wall-clock time the call arrived (ms), as the integration's own logs show it. */
  at: number;
  /** Sandbox clock at the same moment. */
  clock_at: number;
  method: string;
  /** Path and query as sent. */
  path: string;
  operation_id: string;
  /** Api-Key name or `oauth:<client id>`; null when the credential was not recognised. */
  key_name: string | null;
  status: number;
  error_code: string | null;
  error_message: string | null;
  latency_ms: number;
  /** JSON `{limit, remaining, until}` of the X-RateLimit-Resource-* headers, if sent. */
  rate_limit: string | null;
  /** The chat the call named (query `chatId`) or created. */
  chat_id: number | null;
  request_body: string | null;
  response_body: string | null;
}
