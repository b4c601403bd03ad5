import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, errorBody } from '../../helpers/demo.js';

const URL = `/v2/businesses/${BIZ}/chats`;
const bad = (message: string) => errorBody('BAD_REQUEST', message);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('getChats: bad input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());
  beforeEach(async () => t.services.limiter.quota.reset(BIZ));

  const post = (payload: string | undefined, query = '', contentType: string | null = 'application/json') =>
    t.app.inject({
      method: 'POST',
      url: `${URL}${query}`,
      headers: { ...apiKey(), ...(contentType ? { 'content-type': contentType } : {}) },
      ...(payload !== undefined ? { payload } : {}),
    });

  describe('transport', () => {
    it('malformed JSON', async () => {
      const res = await post('{"statuses": [');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('Unexpected end of content'));
    });

    it('a content type other than JSON is 415', async () => {
      const res = await post('statuses=NEW', '', 'application/x-www-form-urlencoded');
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual(errorBody('UNSUPPORTED_MEDIA_TYPE', "Content type 'application/x-www-form-urlencoded' not supported"));
    });

    it('a body over 512 KB', async () => {
      const res = await post(JSON.stringify({ orderIds: Array.from({ length: 70_000 }, (_, i) => 1_000_000 + i) }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('The request is too big: more than 524288 bytes'));
    });

    const missing: [string, string | undefined, string | null][] = [
      ['no body at all', undefined, null],
      ['an empty JSON body', '', 'application/json'],
      ['whitespace only', '  \n', 'application/json'],
      ['JSON null', 'null', 'application/json'],
    ];
    for (const [name, payload, ct] of missing) {
      it(`the body is required: ${name}`, async () => {
        const res = await post(payload, '', ct);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual(bad('Required request body is missing'));
      });
    }

    it('a body that is not an object', async () => {
      const res = await post('[]');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad("Illegal input at '$'"));
    });
  });

  describe('body fields', () => {
    const cases: [string, unknown, string][] = [
      ['unknown status', { statuses: ['OPEN'] }, "Illegal input at 'statuses[0]': unknown value 'OPEN', expected one of: NEW, WAITING_FOR_CUSTOMER, WAITING_FOR_PARTNER, WAITING_FOR_ARBITER, WAITING_FOR_MARKET, FINISHED"],
      ['unknown chat type', { types: ['CHAT', 'DISPUTE'] }, "Illegal input at 'types[1]': unknown value 'DISPUTE', expected one of: CHAT, ARBITRAGE"],
      ['unknown context type', { contextTypes: ['PRODUCT'] }, "Illegal input at 'contextTypes[0]': unknown value 'PRODUCT', expected one of: ORDER, RETURN, DIRECT"],
      ['lower-case enum value', { statuses: ['new'] }, "Illegal input at 'statuses[0]': unknown value 'new', expected one of: NEW, WAITING_FOR_CUSTOMER, WAITING_FOR_PARTNER, WAITING_FOR_ARBITER, WAITING_FOR_MARKET, FINISHED"],
      ['DIRECT is no context to look up', { contexts: [{ type: 'DIRECT', id: 1 }] }, "Illegal input at 'contexts[0].type': unknown value 'DIRECT', expected one of: ORDER, RETURN"],
      ['empty orderIds', { orderIds: [] }, "'orderIds' size must be between '1' and '2147483647' (rejected size: '0')"],
      ['empty contexts', { contexts: [] }, "'contexts' size must be between '1' and '2147483647' (rejected size: '0')"],
      ['empty contextTypes', { contextTypes: [] }, "'contextTypes' size must be between '1' and '2147483647' (rejected size: '0')"],
      ['empty types', { types: [] }, "'types' size must be between '1' and '2147483647' (rejected size: '0')"],
      ['empty statuses', { statuses: [] }, "'statuses' size must be between '1' and '2147483647' (rejected size: '0')"],
      ['duplicate orderIds', { orderIds: [5, 7, 5] }, "'orderIds' must contain unique elements (rejected value: '[5, 7, 5]')"],
      [
        'duplicate contexts (same fields in another order)',
        { contexts: [{ type: 'ORDER', id: 1 }, { id: 1, type: 'ORDER' }] },
        `'contexts' must contain unique elements (rejected value: '[{"type":"ORDER","id":1}, {"id":1,"type":"ORDER"}]')`,
      ],
      ['duplicate contextTypes', { contextTypes: ['ORDER', 'ORDER'] }, "'contextTypes' must contain unique elements (rejected value: '[ORDER, ORDER]')"],
      ['duplicate types', { types: ['CHAT', 'CHAT'] }, "'types' must contain unique elements (rejected value: '[CHAT, CHAT]')"],
      ['duplicate statuses', { statuses: ['NEW', 'FINISHED', 'NEW'] }, "'statuses' must contain unique elements (rejected value: '[NEW, FINISHED, NEW]')"],
      ['context id 0', { contexts: [{ type: 'ORDER', id: 0 }] }, "'contexts[0].id' must be greater than or equal to '1' (rejected value: '0')"],
      ['negative context id', { contexts: [{ type: 'ORDER', id: 1 }, { type: 'RETURN', id: -4 }] }, "'contexts[1].id' must be greater than or equal to '1' (rejected value: '-4')"],
      ['context without id', { contexts: [{ type: 'ORDER' }] }, "'contexts[0].id' must not be null (rejected value: null)"],
      ['context with id null', { contexts: [{ type: 'ORDER', id: null }] }, "'contexts[0].id' must not be null (rejected value: null)"],
      ['context without type', { contexts: [{ id: 3 }] }, "'contexts[0].type' must not be null (rejected value: null)"],
      ['null element', { statuses: ['NEW', null] }, "'statuses' elements must be not null (rejected value: '[NEW, null]')"],
      ['context id as a string', { contexts: [{ type: 'ORDER', id: '3' }] }, "Illegal input at 'contexts[0].id'"],
      ['fractional order id', { orderIds: [1.5] }, "Illegal input at 'orderIds[0]'"],
      ['order id beyond int64', { orderIds: [1e20] }, "Illegal input at 'orderIds[0]'"],
      ['a filter that is not an array', { statuses: 'NEW' }, "Illegal input at 'statuses'"],
    ];
    for (const [name, body, message] of cases) {
      it(name, async () => {
        const res = await post(JSON.stringify(body));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual(bad(message));
      });
    }
  });

  describe('query parameters', () => {
    const cases: [string, string, string][] = [
      ['limit 0', '?limit=0', "'limit' must be greater than or equal to '1' (rejected value: '0')"],
      ['negative limit', '?limit=-3', "'limit' must be greater than or equal to '1' (rejected value: '-3')"],
      ['limit over 20', '?limit=21', "Parameter limit must be less than or equal to '20' (rejected value: '21')"],
      ['limit not a number', '?limit=ten', "Type mismatch: 'ten'"],
      ['fractional limit', '?limit=2.5', "Type mismatch: '2.5'"],
      ['limit beyond int32', '?limit=2147483648', "Type mismatch: '2147483648'"],
      ['page token that is not base64', '?pageToken=%25%25%25', 'Bad page token'],
      ['page token of another shape', `?pageToken=${b64('{"page":2}')}`, 'Bad page token'],
      ['page token with a zero id', `?pageToken=${b64('{"nextId":0}')}`, 'Bad page token'],
      ['page token with a negative id', `?pageToken=${b64('{"nextId":-5}')}`, 'Bad page token'],
      ['page token with a fractional id', `?pageToken=${b64('{"nextId":1.5}')}`, 'Bad page token'],
      ['page token with a string id', `?pageToken=${b64('{"nextId":"7"}')}`, 'Bad page token'],
      ['page token with an id beyond 2^53', `?pageToken=${b64('{"nextId":99999999999999999}')}`, 'Bad page token'],
      ['page token with extra fields', `?pageToken=${b64('{"nextId":7,"x":1}')}`, 'Bad page token'],
      ['page token of plain text', '?pageToken=next', 'Bad page token'],
      ['bad token under the page_token alias', '?page_token=abc', 'Bad page token'],
    ];
    for (const [name, query, message] of cases) {
      it(name, async () => {
        const res = await post('{}', query);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual(bad(message));
      });
    }

    it('an empty pageToken is the first page', async () => {
      const res = await post('{}', '?pageToken=&limit=1');
      expect(res.statusCode).toBe(200);
      expect(res.json().result.chats).toHaveLength(1);
    });
  });

  it('400 answers consume the hourly quota, as on Market', async () => {
    const ok = await post('{}');
    expect(ok.headers['x-ratelimit-resource-limit']).toBe('5000');
    expect(ok.headers['x-ratelimit-resource-remaining']).toBe('4999');
    const refused = await post('{"statuses":[]}');
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['x-ratelimit-resource-remaining']).toBe('4998');
    const badType = await post('x', '', 'text/plain');
    expect(badType.statusCode).toBe(415);
    const next = await post('{}');
    expect(next.headers['x-ratelimit-resource-remaining']).toBe('4996');
  });

  it('other verbs on the path are 405', async () => {
    const res = await t.app.inject({ method: 'GET', url: URL, headers: apiKey() });
    expect(res.statusCode).toBe(405);
    expect(res.json()).toEqual(errorBody('METHOD_NOT_ALLOWED', "Request method 'GET' not supported"));
  });
});
