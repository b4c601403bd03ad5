import { Type, type Static, type TArray, type TOptional } from 'typebox';
import { Value } from 'typebox/value';
import { API_KEY_SCOPES } from './access.js';
import { errors } from './errors.js';
import { CHAT_STATUSES, CHAT_TYPES, CONTEXT_TYPES, PLACEMENT_MODELS, SENDERS } from './model.js';
import { API_AVAILABILITY } from './sandbox-entities.js';

/**
 * The sandbox as a JSON file (export, import, `serve --fixtures`). Every table that defines the
 * sandbox is a list of rows with camelCase fields; an export writes every field, a hand-written
 * fixture may leave out what has a sensible default (times, stores of orders, chat statuses …).
 */
export const STATE_FORMAT = 'ymchat-state';
export const STATE_VERSION = 1;

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const NullableId = Type.Union([Id, Type.Null()]);
/** Epoch milliseconds, or ISO 8601 with an offset. */
const Time = Type.Union([Type.Integer({ minimum: 0 }), Type.String()]);
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Text = Type.String({ minLength: 1 });
const row = <T extends Parameters<typeof Type.Object>[0]>(props: T) => Type.Object(props, { additionalProperties: false });

export const BusinessRow = row({ id: Id, name: Text, createdAt: Type.Optional(Time) });
export const CampaignRow = row({
  id: Id,
  businessId: Id,
  placementModel: Type.Enum([...PLACEMENT_MODELS]),
  domain: Type.Optional(Text),
  clientId: Type.Optional(Id),
  apiAvailability: Type.Optional(Type.Enum([...API_AVAILABILITY])),
  createdAt: Type.Optional(Time),
});
export const BuyerRow = row({ id: Id, name: Type.Optional(NullableString), publicId: Type.Optional(NullableString), createdAt: Type.Optional(Time) });
export const OrderRow = row({
  id: Id,
  businessId: Type.Optional(Id),
  campaignId: Id,
  buyerId: Type.Optional(NullableId),
  createdAt: Type.Optional(Time),
});
export const ReturnRow = row({
  id: Id,
  businessId: Type.Optional(Id),
  orderId: Id,
  campaignId: Type.Optional(Id),
  createdAt: Type.Optional(Time),
});
export const ChatRow = row({
  id: Id,
  businessId: Type.Optional(Id),
  contextType: Type.Enum([...CONTEXT_TYPES]),
  orderId: Type.Optional(NullableId),
  returnId: Type.Optional(NullableId),
  campaignId: Type.Optional(NullableId),
  buyerId: Type.Optional(NullableId),
  subject: Type.Optional(NullableString),
  type: Type.Optional(Type.Enum([...CHAT_TYPES])),
  status: Type.Optional(Type.Enum([...CHAT_STATUSES])),
  createdAt: Type.Optional(Time),
  updatedAt: Type.Optional(Time),
  version: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const MessageRow = row({
  id: Id,
  chatId: Id,
  businessId: Type.Optional(Id),
  sender: Type.Enum([...SENDERS]),
  text: Type.Optional(NullableString),
  createdAt: Type.Optional(Time),
});
export const FileRow = row({
  id: Type.Optional(Id),
  messageId: Id,
  businessId: Type.Optional(Id),
  name: Text,
  contentType: Type.Optional(Text),
  size: Type.Optional(Type.Integer({ minimum: 0 })),
  token: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' })),
  /** The file's bytes, base64. */
  data: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
  createdAt: Type.Optional(Time),
});
const TokenHash = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const ApiKeyRow = row({
  id: Type.Optional(Id),
  businessId: Id,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scopes: Type.Array(Type.Enum([...API_KEY_SCOPES]), { minItems: 1 }),
  /** SHA-256 hex of the token, as exported; a fixture may give the plain `token` instead. */
  tokenHash: Type.Optional(TokenHash),
  token: Type.Optional(Text),
  createdAt: Type.Optional(Time),
  revokedAt: Type.Optional(NullableTime),
});
export const OAuthUserRow = row({ id: Id, login: Text, businessIds: Type.Optional(Type.Array(Id)), createdAt: Type.Optional(Time) });
export const OAuthTokenRow = row({
  id: Type.Optional(Id),
  userId: Id,
  clientId: Text,
  tokenHash: Type.Optional(TokenHash),
  token: Type.Optional(Text),
  createdAt: Type.Optional(Time),
  revokedAt: Type.Optional(NullableTime),
});
export const SubscriptionRow = row({
  id: Type.Optional(Id),
  businessId: Id,
  url: Text,
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Optional(Type.Boolean()),
  disabledReason: Type.Optional(NullableString),
  disabledAt: Type.Optional(NullableTime),
  createdAt: Type.Optional(Time),
  updatedAt: Type.Optional(Time),
});

/** The lists of the file, in the order an export writes them (that of `storage/tables.ts`). */
export const STATE_ROWS = {
  businesses: BusinessRow,
  campaigns: CampaignRow,
  buyers: BuyerRow,
  orders: OrderRow,
  returns: ReturnRow,
  chats: ChatRow,
  messages: MessageRow,
  files: FileRow,
  apiKeys: ApiKeyRow,
  oauthUsers: OAuthUserRow,
  oauthTokens: OAuthTokenRow,
  subscriptions: SubscriptionRow,
};
type StateRows = typeof STATE_ROWS;
const lists = Object.fromEntries(Object.entries(STATE_ROWS).map(([key, schema]) => [key, Type.Optional(Type.Array(schema))])) as {
  [K in keyof StateRows]: TOptional<TArray<StateRows[K]>>;
};

export const StateFile = Type.Object(
  {
    format: Type.Optional(Type.Literal(STATE_FORMAT)),
    version: Type.Literal(STATE_VERSION),
    exportedAt: Type.Optional(Type.String()),
    ...lists,
    /** Settings rows (the virtual clock among them); left as they are when absent. */
    settings: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
export type StateFile = Static<typeof StateFile>;

/** `/chats/3/status` → `chats[3].status`. */
export function jsonPath(pointer: string): string {
  const segs = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const out = segs.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return out === '' ? '$' : out;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: any = root;
  for (const s of pointer.split('/').slice(1)) cur = cur?.[s.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

const shown = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/** The first schema failure as one sentence that names the bad field. */
function describeFailure(input: unknown): string {
  const all = Value.Errors(StateFile, input);
  const first = all[0];
  const path = jsonPath(first.instancePath);
  const value = valueAt(input, first.instancePath);
  const params = first.params as Record<string, any>;
  switch (first.keyword) {
    case 'boolean':
      return `'${path}' is not a field of the state file`;
    case 'additionalProperties':
      return `'${path === '$' ? '' : path + '.'}${params.additionalProperties[0]}' is not a field of the state file`;
    case 'required':
      return `'${path === '$' ? '' : path + '.'}${params.requiredProperties[0]}' is required`;
    case 'type':
    case 'anyOf': {
      const types = all.filter((e) => e.instancePath === first.instancePath && e.keyword === 'type').map((e) => (e.params as any).type);
      return `'${path}' must be ${types.join(' or ')} (got ${shown(value)})`;
    }
    case 'enum':
      return `'${path}' must be one of ${params.allowedValues.join(', ')} (got ${shown(value)})`;
    case 'const':
      return `'${path}' must be ${shown(params.allowedValue)} (got ${shown(value)})`;
    default:
      return `'${path}' ${first.message} (got ${shown(value)})`;
  }
}

/** Checks a state file's shape; the error names the path of the first bad field. */
export function checkStateFile(input: unknown): StateFile {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw errors.invalid('Invalid state file: expected a JSON object');
  if (!Value.Check(StateFile, input)) throw errors.invalid(`Invalid state file at ${describeFailure(input)}`);
  return input as StateFile;
}
