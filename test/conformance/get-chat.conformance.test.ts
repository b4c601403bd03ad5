import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../helpers/demo.js';
import { explain, noteSpecSkip, responseValidator, specAvailable } from '../helpers/spec.js';

noteSpecSkip();

describe.skipIf(!specAvailable)("getChat answers validate against Market's official schemas", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ config: { limits: { enabled: true, parallel: 4, hourly: { getChat: 12 } } } });
  });
  afterAll(async () => t.close());

  const FILE = 'v2_businesses_businessId_chat.yaml';
  const cases: [string, number, () => Promise<{ statusCode: number; json: () => unknown }>][] = [
    ...Object.entries(DEMO.chats).map(
      ([name, id]) => [`200 ${name}`, 200, () => t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${id}`, headers: apiKey() })] as [string, number, any],
    ),
    ['400 missing chatId', 400, () => t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat`, headers: apiKey() })],
    ['401 no key', 401, () => t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=1` })],
    ['403 scope', 403, () => t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=1`, headers: apiKey(DEMO.keys.pricingOnly) })],
    ['404 chat', 404, () => t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=1`, headers: apiKey() })],
  ];
  for (const [name, status, request] of cases) {
    it(name, async () => {
      const res = await request();
      expect(res.statusCode).toBe(status);
      const validate = responseValidator(FILE, 'get', status);
      const ok = validate(res.json());
      expect(ok, explain(validate)).toBe(true);
    });
  }

  it('420 over the hourly limit', async () => {
    let res;
    for (let i = 0; i < 20; i++) {
      res = await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`, headers: apiKey() });
      if (res.statusCode === 420) break;
    }
    expect(res!.statusCode).toBe(420);
    const validate = responseValidator(FILE, 'get', 420);
    expect(validate(res!.json()), explain(validate)).toBe(true);
  });

  it('the strict validator does catch a field the schema does not allow', () => {
    const validate = responseValidator(FILE, 'get', 200);
    const body = {
      status: 'OK',
      result: { chatId: 1, context: { type: 'ORDER' }, type: 'CHAT', status: 'NEW', createdAt: '2026-01-01T00:00:00+03:00', updatedAt: '2026-01-01T00:00:00+03:00', extra: 1 },
    };
    expect(validate(body)).toBe(false);
    const { extra: _extra, ...allowed } = body.result;
    expect(validate({ ...body, result: allowed })).toBe(true);
  });
});
