import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { CLI, spawnServer, type ServerProcess } from '../helpers/process.js';
import { ensureBuilt } from '../notify/build.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';

const TOKEN = 'listen-test-admin-token';

/** Resolves when `check` holds, polling; fails after `ms` with what was seen. */
async function until(check: () => boolean, what: () => string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting; saw:\n${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let built = false;
beforeAll(() => {
  built = ensureBuilt();
  if (!built) console.log('[skip] ymchat listen test: dist/ could not be built');
}, 180_000);

describe('ymchat listen', () => {
  const dir = tempDir();
  let server: ServerProcess | null = null;
  let target: Receiver | null = null;
  afterAll(async () => {
    await server?.stop();
    await target?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes a local receiver, prints and forwards each notification, and unsubscribes on Ctrl-C', async (ctx) => {
    if (!built) return ctx.skip();
    server = await spawnServer(['--demo', '--data-dir', dir, '--admin-token', TOKEN]);
    target = await startReceiver();
    const child = spawn(process.execPath, [CLI, 'listen', '--business', String(DEMO.businessId), '--forward', `${target.url}/hook`], {
      env: { ...process.env, YMCHAT_URL: server.url, YMCHAT_ADMIN_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => stderr.includes('Ready:'), () => stdout + stderr);
      const headers = { 'x-admin-token': TOKEN, 'content-type': 'application/json' };
      const subs: any = await (await fetch(`${server.url}/_sandbox/businesses/${DEMO.businessId}/subscriptions`, { headers })).json();
      expect(subs.subscriptions).toHaveLength(1);
      expect(subs.subscriptions[0]).toMatchObject({ enabled: true });
      expect(stdout).toContain('PING');

      const res = await fetch(`${server.url}/_sandbox/chats/${DEMO.chats.order}/messages`, { method: 'POST', headers, body: JSON.stringify({ text: 'Где мой заказ?' }) });
      expect(res.status).toBe(201);
      const { messageId } = (await res.json()) as { messageId: number };
      await until(() => stdout.includes('→') && target!.notifications('/hook').length === 1, () => stdout + stderr);
      expect(stdout).toMatch(new RegExp(`CHAT_MESSAGE_SENT  \\{"chatId":${DEMO.chats.order},"messageId":"${messageId}"`));
      expect(stdout).toContain(`→ ${target.url}/hook: HTTP 200`);
      expect(target.notifications('/hook')[0]).toMatchObject({ notificationType: 'CHAT_MESSAGE_SENT', chatId: DEMO.chats.order, messageId: String(messageId) });

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toContain('deleted');
      const after: any = await (await fetch(`${server.url}/_sandbox/businesses/${DEMO.businessId}/subscriptions`, { headers })).json();
      expect(after.subscriptions).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to start without --business', async (ctx) => {
    if (!built) return ctx.skip();
    const child = spawn(process.execPath, [CLI, 'listen'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('--business');
  });
});
