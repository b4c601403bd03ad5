import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { SandboxClock } from './clock.js';
import type { Config } from './config.js';
import { DEMO, isEmpty, seedDemo } from './domain/demo.js';
import { createServices, type Services } from './services.js';
import { openStorage } from './storage/storage.js';
import { IncidentLog, isOutage } from './storage/outage.js';
import { startNotificationWorker } from './notify/worker.js';
import { restoreClock } from './domain/sandbox-clock.js';
import { importFixturesFile } from './domain/state.js';

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  url: string;
  close(): Promise<void>;
}

/** Opens storage, seeds demo data when asked and empty, and listens. */
/**
 * The control API's token: the configured one, else the one kept in `<dataDir>/admin-token`
 * (made on first start), so the CLI on the same machine finds it without flags.
 */
export function resolveAdminToken(config: Config): string {
  if (config.adminToken) return config.adminToken;
  const file = path.join(config.dataDir, 'admin-token');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // first start: make one below
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const token = crypto.randomBytes(18).toString('base64url');
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/** What an embedding host (ymchat/testing) may hand in besides the config. */
export interface StartOptions {
  /** The clock to run on (e.g. already frozen), instead of a new real one. */
  clock?: SandboxClock;
  /** PostgreSQL: keep the tables in this schema (made when missing). */
  pgSchema?: string;
}

export async function startServer(input: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const config = { ...input, adminToken: resolveAdminToken(input) };
  // Outages are logged through the app's logger once it exists; before that, on stderr.
  let logIncident: (level: 'warn' | 'info', msg: string) => void = (level, msg) => process.stderr.write(`ymchat ${level}: ${msg}\n`);
  const incidents = new IncidentLog((level, msg) => logIncident(level, msg));
  const storage = await openStorage({
    database: config.database,
    dataDir: config.dataDir,
    reset: config.reset,
    pgSchema: opts.pgSchema ?? config.pgSchema ?? undefined,
    timeoutMs: config.dbTimeoutMs,
    incidents,
  });
  const services = createServices(config, storage, opts.clock);
  await services.limiter.quota.ready?.(config.dbTimeoutMs);
  try {
    await restoreClock(storage.db, services.clock);
    if (config.fixtures) await importFixturesFile(storage, services.clock, config.fixtures);
    else if (config.demo && (await isEmpty(storage))) await seedDemo(storage, services.clock.now());
  } catch (e) {
    await storage.close();
    throw e;
  }
  const app = await buildApp(services, { logger: config.logLevel !== 'silent' });
  logIncident = (level, msg) => app.log[level](msg);
  await app.listen({ host: config.host, port: config.port });
  const worker = config.worker ? startNotificationWorker({ storage, clock: services.clock }, {
        log: (msg, err) => (isOutage(err) ? incidents.failure('database', err) : app.log.error({ err }, msg)),
      }) : null;
  if (worker) {
    services.notifyOutbox = () => worker.wake();
    services.notifier = worker;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await worker?.stop();
    await app.close();
    await services.journal.close();
    await services.limiter.quota.close?.();
    await storage.close();
  };
  return { app, services, url, close };
}

/** What a person sees after `npm start`: where it listens and a curl that works. */
export function banner(url: string, config: Config, demo: boolean): string {
  const lines = [`ymchat listening on ${url} (database: ${config.database === 'sqlite' ? `${config.dataDir}/ymchat.sqlite` : 'postgres'})`];
  if (demo) {
    lines.push(
      '',
      'Demo business ' + DEMO.businessId + '. Try getChat:',
      `  curl -s -H 'Api-Key: ${DEMO.keys.communication}' '${url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}'`,
      '',
      'Demo keys: communication, read-only, all-methods, pricing-only (see README "Demo data").',
    );
  }
  if (config.adminToken) lines.push(`Control API: ${url}/_sandbox (header X-Admin-Token: ${config.adminToken})`);
  lines.push(`Console: ${url}/console`);
  lines.push(`OpenAPI: ${url}/openapi.json`);
  return lines.join('\n');
}
