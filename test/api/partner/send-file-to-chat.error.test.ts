import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../../helpers/demo.js';
import { BOUNDARY, multipartBody, multipartRequest, type Part } from '../../helpers/multipart.js';

const url = (chatId: number | string = DEMO.chats.order) => `/v2/businesses/${BIZ}/chats/file/send?chatId=${chatId}`;
const FILE: Part = { name: 'file', filename: 'a.txt', contentType: 'text/plain', data: 'hello' };
const parts = (p: Part[], chatId?: number | string) => multipartRequest(url(chatId), p, apiKey());

async function snapshot(t: TestApp) {
  const db = t.services.storage.db;
  return {
    messages: await db.selectFrom('messages').selectAll().orderBy('id').execute(),
    files: await db.selectFrom('files').select(['id', 'message_id', 'name', 'size']).orderBy('id').execute(),
    chats: await db.selectFrom('chats').selectAll().orderBy('id').execute(),
    events: await db.selectFrom('events').selectAll().orderBy('id').execute(),
  };
}

describe('sendFileToChat: each bad request gets its message, is counted, and stores nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { notifyPartnerMessages: true } });
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  const tooBig = 5 * 1024 * 1024 + 1;
  const cases: [string, InjectOptions, number, string, string][] = [
    ['no chatId', multipartRequest(`/v2/businesses/${BIZ}/chats/file/send`, [FILE], apiKey()), 400, 'BAD_REQUEST', "Required request parameter 'chatId' is not present"],
    ['chatId not a number', parts([FILE], 'x1'), 400, 'BAD_REQUEST', "Type mismatch: 'x1'"],
    ['no parts at all', parts([]), 400, 'BAD_REQUEST', "Required request part 'file' is not present"],
    ['two file parts', parts([FILE, { ...FILE, filename: 'b.txt' }]), 400, 'BAD_REQUEST', "Request part 'file' is given 2 times; send one file per request"],
    [
      'an empty multipart body',
      { method: 'POST', url: url(), headers: { ...apiKey(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, payload: '' },
      400,
      'BAD_REQUEST',
      "Required request part 'file' is not present",
    ],
    ['the file under another part name', parts([{ ...FILE, name: 'document' }]), 400, 'BAD_REQUEST', "Required request part 'file' is not present"],
    ['`file` as a plain field, not a file', parts([{ name: 'file', data: 'just text' }]), 400, 'BAD_REQUEST', "Required request part 'file' is not present"],
    [
      'a file over 5 MB',
      parts([{ name: 'file', filename: 'big.bin', contentType: 'application/octet-stream', data: Buffer.alloc(tooBig, 7) }]),
      400,
      'BAD_REQUEST',
      `The file is too big: ${tooBig} bytes (maximum 5242880 bytes)`,
    ],
    ['an empty file', parts([{ ...FILE, filename: 'empty.txt', data: '' }]), 400, 'BAD_REQUEST', "File 'empty.txt' is empty"],
    [
      'a JSON body',
      { method: 'POST', url: url(), headers: { ...apiKey(), 'content-type': 'application/json' }, payload: '{"file":"aGVsbG8="}' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      "Content type 'application/json' not supported",
    ],
    [
      'malformed JSON (415 comes first, the body is never read)',
      { method: 'POST', url: url(), headers: { ...apiKey(), 'content-type': 'application/json' }, payload: '{"file":' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      "Content type 'application/json' not supported",
    ],
    ['no Content-Type', { method: 'POST', url: url(), headers: apiKey(), payload: 'raw bytes' }, 415, 'UNSUPPORTED_MEDIA_TYPE', "Content type '' not supported"],
    [
      'a raw image body',
      { method: 'POST', url: url(), headers: { ...apiKey(), 'content-type': 'image/png' }, payload: Buffer.from([1, 2, 3]) },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      "Content type 'image/png' not supported",
    ],
    [
      'multipart without a boundary',
      { method: 'POST', url: url(), headers: { ...apiKey(), 'content-type': 'multipart/form-data' }, payload: multipartBody([FILE]) },
      400,
      'BAD_REQUEST',
      'Failed to parse multipart request: Multipart: Boundary not found',
    ],
    [
      'multipart cut off in the middle of the file',
      {
        method: 'POST',
        url: url(),
        headers: { ...apiKey(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        payload: multipartBody([FILE]).subarray(0, 100),
      },
      400,
      'BAD_REQUEST',
      'Failed to parse multipart request: Unexpected end of multipart data',
    ],
    [
      'too many parts',
      parts(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, data: 'x' }))),
      400,
      'BAD_REQUEST',
      'Too many parts in the multipart request',
    ],
    ['unknown chat', parts([FILE], 999), 404, 'NOT_FOUND', "Can't find chat by id: '999'"],
    ["another business's chat", parts([FILE], 5000007), 404, 'NOT_FOUND', "Can't find chat by id: '5000007'"],
    ['FINISHED chat', parts([FILE], DEMO.chats.directFinished), 400, 'BAD_REQUEST', `Chat '${DEMO.chats.directFinished}' is finished`],
  ];

  for (const [name, request, status, code, message] of cases) {
    it(`${status} for ${name}`, async () => {
      const before = await snapshot(t);
      const res = await t.app.inject(request);
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual(errorBody(code, message));
      expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
      expect(await snapshot(t)).toEqual(before);
    });
  }

  it('the part is checked before the chat: a missing part in an unknown chat is 400, not 404', async () => {
    const res = await t.app.inject(parts([], 999));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorBody('BAD_REQUEST', "Required request part 'file' is not present"));
  });
});
