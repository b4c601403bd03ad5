import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { SandboxClock } from '../../src/clock.js';
import { testConfig } from '../../src/config.js';
import { DEMO, seedDemo } from '../../src/domain/demo.js';
import { createServices } from '../../src/services.js';
import { T0, openTestStorage, type TestStorage } from '../helpers/app.js';

/** The app with its log captured as parsed pino lines. */
async function appLoggingAt(level: string) {
  const db = await openTestStorage('sqlite');
  const clock = new SandboxClock();
  clock.freeze(T0);
  const services = createServices(testConfig({ dataDir: db.dataDir, logLevel: level }), db.storage, clock);
  await seedDemo(db.storage, clock.now());
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const app = await buildApp(services, { logger: { stream } });
  await app.ready();
  return { app, db, lines };
}

const getChat = { method: 'GET' as const, url: `/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`, headers: { 'api-key': DEMO.keys.communication } };

describe('request logging', () => {
  let opened: { app: { close(): Promise<unknown> }; db: TestStorage } | null = null;
  afterEach(async () => {
    await opened?.app.close();
    await opened?.db.dispose().catch(() => {});
    opened = null;
  });

  it('writes nothing per request at the default level (info)', async () => {
    const t = (opened = await appLoggingAt('info'));
    for (let i = 0; i < 3; i++) expect((await t.app.inject(getChat)).statusCode).toBe(200);
    expect((await t.app.inject({ ...getChat, url: `/v2/businesses/${DEMO.businessId}/chat?chatId=1` })).statusCode).toBe(404);
    expect(t.lines).toEqual([]);
  });

  it('writes one line per request at debug, without the credentials', async () => {
    const t = (opened = await appLoggingAt('debug'));
    for (let i = 0; i < 3; i++) await t.app.inject(getChat);
    const requests = t.lines.filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({ method: 'GET', url: getChat.url, statusCode: 200 });
    expect(JSON.stringify(t.lines)).not.toContain(DEMO.keys.communication);
  });

  it('always logs an unexpected failure, at the default level too', async () => {
    const t = (opened = await appLoggingAt('info'));
    await t.db.storage.close();
    const res = await t.app.inject(getChat);
    expect(res.statusCode).toBe(500);
    expect(t.lines.filter((l) => l.level === 50 && l.msg === 'unexpected failure')).toHaveLength(1);
  });
});
