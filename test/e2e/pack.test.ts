import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { CLI, spawnServer, type ServerProcess } from '../helpers/process.js';

const built = fs.existsSync(CLI);
// Packaging does not depend on the database: the SQLite pass checks it, the PostgreSQL pass skips.
const pgPass = process.env.YMCHAT_TEST_DIALECT === 'postgres';
if (!built) console.log('[skip] pack-and-install test: dist/ is not built (npm test builds it)');
else if (pgPass) console.log('[skip] pack-and-install test: packaging is checked in the SQLite pass');

// What `npx ymchat serve --demo` gets once published: the packed tarball installed into a folder
// with no repository around it, run by the Node.js running this suite (24, or 22 in CI's 2nd pass).
describe.skipIf(!built || pgPass)('the npm package, packed and installed into an empty folder', () => {
  const dir = tempDir('ymchat-pack-');
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs without a compiler and its ymchat command serves the demo', { timeout: 240_000 }, async () => {
    const npmEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` };
    // dist/ is already built by `npm test`; --ignore-scripts keeps pack from compiling again.
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { env: npmEnv, encoding: 'utf8' }),
    );
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('console/index.html');
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"consumer","private":true}\n');
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', path.join(dir, packed[0].filename)],
      { cwd: app, env: { ...npmEnv, npm_config_build_from_source: '' }, stdio: 'pipe' },
    );
    // No native build happened: the SQLite driver runs from the prebuilt binary it ships.
    expect(fs.existsSync(path.join(app, 'node_modules/better-sqlite3/build'))).toBe(false);

    const bin = path.join(app, 'node_modules', '.bin', 'ymchat');
    expect(fs.existsSync(bin)).toBe(true);
    // The bin itself (its `#!/usr/bin/env node` line), with this Node.js first on PATH.
    server = await spawnServer(['--demo', '--data-dir', path.join(dir, 'data')], { PATH: npmEnv.PATH! }, [bin]);
    const res = await fetch(`${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`, {
      headers: { 'Api-Key': DEMO.keys.communication },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).result.chatId).toBe(DEMO.chats.order);
  });
});
