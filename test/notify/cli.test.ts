import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { CLI, spawnServer, type ServerProcess } from '../helpers/process.js';
import { ensureBuilt } from './build.js';
import { accept, startReceiver, type Receiver } from './receiver.js';

const TOKEN = 'cli-test-admin-token';
const BIZ = DEMO.businessId;

let built = false;
beforeAll(() => {
  built = ensureBuilt();
  if (!built) console.log('[skip] notification CLI tests: dist/ could not be built');
}, 180_000);

describe('ymchat subscribe / subscriptions / deliveries / outbox / flush', () => {
  const dir = tempDir();
  let server: ServerProcess | null = null;
  let rx: Receiver | null = null;
  afterAll(async () => {
    await server?.stop();
    await rx?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function ymchat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: { ...process.env, YMCHAT_URL: server!.url, YMCHAT_ADMIN_TOKEN: TOKEN } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('points a business at a local receiver and reads back what was delivered', { timeout: 90_000 }, async (testCtx) => {
    if (!built) return testCtx.skip();
    rx = await startReceiver();
    server = await spawnServer(['--demo', '--data-dir', dir, '--admin-token', TOKEN], { YMCHAT_NOTIFY_PARTNER_MESSAGES: 'true' });

    const help = await ymchat('subscribe', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: ymchat subscribe \[options\] <businessId> <url>/);
    expect(help.stdout).toMatch(/--events <types>/);

    const sub = await ymchat('subscribe', String(BIZ), `${rx.url}/notification`, '--events', 'chat_message_sent,CHAT_CREATED');
    expect(sub).toMatchObject({ code: 0, stderr: '' });
    expect(sub.stdout).toBe(`subscription 1 of business ${BIZ}: enabled\n  ${rx.url}/notification\n  CHAT_CREATED, CHAT_MESSAGE_SENT\n`);

    const list = await ymchat('subscriptions', String(BIZ));
    expect(list.stdout).toMatch(/^ID\s+ENABLED\s+URL\s+EVENTS\s+WHY DISABLED\n1\s+yes\s+http:\/\/127\.0\.0\.1:\d+\/notification\s+CHAT_CREATED,CHAT_MESSAGE_SENT\s+-\n/);
    expect(list.stdout).toMatch(/Seller's own messages notify: yes/);

    const sent = await fetch(`${server.url}/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`, {
      method: 'POST',
      headers: { 'Api-Key': DEMO.keys.communication, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Shipped today' }),
    });
    expect(sent.status).toBe(200);
    const flush = await ymchat('flush', '--json');
    expect(flush.code).toBe(0);
    expect(Object.keys(JSON.parse(flush.stdout))).toEqual(['attempts', 'delivered', 'rejected', 'retrying', 'gaveUp']);
    // The running worker may have been first; either way the notification is delivered.
    const deadline = Date.now() + 5_000;
    while (rx.notifications().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(rx.notifications()).toEqual([expect.objectContaining({ notificationType: 'CHAT_MESSAGE_SENT', chatId: DEMO.chats.order, businessId: BIZ })]);

    const page = await ymchat('deliveries', String(BIZ), '--limit', '1');
    expect(page.stdout).toMatch(/^TIME\s+SUB\s+TYPE\s+EVENT\s+HTTP\s+LATENCY\s+OUTCOME\s+ERROR\s+DETAIL\n\S+\s+1\s+CHAT_MESSAGE_SENT\s+\d+\s+200\s+\d+ms\s+DELIVERED\s+-\s+-\nmore: --page-token \S+\n$/);
    const token = /--page-token (\S+)/.exec(page.stdout)![1];
    expect((await ymchat('deliveries', String(BIZ), '--limit', '1', '--page-token', token)).stdout).toMatch(/PING/);

    expect((await ymchat('outbox', String(BIZ), '1')).stdout).toBe('subscription 1 (enabled): 0 pending, 1 delivered, 0 refused, 0 dropped\n');
  });

  it('says why a subscription stays disabled, with a non-zero exit', async (testCtx) => {
    if (!built || !server || !rx) return testCtx.skip();
    rx.respond = (r) => (r.body?.notificationType === 'PING' ? { status: 200, contentType: 'text/html', body: '<html>' } : accept());
    const res = await ymchat('subscribe', String(DEMO.otherBusinessId), `${rx.url}/x`);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/NOT enabled \(PING failed: CANT_GET_RESPONSE\/UNSUPPORTED_MEDIA_TYPE: Content-Type 'text\/html' is not application\/json\)/);
    const bad = await ymchat('subscribe', String(BIZ), `${rx.url}/y`, '--events', 'ORDER_CREATED');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/expected a comma-separated list of CHAT_CREATED/);
    const gone = await ymchat('unsubscribe', String(DEMO.otherBusinessId), '2');
    expect(gone).toMatchObject({ code: 0, stdout: 'subscription 2 deleted\n' });
  });
});
