import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

const ROOT = path.resolve('.');
const ENTRY_POINTS = ['testing', 'client', 'receiver'] as const;
/** What `npm pack` needs to build the package: its sources and build script, not dist/. */
const STAGED = ['package.json', 'README.md', 'tsconfig.json', 'scripts', 'src', 'console'];

/** The environment without npm's per-run settings, so the nested npm works on its own folder. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  // This Node.js first, so npm and the bin run on the version under test (24, or 22 in CI).
  return { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, ...extra };
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
if (pgPass) console.log('[skip] pack-and-install tests: packaging is checked in the SQLite pass');

// What `npx ymchat serve --demo` and `import 'ymchat/testing'` get once published: `npm pack` as a
// publisher runs it (its `prepack` does the full tsc build, declarations included), in a copy of the
// sources so this suite's own dist/ is never rebuilt under running tests; the tarball installed
// into an empty folder with no repository around it.
describe.skipIf(pgPass)('the npm package, packed and installed into an empty folder', () => {
  const dir = tempDir('ymchat-pack-');
  const app = path.join(dir, 'app');
  let files: string[] = [];
  let server: ServerProcess | null = null;

  beforeAll(() => {
    const stage = path.join(dir, 'stage');
    fs.mkdirSync(stage);
    for (const entry of STAGED) fs.cpSync(path.join(ROOT, entry), path.join(stage, entry), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], stage)) as { filename: string; files: { path: string }[] }[];
    files = packed[0].files.map((f) => f.path);
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const r = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', path.join(dir, packed[0].filename)], {
      cwd: app,
      env: cleanEnv({ npm_config_build_from_source: '' }),
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (r.status !== 0) throw new Error(`npm install of the tarball failed (${r.status ?? r.error}):\n${r.stdout}\n${r.stderr}`);
  }, 400_000);

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the build and the console, not the sources or tests', () => {
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('console/index.html');
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
  });

  it('installs without a compiler and its ymchat command serves the demo', { timeout: 60_000 }, async () => {
    // No native build happened: the SQLite driver runs from the prebuilt binary it ships.
    expect(fs.existsSync(path.join(app, 'node_modules/better-sqlite3/build'))).toBe(false);
    const bin = path.join(app, 'node_modules', '.bin', 'ymchat');
    expect(fs.existsSync(bin)).toBe(true);
    // The bin itself (its `#!/usr/bin/env node` line), with this Node.js first on PATH.
    server = await spawnServer(['--demo', '--data-dir', path.join(dir, 'data')], { PATH: cleanEnv().PATH! }, [bin]);
    const res = await fetch(`${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`, {
      headers: { 'Api-Key': DEMO.keys.communication },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).result.chatId).toBe(DEMO.chats.order);
  });

  it('exposes ymchat/testing, ymchat/client and ymchat/receiver with their types', { timeout: 200_000 }, () => {
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
  });
});
