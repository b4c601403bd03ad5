import type { Database } from './schema.js';

/**
 * Every table ymchat owns, parents before children, with the facts that wipe, import, export,
 * id sequences and dropping the schema are derived from. Adding a table is one entry here (and
 * its migration); a table in the state file also needs its row⇄JSON mapping in
 * `domain/state-tables.ts`, which the compiler asks for. The mapping lives in the domain because
 * it resolves references and defaults with domain rules (token digests, chat contexts); these
 * facts live here because storage (sequences, dropAll) needs them and must not import the domain.
 */
interface TableFacts {
  name: keyof Database;
  /**
   * `sandbox`: the sandbox's data, emptied by reset and import, ids restarting from 1.
   * `kept`: outlives a reset (settings such as the clock, the request journal, in-flight leases).
   */
  lifetime: 'sandbox' | 'kept';
  /** Whether the table has an `id` column drawn from a sequence (AUTOINCREMENT / bigserial). */
  ids: boolean;
  /** The primary key: the order rows are exported in. */
  key: readonly string[];
  /** The list of the state file that carries its rows; absent when the file does not hold them. */
  state?: string;
  /** Rows per insert statement on import, where rows are large (file bytes). */
  insertBatch?: number;
}

const byId = ['id'] as const;

export const TABLES = [
  { name: 'businesses', lifetime: 'sandbox', ids: true, key: byId, state: 'businesses' },
  { name: 'campaigns', lifetime: 'sandbox', ids: true, key: byId, state: 'campaigns' },
  { name: 'buyers', lifetime: 'sandbox', ids: true, key: byId, state: 'buyers' },
  { name: 'orders', lifetime: 'sandbox', ids: true, key: byId, state: 'orders' },
  { name: 'returns', lifetime: 'sandbox', ids: true, key: byId, state: 'returns' },
  { name: 'chats', lifetime: 'sandbox', ids: true, key: byId, state: 'chats' },
  { name: 'messages', lifetime: 'sandbox', ids: true, key: byId, state: 'messages' },
  { name: 'files', lifetime: 'sandbox', ids: true, key: byId, state: 'files', insertBatch: 20 },
  { name: 'api_keys', lifetime: 'sandbox', ids: true, key: byId, state: 'apiKeys' },
  { name: 'oauth_users', lifetime: 'sandbox', ids: true, key: byId, state: 'oauthUsers' },
  // Travels inside the file's users, as their `businessIds`.
  { name: 'oauth_user_businesses', lifetime: 'sandbox', ids: false, key: ['user_id', 'business_id'], state: 'oauthUsers' },
  { name: 'oauth_tokens', lifetime: 'sandbox', ids: true, key: byId, state: 'oauthTokens' },
  { name: 'subscriptions', lifetime: 'sandbox', ids: true, key: byId, state: 'subscriptions' },
  // The outbox, injected faults and quota counts belong to the sandbox but not to its file: an
  // import starts them afresh.
  { name: 'events', lifetime: 'sandbox', ids: true, key: byId },
  { name: 'deliveries', lifetime: 'sandbox', ids: true, key: byId },
  { name: 'delivery_attempts', lifetime: 'sandbox', ids: true, key: byId },
  { name: 'faults', lifetime: 'sandbox', ids: true, key: byId },
  { name: 'quota_counters', lifetime: 'sandbox', ids: false, key: ['business_id', 'method'] },
  { name: 'parallel_slots', lifetime: 'kept', ids: false, key: ['entity_key', 'slot'] },
  // The journal records what an integration did, not sandbox state (README: request inspector).
  { name: 'request_log', lifetime: 'kept', ids: true, key: byId },
  // The file carries settings as one object, not as rows (see domain/state.ts).
  { name: 'settings', lifetime: 'kept', ids: false, key: ['key'] },
] as const satisfies readonly TableFacts[];

export type TableName = (typeof TABLES)[number]['name'];
/** A list of the state file that carries rows of some table. */
export type StateKey = Extract<(typeof TABLES)[number], { state: string }>['state'];
/** A table whose rows the state file carries. */
export type StateTableFacts = TableFacts & { name: TableName; state: StateKey };

// Every table of the schema is listed above, and nothing else: the compiler refuses either drift.
type Unlisted = Exclude<keyof Database, TableName>;
const everyTableListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTableListed;

/** Emptied by reset and import, children first. */
export const SANDBOX_TABLES_CHILDREN_FIRST: readonly TableName[] = TABLES.filter((t) => t.lifetime === 'sandbox')
  .map((t) => t.name)
  .reverse();

/** Tables whose id sequences restart with the sandbox (and follow imported ids). */
export const SANDBOX_ID_TABLES: readonly TableName[] = TABLES.filter((t) => t.lifetime === 'sandbox' && t.ids).map((t) => t.name);

/** Tables the state file carries, parents first: the insert and export order. */
export const STATE_TABLES: readonly StateTableFacts[] = TABLES.filter((t) => 'state' in t);

/** Every table, children first: the order they can be dropped in. */
export const TABLES_CHILDREN_FIRST: readonly TableName[] = TABLES.map((t) => t.name).reverse();
