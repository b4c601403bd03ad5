import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { CLI, spawnServer, type ServerProcess } from '../helpers/process.js';

const built = fs.existsSync(CLI);
if (!built) console.log('[skip] CLI requests tests: dist/ is not built (npm test builds it)');

const clean = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('YMCHAT_')));

function ymchat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: clean(), timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!built)('ymchat requests: the request inspector from a terminal', () => {
  const dir = tempDir();
  let server: ServerProcess;
  let conn: string[];
  const chat = (key: string) =>
    fetch(`${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`, { headers: { 'Api-Key': key } });

  beforeAll(async () => {
    server = await spawnServer(['--demo', '--data-dir', dir, '--inspector-limit', '3']);
    conn = ['--url', server.url, '--data-dir', dir];
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the server console URL at start', () => {
    expect(server.output()).toContain(`Console: ${server.url}/console`);
  });

  it('lists calls with filters, keeping only the configured number per business', async () => {
    for (let i = 0; i < 4; i++) expect((await chat(DEMO.keys.communication)).status).toBe(200);
    expect((await chat(DEMO.keys.pricingOnly)).status).toBe(403);
    const all = await ymchat(['requests', ...conn]);
    expect(all.stderr).toBe('');
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME \(UTC\)\s+STATUS\s+OPERATION/);
    expect(lines).toHaveLength(1 + 3);
    expect(lines[3]).toContain('403');
    expect(lines[3]).toContain('FORBIDDEN: Token does not have any of the scopes to access the API method');
    const failing = JSON.parse((await ymchat(['requests', '--status', '4xx', '--json', ...conn])).stdout);
    expect(failing.requests).toHaveLength(1);
    expect(failing.requests[0]).toMatchObject({ status: 403, keyName: 'demo-pricing-only', chatId: DEMO.chats.order });
    const bad = await ymchat(['requests', '--status', 'oops', ...conn]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected a class such as 4xx');
  });

  it('--follow prints new calls as they arrive', async () => {
    const child = spawn(process.execPath, [CLI, 'requests', '--follow', '--operation', 'getChat', '--limit', '1', ...conn], { env: clean() });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const seen = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only got:\n${out}`)), 10_000);
        const check = () => {
          if (out.trim().split('\n').length >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    try {
      await seen(2);
      expect((await chat(DEMO.keys.readOnly)).status).toBe(200);
      await seen(3);
      expect(out.trim().split('\n')[2]).toContain('demo-read-only');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
