import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../../helpers/demo.js';

const URL = `/v2/businesses/${BIZ}/chats/history`;
const bad = (message: string) => errorBody('BAD_REQUEST', message);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('getChatHistory: bad input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  const post = (query: string, payload = '{}', contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: `${URL}${query}`, headers: { ...apiKey(), 'content-type': contentType }, payload });
  const chat = `?chatId=${DEMO.chats.order}`;

  describe('unknown chats', () => {
    const cases: [string, string, string][] = [
      ['no such chat', '?chatId=999', "Can't find chat by id: '999'"],
      ["another business's chat", '?chatId=5000007', "Can't find chat by id: '5000007'"],
      ['a chat id beyond 2^53 keeps its digits', '?chatId=9223372036854775807', "Can't find chat by id: '9223372036854775807'"],
    ];
    for (const [name, query, message] of cases) {
      it(name, async () => {
        const res = await post(query);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual(errorBody('NOT_FOUND', message));
      });
    }
  });

  describe('query parameters', () => {
    const cases: [string, string, string][] = [
      ['no chatId', '', "Required request parameter 'chatId' is not present"],
      ['empty chatId', '?chatId=', "Required request parameter 'chatId' is not present"],
      ['chatId 0', '?chatId=0', "'chatId' must be greater than or equal to '1' (rejected value: '0')"],
      ['chatId not a number', '?chatId=abc', "Type mismatch: 'abc'"],
      ['chatId beyond int64', '?chatId=9223372036854775808', "Type mismatch: '9223372036854775808'"],
      ['limit 0', `${chat}&limit=0`, "'limit' must be greater than or equal to '1' (rejected value: '0')"],
      ['limit over 100', `${chat}&limit=101`, "Parameter limit must be less than or equal to '100' (rejected value: '101')"],
      ['limit not a number', `${chat}&limit=all`, "Type mismatch: 'all'"],
      ['page token that is not base64', `${chat}&pageToken=!!`, 'Bad page token'],
      ['page token of another shape', `${chat}&pageToken=${b64('{"messageId":3}')}`, 'Bad page token'],
      ['page token with a zero id', `${chat}&pageToken=${b64('{"nextId":0}')}`, 'Bad page token'],
      ['bad token under the page_token alias', `${chat}&page_token=${b64('[1]')}`, 'Bad page token'],
      ['a bad token is refused before the chat is looked up', `?chatId=999&pageToken=xyz!`, 'Bad page token'],
    ];
    for (const [name, query, message] of cases) {
      it(name, async () => {
        const res = await post(query);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual(bad(message));
      });
    }
  });

  describe('body', () => {
    const cases: [string, string, string][] = [
      ['messageIdFrom 0', '{"messageIdFrom":0}', "'messageIdFrom' must be greater than or equal to '1' (rejected value: '0')"],
      ['negative messageIdFrom', '{"messageIdFrom":-1}', "'messageIdFrom' must be greater than or equal to '1' (rejected value: '-1')"],
      ['messageIdFrom as a string', '{"messageIdFrom":"3"}', "Illegal input at 'messageIdFrom'"],
      ['fractional messageIdFrom', '{"messageIdFrom":2.5}', "Illegal input at 'messageIdFrom'"],
      ['messageIdFrom beyond int64', '{"messageIdFrom":1e20}', "Illegal input at 'messageIdFrom'"],
      ['a body that is not an object', '"from 3"', "Illegal input at '$'"],
      ['JSON null', 'null', 'Required request body is missing'],
      ['an empty JSON body', '', 'Required request body is missing'],
      ['malformed JSON', '{"messageIdFrom":}', "JSON: Unexpected character ('}' (code 125)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"],
    ];
    for (const [name, payload, message] of cases) {
      it(name, async () => {
        const res = await post(chat, payload);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual(bad(message));
      });
    }

    it('no body at all', async () => {
      const res = await t.app.inject({ method: 'POST', url: `${URL}${chat}`, headers: apiKey() });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('Required request body is missing'));
    });

    it('a content type other than JSON is 415', async () => {
      const res = await post(chat, '<from>3</from>', 'application/xml');
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual(errorBody('UNSUPPORTED_MEDIA_TYPE', "Content type 'application/xml' not supported"));
    });

    it('a body over 512 KB', async () => {
      const res = await post(chat, JSON.stringify({ messageIdFrom: 1, pad: 'x'.repeat(530_000) }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('The request is too big: more than 524288 bytes'));
    });
  });

  it('400 and 404 answers consume the hourly quota', async () => {
    const first = await post(chat, '{"messageIdFrom":0}');
    expect(first.headers['x-ratelimit-resource-limit']).toBe('10000');
    expect(first.headers['x-ratelimit-resource-remaining']).toBe('9999');
    const notFound = await post('?chatId=999');
    expect(notFound.statusCode).toBe(404);
    expect(notFound.headers['x-ratelimit-resource-remaining']).toBe('9998');
    const ok = await post(chat);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-ratelimit-resource-remaining']).toBe('9997');
  });
});
