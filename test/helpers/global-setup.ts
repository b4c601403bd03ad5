import crypto from 'node:crypto';

/**
 * Gives the run an id that names the PostgreSQL schemas of its real server processes, and drops
 * exactly those at the end (the database is shared: nothing else is touched).
 */
export default function setup(): () => Promise<void> {
  const runId = process.env.YMCHAT_TEST_RUN_ID ?? crypto.randomBytes(4).toString('hex');
  process.env.YMCHAT_TEST_RUN_ID = runId;
  return async () => {
    const url = process.env.YMCHAT_TEST_PG_URL;
    if (!url) return;
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      const { rows } = await c.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like $1`, [`tp\\_${runId}\\_%`]);
      for (const r of rows) await c.query(`drop schema if exists "${r.nspname}" cascade`);
    } catch {
      // cleanup is best effort
    } finally {
      await c.end().catch(() => {});
    }
  };
}
