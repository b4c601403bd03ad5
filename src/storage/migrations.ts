import { type Kysely, type Migration, type MigrationProvider, Migrator, sql, type CreateTableBuilder } from 'kysely';
import type { Dialect } from './db.js';
import { TABLES_CHILDREN_FIRST } from './tables.js';

/** Migrations, written once for both dialects; the dialect picks id, int8 and blob types. */
function migrations(dialect: Dialect): Record<string, Migration> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  const table = (db: Kysely<any>, name: string): CreateTableBuilder<string, 'id'> =>
    dialect === 'postgres'
      ? db.schema.createTable(name).addColumn('id', 'bigserial', (c) => c.primaryKey())
      : db.schema.createTable(name).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  return {
    '0001_core': {
      async up(db) {
        await table(db, 'businesses')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await table(db, 'campaigns')
          .addColumn('business_id', big, (c) => c.notNull().references('businesses.id').onDelete('cascade'))
          .addColumn('domain', 'text', (c) => c.notNull())
          .addColumn('client_id', big, (c) => c.notNull())
          .addColumn('placement_model', 'text', (c) => c.notNull())
          .addColumn('api_availability', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('campaigns_business').on('campaigns').columns(['business_id', 'id']).execute();
        await table(db, 'buyers')
          .addColumn('name', 'text')
          .addColumn('public_id', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await table(db, 'orders')
          .addColumn('business_id', big, (c) => c.notNull().references('businesses.id').onDelete('cascade'))
          .addColumn('campaign_id', big, (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
          .addColumn('buyer_id', big, (c) => c.references('buyers.id').onDelete('set null'))
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await table(db, 'returns')
          .addColumn('business_id', big, (c) => c.notNull().references('businesses.id').onDelete('cascade'))
          .addColumn('order_id', big, (c) => c.notNull().references('orders.id').onDelete('cascade'))
          .addColumn('campaign_id', big, (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await table(db, 'chats')
          .addColumn('business_id', big, (c) => c.notNull().references('businesses.id').onDelete('cascade'))
          .addColumn('context_type', 'text', (c) => c.notNull())
          .addColumn('context_key', 'text')
          .addColumn('campaign_id', big)
          .addColumn('order_id', big)
          .addColumn('return_id', big)
          .addColumn('buyer_id', big, (c) => c.references('buyers.id').onDelete('set null'))
          .addColumn('subject', 'text')
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addColumn('version', big, (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('chats_context').on('chats').columns(['business_id', 'context_key']).unique().execute();
        await db.schema.createIndex('chats_business_updated').on('chats').columns(['business_id', 'updated_at', 'id']).execute();
        await table(db, 'messages')
          .addColumn('chat_id', big, (c) => c.notNull().references('chats.id').onDelete('cascade'))
          .addColumn('business_id', big, (c) => c.notNull())
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('text', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('messages_chat').on('messages').columns(['chat_id', 'id']).execute();
        await table(db, 'files')
          .addColumn('message_id', big, (c) => c.notNull().references('messages.id').onDelete('cascade'))
          .addColumn('business_id', big, (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('size', big, (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('token', 'text', (c) => c.notNull())
          .addColumn('data', blob, (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('files_message').on('files').columns(['message_id', 'id']).execute();
        await table(db, 'api_keys')
          .addColumn('business_id', big, (c) => c.notNull().references('businesses.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('revoked_at', big)
          .execute();
        await table(db, 'oauth_users')
          .addColumn('login', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('oauth_user_businesses')
          .addColumn('user_id', big, (c) => c.notNull().references('oauth_users.id').onDelete('cascade'))
          .addColumn('business_id', big, (c) => c.notNull().references('businesses.id').onDelete('cascade'))
          .addPrimaryKeyConstraint('oauth_user_businesses_pk', ['user_id', 'business_id'])
          .execute();
        await table(db, 'oauth_tokens')
          .addColumn('user_id', big, (c) => c.notNull().references('oauth_users.id').onDelete('cascade'))
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('revoked_at', big)
          .execute();
        await db.schema
          .createTable('quota_counters')
          .addColumn('business_id', big, (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('window_start', big, (c) => c.notNull())
          .addColumn('used', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('quota_counters_pk', ['business_id', 'method'])
          .execute();
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002_outbox': {
      async up(db) {
        await table(db, 'subscriptions')
          .addColumn('business_id', big, (c) => c.notNull().references('businesses.id').onDelete('cascade'))
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('event_types', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('disabled_reason', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .execute();
        await table(db, 'events')
          .addColumn('business_id', big, (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('events_business').on('events').columns(['business_id', 'id']).execute();
        await table(db, 'deliveries')
          .addColumn('event_id', big, (c) => c.notNull().references('events.id').onDelete('cascade'))
          .addColumn('subscription_id', big, (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('first_failed_at', big)
          .addColumn('next_attempt_at', big, (c) => c.notNull())
          .addColumn('claimed_by', 'text')
          .addColumn('claimed_until', big)
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('deliveries_pending').on('deliveries').columns(['state', 'subscription_id', 'id']).execute();
        await table(db, 'delivery_attempts')
          .addColumn('delivery_id', big, (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
          .addColumn('business_id', big, (c) => c.notNull())
          .addColumn('subscription_id', big, (c) => c.notNull())
          .addColumn('event_id', big, (c) => c.notNull())
          .addColumn('started_at', big, (c) => c.notNull())
          .addColumn('latency_ms', 'integer', (c) => c.notNull())
          .addColumn('http_status', 'integer')
          .addColumn('error_type', 'text')
          .addColumn('error_subtype', 'text')
          .addColumn('message', 'text')
          .execute();
        await db.schema.createIndex('delivery_attempts_business').on('delivery_attempts').columns(['business_id', 'id']).execute();
        await table(db, 'faults')
          .addColumn('business_id', big, (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('remaining', 'integer')
          .addColumn('probability', real)
          .addColumn('delay_ms', 'integer')
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();
      },
    },
    '0003_delivery_log': {
      async up(db) {
        // What each attempt led to, so the log reads without re-deriving the schedule.
        await db.schema.alterTable('delivery_attempts').addColumn('outcome', 'text').execute();
        await db.schema.alterTable('delivery_attempts').addColumn('next_attempt_at', big).execute();
        await db.schema.alterTable('subscriptions').addColumn('disabled_at', big).execute();
        await db.schema
          .createIndex('delivery_attempts_subscription')
          .on('delivery_attempts')
          .columns(['subscription_id', 'id'])
          .execute();
      },
    },
    '0030_request_log': {
      async up(db) {
        // The request inspector's journal of partner API calls: a record, not sandbox state.
        await table(db, 'request_log')
          .addColumn('business_id', big)
          .addColumn('at', big, (c) => c.notNull())
          .addColumn('clock_at', big, (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('operation_id', 'text', (c) => c.notNull())
          .addColumn('key_name', 'text')
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('error_code', 'text')
          .addColumn('error_message', 'text')
          .addColumn('latency_ms', real, (c) => c.notNull())
          .addColumn('rate_limit', 'text')
          .addColumn('chat_id', big)
          .addColumn('request_body', 'text')
          .addColumn('response_body', 'text')
          .execute();
        await db.schema.createIndex('request_log_business').on('request_log').columns(['business_id', 'id']).execute();
      },
    },
    '0040_delivery_attempt_clock': {
      async up(db) {
        // Whether `started_at` was read from the sandbox's virtual clock or from real time (null: not recorded).
        await db.schema.alterTable('delivery_attempts').addColumn('clock', 'text').execute();
      },
    },
    '0020_chat_list_indexes': {
      async up(db) {
        // getChats pages by id descending: without these a page sorted every chat of the business.
        await db.schema.createIndex('chats_business_id').on('chats').columns(['business_id', 'id']).execute();
        await db.schema
          .createIndex('chats_business_filter')
          .on('chats')
          .columns(['business_id', 'status', 'type', 'context_type', 'id'])
          .execute();
        await db.schema.createIndex('chats_business_order').on('chats').columns(['business_id', 'order_id']).execute();
        // Nothing reads chats by updated_at; the index cost a write on every message and lured the
        // planner away from the id order.
        await db.schema.dropIndex('chats_business_updated').execute();
      },
    },
    '0010_parallel_slots': {
      async up(db) {
        // Requests in flight per entity, shared by every instance; a slot whose lease passed is
        // free again, so an instance killed mid-request gives its slots back by itself.
        await db.schema
          .createTable('parallel_slots')
          .addColumn('entity_key', 'text', (c) => c.notNull())
          .addColumn('slot', 'integer', (c) => c.notNull())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('lease_until', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('parallel_slots_pk', ['entity_key', 'slot'])
          .execute();
      },
    },
  };
}

class InlineProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/**
 * The database as the migrator sees it, with table look-ups confined to our schema. Kysely's own
 * PostgreSQL introspection reads every schema of the database and calls functions on each table;
 * a schema dropped meanwhile (another sandbox reset, a test cleaning up) fails that read with
 * "schema … does not exist" and so would fail this instance's start.
 */
function withSchemaIntrospection(db: Kysely<any>, schema: string): Kysely<any> {
  const introspection = {
    async getSchemas() {
      const rows = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
      return rows.rows;
    },
    async getTables() {
      const rows = await sql<{ name: string }>`select c.relname as name from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v')`.execute(db);
      return rows.rows.map((r) => ({ name: r.name, schema, isView: false, columns: [] }));
    },
    async getMetadata() {
      return { tables: await this.getTables() };
    },
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Brings the schema up to date; throws with the failing migration's error. */
export async function migrate(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // Unless told the schema, Kysely finds its bookkeeping tables in any schema of the database, so
  // a database holding several ymchat schemas (tests isolate themselves so) would skip creating them.
  const schema =
    dialect === 'postgres' ? (await sql<{ name: string }>`select current_schema() as name`.execute(db)).rows[0]?.name : undefined;
  const migrator = new Migrator({
    db: schema ? withSchemaIntrospection(db, schema) : db,
    provider: new InlineProvider(dialect),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String((error as Error).message ?? error)}`);
  }
}

/** Drops every table ymchat owns (reset), children first so no foreign key stands in the way. */
export async function dropAll(db: Kysely<any>): Promise<void> {
  for (const t of [...TABLES_CHILDREN_FIRST, 'kysely_migration', 'kysely_migration_lock']) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
