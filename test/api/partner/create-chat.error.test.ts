import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO, errorBody } from '../../helpers/demo.js';

const URL = `/v2/businesses/${BIZ}/chats/new`;
const bad = (message: string) => errorBody('BAD_REQUEST', message);
const DBS_RETURN = 4000009;

describe('createChat: refusals store nothing', () => {
  let t: TestApp;
  let before: { chats: number; events: number };

  const counts = async () => {
    const db = t.services.storage.db;
    const chats = await db.selectFrom('chats').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const events = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { chats: Number(chats.n), events: Number(events.n) };
  };

  const post = (payload: string | undefined, contentType: string | null = 'application/json') =>
    t.app.inject({
      method: 'POST',
      url: URL,
      headers: { ...apiKey(), ...(contentType ? { 'content-type': contentType } : {}) },
      ...(payload !== undefined ? { payload } : {}),
    });

  beforeAll(async () => {
    t = await buildTestApp();
    // A return of the DBS store: Market has no return chats for DBS.
    await t.services.storage.db
      .insertInto('returns')
      .values({ id: DBS_RETURN, business_id: BIZ, order_id: DEMO.orders.dbs, campaign_id: DEMO.campaigns.dbs, created_at: t.clock.now() })
      .execute();
  });
  afterAll(async () => t.close());
  beforeEach(async () => {
    await t.services.limiter.quota.reset(BIZ);
    before = await counts();
  });
  afterEach(async () => {
    expect(await counts()).toEqual(before);
  });

  describe('unknown or unsuitable contexts', () => {
    const cases: [string, unknown, number, ReturnType<typeof errorBody>][] = [
      ['unknown order', { context: { type: 'ORDER', id: 999 } }, 404, errorBody('NOT_FOUND', "Order not found: '999'")],
      [
        "another business's order",
        { context: { type: 'ORDER', id: 3000006 } },
        404,
        errorBody('NOT_FOUND', "Order not found: '3000006'"),
      ],
      ['unknown order by the deprecated orderId', { orderId: 998 }, 404, errorBody('NOT_FOUND', "Order not found: '998'")],
      ['orderId 0 (the spec sets no minimum there)', { orderId: 0 }, 404, errorBody('NOT_FOUND', "Order not found: '0'")],
      [
        'an order id beyond 2^53',
        { context: { type: 'ORDER', id: 2 ** 60 } },
        404,
        errorBody('NOT_FOUND', `Order not found: '${2 ** 60}'`),
      ],
      ['unknown return', { context: { type: 'RETURN', id: 999 } }, 404, errorBody('NOT_FOUND', "Return not found: '999'")],
      [
        'an order id given as a return id',
        { context: { type: 'RETURN', id: DEMO.orders.noChat } },
        404,
        errorBody('NOT_FOUND', `Return not found: '${DEMO.orders.noChat}'`),
      ],
      [
        'a return of a DBS store',
        { context: { type: 'RETURN', id: DBS_RETURN } },
        400,
        bad(`Chats about returns are not available for DBS stores (return '${DBS_RETURN}')`),
      ],
    ];
    for (const [name, body, status, expected] of cases) {
      it(name, async () => {
        const res = await post(JSON.stringify(body));
        expect(res.statusCode).toBe(status);
        expect(res.json()).toEqual(expected);
      });
    }
  });

  describe('body fields', () => {
    const cases: [string, unknown, string][] = [
      ['neither context nor orderId', {}, "'context' must not be null (rejected value: null)"],
      ['context null', { context: null }, "'context' must not be null (rejected value: null)"],
      ['both null', { context: null, orderId: null }, "'context' must not be null (rejected value: null)"],
      ['DIRECT chats are started by buyers only', { context: { type: 'DIRECT', id: 1 } }, "Illegal input at 'context.type': unknown value 'DIRECT', expected one of: ORDER, RETURN"],
      ['unknown context type', { context: { type: 'order', id: 1 } }, "Illegal input at 'context.type': unknown value 'order', expected one of: ORDER, RETURN"],
      ['context without type', { context: { id: DEMO.orders.noChat } }, "'context.type' must not be null (rejected value: null)"],
      ['context without id', { context: { type: 'ORDER' } }, "'context.id' must not be null (rejected value: null)"],
      ['context id 0', { context: { type: 'ORDER', id: 0 } }, "'context.id' must be greater than or equal to '1' (rejected value: '0')"],
      ['context id as a string', { context: { type: 'ORDER', id: String(DEMO.orders.noChat) } }, "Illegal input at 'context.id'"],
      ['fractional orderId', { orderId: 3000005.5 }, "Illegal input at 'orderId'"],
      ['context that is not an object', { context: 'ORDER:3000005' }, "Illegal input at 'context'"],
    ];
    for (const [name, body, message] of cases) {
      it(name, async () => {
        const res = await post(JSON.stringify(body));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual(bad(message));
      });
    }
  });

  describe('transport', () => {
    it('malformed JSON', async () => {
      const text = `{"context": {"type": "ORDER", "id": ${DEMO.orders.noChat}}`;
      const res = await post(text);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('Unexpected end of content'));
    });

    it('a content type other than JSON is 415', async () => {
      const res = await post(JSON.stringify({ context: { type: 'ORDER', id: DEMO.orders.noChat } }), 'text/plain');
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual(errorBody('UNSUPPORTED_MEDIA_TYPE', "Content type 'text/plain' not supported"));
    });

    it('a body over 512 KB', async () => {
      const res = await post(JSON.stringify({ context: { type: 'ORDER', id: DEMO.orders.noChat }, pad: 'x'.repeat(600_000) }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('The request is too big: more than 524288 bytes'));
    });

    it('no body', async () => {
      const res = await post(undefined, null);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('Required request body is missing'));
    });

    it('an empty JSON body', async () => {
      const res = await post('');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(bad('Required request body is missing'));
    });
  });

  it('4xx answers consume the hourly quota', async () => {
    const first = await post('{}');
    expect(first.statusCode).toBe(400);
    expect(first.headers['x-ratelimit-resource-limit']).toBe('1000');
    expect(first.headers['x-ratelimit-resource-remaining']).toBe('999');
    const notFound = await post('{"context":{"type":"ORDER","id":999}}');
    expect(notFound.statusCode).toBe(404);
    expect(notFound.headers['x-ratelimit-resource-remaining']).toBe('998');
  });

  it('a read-only key is refused before the body is looked at', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: URL,
      headers: { ...apiKey(DEMO.keys.readOnly), 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorBody('FORBIDDEN', 'Token does not have any of the scopes to access the API method'));
  });
});
