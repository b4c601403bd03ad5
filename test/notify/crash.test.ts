import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import { PG_URL, TEST_DIALECT, tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { schemaForDataDir, spawnServer, type ServerProcess } from '../helpers/process.js';
import { ensureBuilt } from './build.js';
import { accept, startReceiver, type Receiver } from './receiver.js';

const TOKEN = 'crash-test-admin-token';
const PER_SUBSCRIPTION = 15;
const targets = [
  { path: '/a', business: DEMO.businessId, chat: DEMO.chats.order, key: DEMO.keys.communication },
  { path: '/b', business: DEMO.otherBusinessId, chat: 5000007, key: DEMO.keys.otherBusiness },
];

async function call(server: ServerProcess, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

function exited(server: ServerProcess): Promise<void> {
  return new Promise((resolve) => (server.child.exitCode !== null || server.child.signalCode !== null ? resolve() : server.child.once('exit', () => resolve())));
}

/** Checks at-least-once and in-order: first arrivals in creation order, never an older one after a newer one. */
function expectInOrder(received: string[], expected: string[]): void {
  const firsts = received.filter((id, i) => received.indexOf(id) === i);
  expect(firsts).toEqual(expected);
  const positions = received.map((id) => expected.indexOf(id));
  for (let i = 1; i < positions.length; i++) expect(positions[i], `arrival ${i}: ${received.join(',')}`).toBeGreaterThanOrEqual(positions[i - 1]);
}

let built = false;
beforeAll(() => {
  built = ensureBuilt();
  if (!built) console.log('[skip] crash test: dist/ could not be built');
}, 180_000);

describe('kill -9 at any moment loses no notification', () => {
  const dir = tempDir();
  let server: ServerProcess | null = null;
  let rx: Receiver | null = null;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rx?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every event at least once and in order per subscription after two crashes', async (testCtx) => {
    if (!built) return testCtx.skip();
    const env = { YMCHAT_NOTIFY_PARTNER_MESSAGES: 'true' };
    const start = () => spawnServer(['--demo', '--data-dir', dir, '--admin-token', TOKEN], env);
    const count = (path: string) => rx!.received.filter((r) => r.path === path && r.body?.notificationType === 'CHAT_MESSAGE_SENT').length;
    let armed = false;
    let kills = 0;
    let restarted = false;
    rx = await startReceiver((r) => {
      if (r.body?.notificationType === 'PING') return accept();
      // First crash: while a POST to /a is in flight, before it is answered.
      if (armed && kills === 0 && r.path === '/a' && count('/a') >= 5) {
        kills++;
        server!.child.kill('SIGKILL');
        return { ...accept(), delayMs: 200 };
      }
      // Second crash: right after /b got its answer, before the server could write it down.
      if (restarted && kills === 1 && r.path === '/b' && count('/b') >= 10) {
        kills++;
        const victim = server!;
        setTimeout(() => victim.child.kill('SIGKILL'), 1);
        return accept();
      }
      return { ...accept(), delayMs: 60 };
    });

    server = await start();
    const admin = { 'x-admin-token': TOKEN };
    const subs: number[] = [];
    for (const target of targets) {
      const sub = await call(server, 'POST', `/_sandbox/businesses/${target.business}/subscriptions`, admin, {
        url: rx.url + target.path,
        eventTypes: ['CHAT_MESSAGE_SENT'],
      });
      expect(sub.enabled).toBe(true);
      subs.push(sub.id);
    }
    for (let i = 0; i < PER_SUBSCRIPTION; i++) {
      for (const target of targets) {
        await call(server, 'POST', `/v2/businesses/${target.business}/chats/message?chatId=${target.chat}`, { 'Api-Key': target.key }, {
          message: `crash test ${target.path} ${i}`,
        });
      }
    }
    armed = true;

    await exited(server);
    expect(kills).toBe(1);
    server = await start();
    restarted = true;
    await waitFor(() => kills === 2, 30_000);
    await exited(server);
    server = await start();

    // Every subscription's outbox drains; then the stopped server's database tells what was sent.
    await waitFor(async () => {
      for (const [i, target] of targets.entries()) {
        const box = await call(server!, 'GET', `/_sandbox/businesses/${target.business}/subscriptions/${subs[i]}/outbox`, admin);
        if (box.pending > 0 || box.delivered < PER_SUBSCRIPTION) return false;
      }
      return true;
    }, 30_000);
    await server.stop();
    server = null;
    const storage = await openStorage(
      TEST_DIALECT === 'postgres' ? { database: PG_URL, dataDir: dir, pgSchema: schemaForDataDir(dir) } : { database: 'sqlite', dataDir: dir },
    );
    try {
      const expected = async (business: number) =>
        (
          await storage.db
            .selectFrom('messages')
            .select('id')
            .where('business_id', '=', business)
            .where('text', 'like', 'crash test %')
            .orderBy('id')
            .execute()
        ).map((m) => String(m.id));
      const ids = (path: string) => rx!.notifications(path).map((b) => b.messageId as string);
      for (const target of targets) {
        const want = await expected(target.business);
        expect(want).toHaveLength(PER_SUBSCRIPTION);
        expectInOrder(ids(target.path), want);
      }
      // The POST in flight at the first crash went out again after the restart.
      expect(ids('/a').length).toBeGreaterThan(PER_SUBSCRIPTION);
    } finally {
      await storage.close();
    }
  }, 240_000);
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
