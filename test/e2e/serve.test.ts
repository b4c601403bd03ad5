import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { CLI, spawnServer, type ServerProcess } from '../helpers/process.js';

const built = fs.existsSync(CLI);
if (!built) console.log('[skip] end-to-end server tests: dist/ is not built (npm test builds it)');

describe.skipIf(!built)('ymchat serve, a real process on a real port', () => {
  const dir = tempDir();
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts with demo data and prints a curl that works as printed', async () => {
    server = await spawnServer(['--demo', '--data-dir', dir]);
    const line = server.output().split('\n').find((l) => l.trim().startsWith('curl '));
    expect(line).toBeDefined();
    const key = /-H 'Api-Key: ([^']+)'/.exec(line!)![1];
    const target = /'(http:\/\/[^']+)'/.exec(line!)![1];
    const res = await fetch(target, { headers: { 'Api-Key': key } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.status).toBe('OK');
    expect(body.result.chatId).toBe(DEMO.chats.order);
    expect(res.headers.get('x-ratelimit-resource-limit')).toBe('1000');
  });

  it('answers 420 with the reason phrase Enhance Your Calm on the wire', async () => {
    const again = await spawnServer(['--data-dir', tempDir(), '--demo', '--limit-overrides', 'getChat=1']);
    try {
      const url = `${again.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`;
      const headers = { 'Api-Key': DEMO.keys.communication };
      expect((await fetch(url, { headers })).status).toBe(200);
      const over = await fetch(url, { headers });
      expect(over.status).toBe(420);
      expect(over.statusText).toBe('Enhance Your Calm');
    } finally {
      await again.stop();
    }
  });

  it('keeps its data across a restart; --reset starts over', async () => {
    await server!.stop();
    // A chat created through the API before the restart must still be there after it.
    server = await spawnServer(['--data-dir', dir]);
    const headers = { 'Api-Key': DEMO.keys.communication };
    const res = await fetch(`${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.return}`, { headers });
    expect(res.status).toBe(200);
    await server.stop();

    server = await spawnServer(['--data-dir', dir, '--reset']);
    const gone = await fetch(`${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.return}`, { headers });
    expect(gone.status).toBe(401);
    await server.stop();

    server = await spawnServer(['--data-dir', dir, '--reset', '--demo']);
    const back = await fetch(`${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.return}`, { headers });
    expect(back.status).toBe(200);
  });

  it('--fixtures starts every run from the same ids', async () => {
    const fixturesDir = tempDir();
    const admin = { 'x-admin-token': 'fixtures-admin' };
    const key = { 'api-key': DEMO.keys.communication, 'content-type': 'application/json' };
    const base = (url: string) => `${url}/v2/businesses/${DEMO.businessId}/chats`;
    const sendAndId = async (url: string) => {
      const sent = await fetch(`${base(url)}/message?chatId=${DEMO.chats.order}`, { method: 'POST', headers: key, body: '{"message":"hi"}' });
      expect(sent.status).toBe(200);
      const history = await fetch(`${base(url)}/history?chatId=${DEMO.chats.order}&limit=100`, { method: 'POST', headers: key, body: '{}' });
      return ((await history.json()) as any).result.messages.at(-1).messageId as number;
    };
    try {
      server = await spawnServer(['--demo', '--data-dir', fixturesDir, '--admin-token', admin['x-admin-token']]);
      const file = `${fixturesDir}/fixture.json`;
      fs.writeFileSync(file, await (await fetch(`${server.url}/_sandbox/state`, { headers: admin })).text());
      const ids = [await sendAndId(server.url)];
      await server.stop();
      for (let run = 0; run < 2; run++) {
        server = await spawnServer(['--fixtures', file, '--data-dir', fixturesDir, '--admin-token', admin['x-admin-token']]);
        ids.push(await sendAndId(server.url));
        await server.stop();
      }
      server = null;
      expect(ids).toEqual([ids[0], ids[0], ids[0]]);
    } finally {
      fs.rmSync(fixturesDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad setting with one line and a non-zero exit', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', 'eighty'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("ymchat: port must be a whole number, got 'eighty'");
  });

  it('refuses a compatibility date that names no real day', async () => {
    const { spawnSync } = await import('node:child_process');
    for (const bad of ['2026-13-45', '2026-02-30', '2026-1-5']) {
      const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--compat-date', bad], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`ymchat: compat date must be a real day as YYYY-MM-DD, got '${bad}'`);
    }
  });
});
