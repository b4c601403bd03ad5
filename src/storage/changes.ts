import crypto from 'node:crypto';
import type pg from 'pg';
import { sql } from 'kysely';
import type { Db } from './db.js';

/**
 * News that sandbox state kept in memory for speed (the clock, whether faults exist) changed in
 * the database, so every instance over it refreshes its copy. On PostgreSQL it travels by
 * LISTEN/NOTIFY (sent on commit, to every instance on the same schema); on SQLite one process
 * owns the file and the news stays in it.
 */
export interface ChangeFeed {
  /** Announces `topic`; inside a transaction it leaves on commit (PostgreSQL). */
  publish(db: Db, topic: string): Promise<void>;
  /**
   * Calls `fn` when another instance announced `topic` (the announcing instance updates its own
   * copy itself), and for every topic after a reconnect.
   */
  on(topic: string, fn: () => void): () => void;
  close(): Promise<void>;
}

class Listeners {
  private readonly byTopic = new Map<string, Set<() => void>>();
  on(topic: string, fn: () => void): () => void {
    const set = this.byTopic.get(topic) ?? new Set();
    set.add(fn);
    this.byTopic.set(topic, set);
    return () => set.delete(fn);
  }
  fire(topic: string): void {
    for (const fn of this.byTopic.get(topic) ?? []) fn();
  }
  fireAll(): void {
    for (const topic of this.byTopic.keys()) this.fire(topic);
  }
}

/**
 * One process owns the database: whoever changes state updates its own copy, so there is nobody
 * else to tell.
 */
export function localFeed(): ChangeFeed {
  const listeners = new Listeners();
  return {
    async publish() {},
    on: (topic, fn) => listeners.on(topic, fn),
    async close() {},
  };
}

/**
 * LISTEN on a connection of its own, reconnecting with backoff while the server is away; after a
 * reconnect every topic fires, since news sent meanwhile was lost.
 */
export function postgresFeed(connectionString: string, channel: string, clientOptions: pg.ClientConfig): ChangeFeed {
  const listeners = new Listeners();
  const self = crypto.randomBytes(6).toString('hex');
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 100;
  let timer: NodeJS.Timeout | null = null;

  const connect = async () => {
    if (closed) return;
    // Loaded on first use, as in storage.ts: SQLite servers never load the client.
    const { default: pg } = await import('pg');
    const c = new pg.Client({ ...clientOptions, connectionString, application_name: 'ymchat-listen' });
    c.on('error', () => reconnect(c));
    c.on('end', () => reconnect(c));
    c.on('notification', (n) => {
      if (n.channel !== channel || !n.payload) return;
      const [topic, from] = n.payload.split('@');
      if (from !== self) listeners.fire(topic);
    });
    try {
      await c.connect();
      await c.query(`listen "${channel}"`);
      if (closed) return void c.end().catch(() => {});
      const wasDown = client === null && retryMs > 100;
      client = c;
      retryMs = 100;
      if (wasDown) listeners.fireAll();
    } catch {
      reconnect(c);
    }
  };
  const reconnect = (c: pg.Client) => {
    c.end().catch(() => {});
    if (client === c) client = null;
    if (closed || timer) return;
    retryMs = Math.min(retryMs * 2, 5_000);
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, retryMs);
    timer.unref();
  };
  void connect();

  return {
    async publish(db, topic) {
      await sql`select pg_notify(${channel}, ${`${topic}@${self}`})`.execute(db);
    },
    on: (topic, fn) => listeners.on(topic, fn),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
