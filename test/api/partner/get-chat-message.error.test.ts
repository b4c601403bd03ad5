import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../../helpers/demo.js';

describe('getChatMessage: errors, each with its exact body and counted against the quota', () => {
  let t: TestApp;
  let orderMessage: number;
  let directMessage: number;
  let otherBusinessMessage: number;
  beforeAll(async () => {
    t = await buildTestApp();
    const db = t.services.storage.db;
    const first = (chatId: number) =>
      db.selectFrom('messages').select('id').where('chat_id', '=', chatId).orderBy('id').executeTakeFirstOrThrow();
    orderMessage = (await first(DEMO.chats.order)).id;
    directMessage = (await first(DEMO.chats.direct)).id;
    otherBusinessMessage = (await first(5000007)).id;
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  const query = (q: string) => ({ method: 'GET' as const, url: `/v2/businesses/${BIZ}/chats/message?${q}`, headers: apiKey() });

  const cases: [string, () => string, number, string, () => string][] = [
    ['no parameters', () => '', 400, 'BAD_REQUEST', () => "Required request parameter 'chatId' is not present"],
    ['no messageId', () => `chatId=${DEMO.chats.order}`, 400, 'BAD_REQUEST', () => "Required request parameter 'messageId' is not present"],
    ['messageId not a number', () => `chatId=${DEMO.chats.order}&messageId=1.5`, 400, 'BAD_REQUEST', () => "Type mismatch: '1.5'"],
    ['messageId 0', () => `chatId=${DEMO.chats.order}&messageId=0`, 400, 'BAD_REQUEST', () => "'messageId' must be greater than or equal to '1' (rejected value: '0')"],
    ['messageId beyond int64', () => `chatId=${DEMO.chats.order}&messageId=9223372036854775808`, 400, 'BAD_REQUEST', () => "Type mismatch: '9223372036854775808'"],
    ['unknown chat', () => `chatId=999&messageId=${orderMessage}`, 404, 'NOT_FOUND', () => "Can't find chat by id: '999'"],
    ["another business's chat", () => `chatId=5000007&messageId=${otherBusinessMessage}`, 404, 'NOT_FOUND', () => "Can't find chat by id: '5000007'"],
    ['unknown message', () => `chatId=${DEMO.chats.order}&messageId=999999`, 404, 'NOT_FOUND', () => `Can't find message by id: '999999' for chat '${DEMO.chats.order}'`],
    [
      'a message of another chat',
      () => `chatId=${DEMO.chats.order}&messageId=${directMessage}`,
      404,
      'NOT_FOUND',
      () => `Can't find message by id: '${directMessage}' for chat '${DEMO.chats.order}'`,
    ],
    [
      'message id beyond 2^53 (digits kept)',
      () => `chatId=${DEMO.chats.order}&messageId=9007199254740993`,
      404,
      'NOT_FOUND',
      () => `Can't find message by id: '9007199254740993' for chat '${DEMO.chats.order}'`,
    ],
  ];

  for (const [name, q, status, code, message] of cases) {
    it(`${status} for ${name}`, async () => {
      const res = await t.app.inject(query(q()));
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual(errorBody(code, message()));
      expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
    });
  }
});
