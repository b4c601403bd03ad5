import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * The two names nearly every module needs, kept apart from storage.ts so the modules storage.ts
 * opens (migrations, change feed) can name them without importing it back.
 */
export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
