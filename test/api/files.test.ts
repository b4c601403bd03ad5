import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createServices } from '../../src/services.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../helpers/demo.js';
import { multipartRequest, type Part } from '../helpers/multipart.js';

/** Uploads one file into the demo order chat and returns its payload entry. */
async function send(t: TestApp, part: Omit<Part, 'name'>): Promise<{ name: string; url: string; size: number }> {
  const res = await t.app.inject(
    multipartRequest(`/v2/businesses/${BIZ}/chats/file/send?chatId=${DEMO.chats.order}`, [{ name: 'file', ...part }], apiKey()),
  );
  expect(res.statusCode).toBe(200);
  const row = await t.services.storage.db
    .selectFrom('messages')
    .select('id')
    .where('chat_id', '=', DEMO.chats.order)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const msg = await t.app.inject({
    method: 'GET',
    url: `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}&messageId=${row.id}`,
    headers: apiKey(),
  });
  return msg.json().result.payload[0];
}

const path = (url: string) => new URL(url).pathname;

describe('GET /files/{fileId}/{token}/{name}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('serves the bytes publicly (no credentials), with the type and an inline disposition for images', async () => {
    const data = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3]);
    const entry = await send(t, { filename: 'фото.jpg', contentType: 'image/jpeg', data });
    const res = await t.app.inject({ method: 'GET', url: path(entry.url) });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(data)).toBe(true);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['content-length']).toBe(String(data.length));
    expect(res.headers['content-disposition']).toBe(`inline; filename="____.jpg"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.jpg`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('answers HEAD with the headers and no body', async () => {
    const entry = await send(t, { filename: 'h.png', contentType: 'image/png', data: Buffer.from('png!') });
    const res = await t.app.inject({ method: 'HEAD', url: path(entry.url) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.body).toBe('');
  });

  it('downloads rather than renders anything a browser could run (HTML, SVG), still sandboxed', async () => {
    for (const [filename, contentType] of [
      ['page.html', 'text/html'],
      ['pic.svg', 'image/svg+xml'],
    ]) {
      const entry = await send(t, { filename, contentType, data: '<script>alert(1)</script>' });
      const res = await t.app.inject({ method: 'GET', url: path(entry.url) });
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${filename}"; filename*=UTF-8''${filename}`);
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    }
  });

  it('gives text a UTF-8 charset', async () => {
    const entry = await send(t, { filename: 'note.txt', contentType: 'text/plain', data: 'Привет' });
    const res = await t.app.inject({ method: 'GET', url: path(entry.url) });
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('Привет');
  });

  it('types a file the uploader left vague by its extension', async () => {
    const cases: [Omit<Part, 'name'>, string][] = [
      // A part without Content-Type is text/plain by the multipart rules.
      [{ filename: 'scan.png', data: 'x' }, 'image/png'],
      [{ filename: 'act.PDF', contentType: 'application/octet-stream', data: 'x' }, 'application/pdf'],
      [{ filename: 'blob.xyz', contentType: 'application/octet-stream', data: 'x' }, 'application/octet-stream'],
      [{ filename: 'photo.heic', contentType: 'image/heic', data: 'x' }, 'image/heic'],
      [{ filename: 'table.xlsx', contentType: 'application/zip', data: 'x' }, 'application/zip'],
    ];
    for (const [part, type] of cases) {
      const entry = await send(t, part);
      const res = await t.app.inject({ method: 'GET', url: path(entry.url) });
      expect(res.headers['content-type'], part.filename).toBe(type);
    }
  });

  it('cuts a name over 255 UTF-8 bytes, keeping the extension, and its link still works and stays under 2,000 characters', async () => {
    const long = `${'ё'.repeat(300)}.docx`;
    const entry = await send(t, { filename: long, contentType: 'application/octet-stream', data: 'doc' });
    expect(entry.name).toBe(`${'ё'.repeat(125)}.docx`);
    expect(Buffer.byteLength(entry.name)).toBeLessThanOrEqual(255);
    expect(entry.url.length).toBeLessThanOrEqual(2000);
    const res = await t.app.inject({ method: 'GET', url: path(entry.url) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  });

  it('names a file without a usable name `file`', async () => {
    const entry = await send(t, { filename: '', contentType: 'image/png', data: 'x' });
    expect(entry.name).toBe('file');
    expect((await t.app.inject({ method: 'GET', url: path(entry.url) })).statusCode).toBe(200);
  });

  it('the name segment is only for people: the id and token find the file', async () => {
    const entry = await send(t, { filename: 'real.txt', data: 'real' });
    const renamed = path(entry.url).replace(/real\.txt$/, 'anything.bin');
    const res = await t.app.inject({ method: 'GET', url: renamed });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('real');
  });

  it('404 envelope for an unknown id, a wrong token, a malformed id or a missing name segment', async () => {
    const entry = await send(t, { filename: 'secret.txt', data: 'secret' });
    const [, , id, token] = path(entry.url).split('/');
    const wrongToken = token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    for (const url of [
      `/files/999999/${token}/secret.txt`,
      `/files/${id}/${wrongToken}/secret.txt`,
      `/files/abc/${token}/secret.txt`,
      `/files/${id}/${token}`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual(errorBody('NOT_FOUND', 'Resource not found'));
    }
  });
});

describe('stored files are durable', () => {
  it('are served by a new app over the reopened database', async () => {
    const t = await buildTestApp();
    try {
      const data = Buffer.from('kept across restarts');
      const entry = await send(t, { filename: 'kept.txt', data });
      await t.app.close();
      const storage = await t.db.reopen();
      const app = await buildApp(createServices(t.config, storage, t.clock));
      try {
        const res = await app.inject({ method: 'GET', url: path(entry.url) });
        expect(res.statusCode).toBe(200);
        expect(res.rawPayload.equals(data)).toBe(true);
      } finally {
        await app.close();
      }
    } finally {
      await t.db.dispose();
    }
  });
});
