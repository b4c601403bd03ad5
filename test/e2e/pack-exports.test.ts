import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { ensureBuilt } from '../notify/build.js';

const ROOT = path.resolve('.');
const ENTRY_POINTS = ['testing', 'client', 'receiver'] as const;

/** The environment without npm's per-run settings, so the nested npm works on its own folder. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function run(cmd: string, args: string[], cwd: string, timeout = 240_000) {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const CHECK = `
import { startYmchat } from 'ymchat/testing';
import * as root from 'ymchat';
import { MarketChatClient, MarketApiError, MARKET_API_URL } from 'ymchat/client';
import { createReceiver } from 'ymchat/receiver';

if (root.startYmchat !== startYmchat) throw new Error("'ymchat' is not 'ymchat/testing'");
if (MARKET_API_URL !== 'https://api.partner.market.yandex.ru') throw new Error('MARKET_API_URL');
const sb = await startYmchat({ notifications: false });
try {
  const got = [];
  const receiver = createReceiver({ onChatCreated: (n) => void got.push(n.chatId) });
  const listening = await receiver.listen();
  await sb.control.subscriptions.create(listening.url);
  const { chat } = await sb.control.buyer.startDirect({ buyerId: 6000001, message: 'hi' });
  await sb.control.notifications.flush();
  await receiver.idle();
  await listening.close();
  const client = new MarketChatClient({ baseUrl: sb.url, apiKey: sb.keys.communication, businessId: sb.business });
  const fetched = await client.getChat(chat.chatId);
  const missing = await client.getChat(1).catch((e) => e);
  console.log(JSON.stringify({ got, type: fetched.context.type, error: missing instanceof MarketApiError ? missing.status : null }));
} finally {
  await sb.close();
}
`;

const TYPES = `
import { startYmchat, type Ymchat } from 'ymchat/testing';
import { MarketChatClient, type Chat, type ChatStatus } from 'ymchat/client';
import { createReceiver, type ChatCreatedNotification } from 'ymchat/receiver';

export async function check(): Promise<ChatStatus> {
  const sb: Ymchat = await startYmchat({ demo: true });
  const client = new MarketChatClient({ baseUrl: sb.url, apiKey: sb.keys.communication, businessId: sb.business });
  const chat: Chat = await client.getChat(5000001);
  // @ts-expect-error chatId is a number: the types are real, not any
  await client.getChat('5000001');
  createReceiver({ onChatCreated: (n: ChatCreatedNotification) => void n.chatId.toFixed() });
  await sb.close();
  return chat.status;
}
`;

// Packaging does not depend on the database: the SQLite pass checks it, the PostgreSQL pass skips.
const pgPass = process.env.YMCHAT_TEST_DIALECT === 'postgres';
if (pgPass) console.log('[skip] packed entry points test: packaging is checked in the SQLite pass');

describe.skipIf(pgPass)('the npm package', () => {
  let built = false;
  let dir = '';
  beforeAll(() => {
    built = ensureBuilt();
    dir = tempDir('ymchat-pack-');
  }, 180_000);
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exposes ymchat/testing, ymchat/client and ymchat/receiver with their types once installed', (ctx) => {
    if (!built) return ctx.skip();
    const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as { filename: string }[];
    const tarball = path.join(dir, packed[0].filename);
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);

    const installed = path.join(app, 'node_modules', 'ymchat');
    for (const entry of ENTRY_POINTS) {
      expect(fs.existsSync(path.join(installed, 'dist', entry, 'index.d.ts')), `${entry}/index.d.ts`).toBe(true);
      expect(fs.existsSync(path.join(installed, 'dist', entry, 'index.js')), `${entry}/index.js`).toBe(true);
    }

    fs.writeFileSync(path.join(app, 'check.mjs'), CHECK);
    const out = run(process.execPath, ['check.mjs'], app, 60_000);
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toEqual({ got: [expect.any(Number)], type: 'DIRECT', error: 404 });

    fs.writeFileSync(path.join(app, 'check.ts'), TYPES);
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeRoots = path.join(ROOT, 'node_modules', '@types');
    run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', typeRoots, 'check.ts'], app, 120_000);
  }, 400_000);
});
