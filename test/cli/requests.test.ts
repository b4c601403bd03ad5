import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO } from '../helpers/demo.js';
import { CLI, demoServerProcess, runCli } from '../helpers/process.js';

const built = fs.existsSync(CLI);
if (!built) console.log('[skip] CLI requests tests: dist/ is not built (npm test builds it)');

const clean = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('YMCHAT_')));
const ymchat = (args: string[]) => runCli(args);

describe.skipIf(!built)('ymchat requests: the request inspector from a terminal', () => {
  const demo = demoServerProcess(['--inspector-limit', '3']);
  const chat = (key: string) =>
    fetch(`${demo.server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`, { headers: { 'Api-Key': key } });


  it('prints the server console URL at start', () => {
    expect(demo.server.output()).toContain(`Console: ${demo.server.url}/console`);
  });

  it('lists calls with filters, keeping only the configured number per business', async () => {
    for (let i = 0; i < 4; i++) expect((await chat(DEMO.keys.communication)).status).toBe(200);
    expect((await chat(DEMO.keys.pricingOnly)).status).toBe(403);
    const all = await ymchat(['requests', ...demo.conn]);
    expect(all.stderr).toBe('');
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME \(UTC\)\s+STATUS\s+OPERATION/);
    expect(lines).toHaveLength(1 + 3);
    expect(lines[3]).toContain('403');
    expect(lines[3]).toContain('FORBIDDEN: Token does not have any of the scopes to access the API method');
    const failing = JSON.parse((await ymchat(['requests', '--status', '4xx', '--json', ...demo.conn])).stdout);
    expect(failing.requests).toHaveLength(1);
    expect(failing.requests[0]).toMatchObject({ status: 403, keyName: 'demo-pricing-only', chatId: DEMO.chats.order });
    const bad = await ymchat(['requests', '--status', 'oops', ...demo.conn]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected a class such as 4xx');
  });

  it('--follow prints new calls as they arrive', async () => {
    const child = spawn(process.execPath, [CLI, 'requests', '--follow', '--operation', 'getChat', '--limit', '1', ...demo.conn], { env: clean() });
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
