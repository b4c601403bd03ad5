import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../../helpers/demo.js';
import { multipartBody } from '../../helpers/multipart.js';

const url = (chatId: number | string = DEMO.chats.order) => `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}`;

/** Everything a failed call must leave alone. */
async function snapshot(t: TestApp) {
  const db = t.services.storage.db;
  return {
    messages: await db.selectFrom('messages').selectAll().orderBy('id').execute(),
    chats: await db.selectFrom('chats').selectAll().orderBy('id').execute(),
    events: await db.selectFrom('events').selectAll().orderBy('id').execute(),
  };
}

describe('sendMessageToChat: each bad request gets its message, is counted, and stores nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { notifyPartnerMessages: true } });
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  const json = (payload: unknown, chatId?: number | string): InjectOptions => ({
    method: 'POST',
    url: url(chatId),
    headers: { ...apiKey(), 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const long = 'ж'.repeat(4097);

  const cases: [string, InjectOptions, number, string, string][] = [
    ['no chatId', { method: 'POST', url: `/v2/businesses/${BIZ}/chats/message`, headers: apiKey(), payload: { message: 'x' } }, 400, 'BAD_REQUEST', "Required request parameter 'chatId' is not present"],
    ['chatId not a number', json({ message: 'x' }, 'abc'), 400, 'BAD_REQUEST', "Type mismatch: 'abc'"],
    ['chatId 0', json({ message: 'x' }, 0), 400, 'BAD_REQUEST', "'chatId' must be greater than or equal to '1' (rejected value: '0')"],
    ['empty body', json(''), 400, 'BAD_REQUEST', 'Required request body is missing'],
    ['no body and no Content-Type', { method: 'POST', url: url(), headers: apiKey() }, 400, 'BAD_REQUEST', 'Required request body is missing'],
    ['JSON null', json('null'), 400, 'BAD_REQUEST', 'Required request body is missing'],
    ['malformed JSON', json('{"message":'), 400, 'BAD_REQUEST', 'Unexpected end of content'],
    ['no message', json({}), 400, 'BAD_REQUEST', "'message' must not be null (rejected value: null)"],
    ['message null', json({ message: null }), 400, 'BAD_REQUEST', "'message' must not be null (rejected value: null)"],
    ['message empty', json({ message: '' }), 400, 'BAD_REQUEST', "'message' size must be between '1' and '4096' (rejected value: '')"],
    ['message of 4097 characters', json({ message: long }), 400, 'BAD_REQUEST', `'message' size must be between '1' and '4096' (rejected value: '${long}')`],
    ['message not a string', json({ message: 42 }), 400, 'BAD_REQUEST', "Illegal input at 'message'"],
    ['body an array', json([{ message: 'x' }]), 400, 'BAD_REQUEST', "Illegal input at '$'"],
    [
      'body over 512 KB',
      json({ message: 'x', pad: 'p'.repeat(512 * 1024) }),
      400,
      'BAD_REQUEST',
      'The request is too big: more than 524288 bytes',
    ],
    ['text/plain', { ...json({ message: 'x' }), headers: { ...apiKey(), 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE', "Content type 'text/plain' not supported"],
    [
      'multipart',
      {
        method: 'POST',
        url: url(),
        headers: { ...apiKey(), 'content-type': 'multipart/form-data; boundary=b1' },
        payload: multipartBody([{ name: 'message', data: 'x' }], 'b1'),
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      "Content type 'multipart/form-data; boundary=b1' not supported",
    ],
    ['unknown chat', json({ message: 'x' }, 999), 404, 'NOT_FOUND', "Can't find chat by id: '999'"],
    ["another business's chat", json({ message: 'x' }, 5000007), 404, 'NOT_FOUND', "Can't find chat by id: '5000007'"],
    ['chat id beyond 2^53', json({ message: 'x' }, '9007199254740993'), 404, 'NOT_FOUND', "Can't find chat by id: '9007199254740993'"],
    ['FINISHED chat', json({ message: 'x' }, DEMO.chats.directFinished), 400, 'BAD_REQUEST', `Chat '${DEMO.chats.directFinished}' is finished`],
  ];

  for (const [name, request, status, code, message] of cases) {
    it(`${status} for ${name}`, async () => {
      const before = await snapshot(t);
      const res = await t.app.inject(request);
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual(errorBody(code, message));
      // Client errors consume quota on Market.
      expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
      expect(await snapshot(t)).toEqual(before);
    });
  }

  it('a FINISHED chat stays FINISHED with its old updatedAt', async () => {
    await t.app.inject(json({ message: 'x' }, DEMO.chats.directFinished));
    const chat = await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.directFinished}`, headers: apiKey() });
    expect(chat.json().result.status).toBe('FINISHED');
    expect(chat.json().result.updatedAt).toBe('2026-11-19T11:20:00+03:00');
  });
});
