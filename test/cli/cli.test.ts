import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';
import { CLI, runCli, spawnServer, type ServerProcess } from '../helpers/process.js';

const built = fs.existsSync(CLI);
if (!built) console.log('[skip] CLI tests: dist/ is not built (npm test builds it)');

const ymchat = runCli;

describe.skipIf(!built)('ymchat CLI over a running server', () => {
  const dir = tempDir();
  let server: ServerProcess;
  let conn: string[];
  const cli = (...args: string[]) => ymchat([...args, ...conn]);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.code, args.join(' ')).toBe(0);
    return r.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await ok(...args, '--json'));

  beforeAll(async () => {
    server = await spawnServer(['--demo', '--data-dir', dir]);
    // The token is found in the data folder, as on the machine that runs the server.
    conn = ['--url', server.url, '--data-dir', dir];
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has help for every command', async () => {
    const top = await ymchat(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['key', 'chats', 'history', 'send', 'dispute', 'clock', 'export', 'import', 'reset', 'fault', 'quota']) {
      expect(top.stdout).toContain(cmd);
    }
    const send = await ymchat(['send', '--help']);
    expect(send.stdout).toContain('Usage: ymchat send [options] <chatId> <text>');
    expect(send.stdout).toContain('--as <sender>');
    expect(send.stdout).toContain('--json');
    expect((await ymchat(['dispute', 'open', '--help'])).stdout).toContain('WAITING_FOR_ARBITER');
  });

  it('creates a key whose token works on the partner API, and revokes it', async () => {
    const out = await ok('key', 'create', '--business', String(DEMO.businessId), '--name', 'cli key', '--scope', 'communication');
    const token = out.split('\n')[0];
    expect(token).toMatch(/^ACMA:[A-Za-z0-9]{40}:[0-9a-f]{8}$/);
    expect(out).toContain('shown only now');
    const url = `${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`;
    expect((await fetch(url, { headers: { 'Api-Key': token } })).status).toBe(200);

    const keys = await json('key', 'list', '--business', String(DEMO.businessId));
    const mine = keys.keys.find((k: any) => k.name === 'cli key');
    expect(JSON.stringify(keys)).not.toContain(token);
    await ok('key', 'revoke', String(mine.id));
    const revoked = await fetch(url, { headers: { 'Api-Key': token } });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as any).errors[0].message).toBe('Api-Key token is revoked');
  });

  it('a buyer writes, the seller’s queue shows it, history prints, and a dispute opens and closes', async () => {
    const started = await json('direct', '--business', String(DEMO.businessId), '--buyer', '6000001', '--subject', 'Lamp L2', 'Is the bulb included?');
    const chatId = String(started.chat.chatId);
    expect(started.chat.status).toBe('WAITING_FOR_PARTNER');

    const table = await ok('chats', '--business', String(DEMO.businessId), '--status', 'WAITING_FOR_PARTNER');
    expect(table.split('\n')[0]).toMatch(/^CHAT\s+STATUS\s+TYPE\s+CONTEXT\s+CUSTOMER\s+UPDATED$/);
    expect(table).toMatch(new RegExp(`^${chatId}\\s+WAITING_FOR_PARTNER\\s+CHAT\\s+DIRECT Lamp L2\\s+Anna K\\.`, 'm'));

    expect(await ok('send', chatId, 'Also: is there a warranty?')).toMatch(/^message \d+ sent; chat \d+ \(business 1000001, DIRECT Lamp L2\): CHAT WAITING_FOR_PARTNER$/m);
    const photo = path.join(dir, 'photo.jpg');
    fs.writeFileSync(photo, 'JPEGDATA');
    expect(await ok('send-file', chatId, photo)).toMatch(/^file sent as message \d+; /);
    const history = await ok('history', chatId);
    expect(history).toMatch(/CUSTOMER: Is the bulb included\?/);
    expect(history).toMatch(/CUSTOMER: Also: is there a warranty\?/);
    const link = /^ {4}file photo\.jpg \(8 bytes\) (http\S+)$/m.exec(history);
    expect(link).not.toBeNull();
    expect(await (await fetch(link![1])).text()).toBe('JPEGDATA');

    const order = String(DEMO.chats.order);
    expect(await ok('dispute', 'open', order)).toContain('ARBITRAGE WAITING_FOR_ARBITER');
    expect(await ok('send', order, 'The arbiter is looking into it', '--as', 'arbiter')).toContain('WAITING_FOR_ARBITER');
    expect(await ok('dispute', 'close', order)).toContain('ARBITRAGE FINISHED');
  });

  it('fails with one line and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['history', '424242'], /^ymchat: Chat not found: '424242' \(HTTP 404\)\n$/],
      [['send', String(DEMO.chats.directFinished), 'hello?'], new RegExp(`^ymchat: Chat '${DEMO.chats.directFinished}' is finished \\(HTTP 409\\)\\n$`)],
      [['dispute', 'close', String(DEMO.chats.direct)], /^ymchat: Chat '\d+' has no open dispute \(HTTP 409\)\n$/],
      [['key', 'create', '--business', String(DEMO.businessId), '--name', 'x', '--scope', 'chat'], /^ymchat: Unknown scope 'chat': expected one of .* \(HTTP 400\)\n$/],
      [['chats', '--business', 'abc'], /^ymchat: option '-b, --business <id>' argument 'abc' is invalid\. business id must be a positive whole number\n$/],
      [['chats'], /^ymchat: required option '-b, --business <id>' not specified\n$/],
      [['clock', 'advance', 'soon'], /^ymchat: 'by' must be a duration such as \+1h, 30m, 2d, 90s or 1500ms, got 'soon' \(HTTP 400\)\n$/],
      [['import', path.join(dir, 'missing.json')], /^ymchat: cannot read .*missing\.json: ENOENT\n$/],
    ];
    for (const [args, stderr] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(stderr);
      expect(r.stdout).toBe('');
    }
  });

  it('says so when the server is not there or the token is missing', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const down = await ymchat(['clock', '--url', `http://127.0.0.1:${port}`, '--admin-token', 'x']);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`ymchat: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): is 'ymchat serve' running there?\n`);
    const empty = tempDir();
    const noToken = await ymchat(['clock', '--url', server.url, '--data-dir', empty]);
    expect(noToken.stderr).toMatch(/^ymchat: no admin token: pass --admin-token or set YMCHAT_ADMIN_TOKEN/);
    const wrong = await ymchat(['clock', '--url', server.url], { YMCHAT_ADMIN_TOKEN: 'wrong' });
    expect(wrong.stderr).toBe('ymchat: Admin token is invalid (HTTP 403)\n');
    fs.rmSync(empty, { recursive: true, force: true });
  });

  it('moves the clock; the server keeps it across a restart', async () => {
    expect(await ok('clock', 'freeze', '2026-11-21T10:00:00+03:00')).toBe('2026-11-21T07:00:00.000Z (virtual, frozen)\n');
    const moved = await json('clock', 'advance', '+1h');
    expect(moved).toMatchObject({ mode: 'virtual', frozen: true, now: '2026-11-21T08:00:00.000Z' });
    await server.stop();
    server = await spawnServer(['--data-dir', dir]);
    conn = ['--url', server.url, '--data-dir', dir];
    expect(await ok('clock')).toBe('2026-11-21T08:00:00.000Z (virtual, frozen)\n');
  });

  it('injects a fault and shows quotas', async () => {
    const fault = await json('fault', 'add', '--business', String(DEMO.businessId), '--method', 'getChat', '--kind', '500');
    expect(fault).toMatchObject({ method: 'getChat', kind: '500', count: 1 });
    const url = `${server.url}/v2/businesses/${DEMO.businessId}/chat?chatId=${DEMO.chats.order}`;
    const headers = { 'Api-Key': DEMO.keys.communication };
    expect((await fetch(url, { headers })).status).toBe(500);
    expect((await fetch(url, { headers })).status).toBe(200);
    expect(await ok('quota', '--business', String(DEMO.businessId), '--method', 'getChat')).toMatch(/^getChat\s+1\s+1000\s+999$/m);
    expect(await ok('fault', 'list')).toBe('(none)\n');
  });

  it('exports, resets and imports the sandbox', async () => {
    const file = path.join(dir, 'state.json');
    expect(await ok('export', file)).toMatch(/^exported to .*state\.json: 2 businesses, \d+ chats, \d+ messages\n$/);
    const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(exported.version).toBe(1);

    expect(await ok('reset')).toBe('sandbox emptied\n');
    expect(await ok('business', 'list')).toBe('(none)\n');
    expect(await ok('import', file)).toMatch(/^imported 2 businesses, 3 campaigns, /);
    expect(await json('export')).toMatchObject({ chats: exported.chats, messages: exported.messages });
    expect(await ok('reset', '--demo')).toBe('sandbox reset to the demo data\n');
  });
});

describe.skipIf(!built)('ymchat serve --fixtures', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts from the fixture file, replacing what was stored', async () => {
    const file = path.join(dir, 'fixtures.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        businesses: [{ id: 42, name: 'Fixture Shop' }],
        campaigns: [{ id: 43, businessId: 42, placementModel: 'DBS' }],
        buyers: [{ id: 44, name: 'Petr' }],
        chats: [{ id: 45, contextType: 'DIRECT', businessId: 42, buyerId: 44, subject: 'Kettle', status: 'WAITING_FOR_PARTNER' }],
        messages: [{ id: 46, chatId: 45, sender: 'CUSTOMER', text: 'Is it 2 litres?' }],
      }),
    );
    const server = await spawnServer(['--data-dir', dir, '--demo', '--fixtures', file]);
    try {
      const out = await ymchat(['chats', '--business', '42', '--url', server.url, '--data-dir', dir]);
      expect(out.stdout).toMatch(/^45\s+WAITING_FOR_PARTNER\s+CHAT\s+DIRECT Kettle\s+Petr/m);
      const businesses = await ymchat(['business', 'list', '--json', '--url', server.url, '--data-dir', dir]);
      expect(JSON.parse(businesses.stdout).businesses.map((b: any) => b.id)).toEqual([42]);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start on a malformed fixture file, naming the bad field', async () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, businesses: [{ id: 1, name: 'B' }], campaigns: [{ id: 2, businessId: 1, placementModel: 'FBX' }] }));
    const r = await ymchat(['serve', '--port', '0', '--data-dir', dir, '--fixtures', file, '--log-level', 'warn']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ymchat: fixtures ${file}: Invalid state file at 'campaigns[0].placementModel' must be one of FBS, FBY, DBS, EXPRESS (got 'FBX')\n`);
  });
});
