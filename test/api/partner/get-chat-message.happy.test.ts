import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';
import { multipartRequest } from '../../helpers/multipart.js';

const get = (t: TestApp, chatId: number, messageId: number, headers: Record<string, string> = {}, suffix = '') =>
  t.app.inject({
    method: 'GET',
    url: `/v2/businesses/${BIZ}/chats/message${suffix}?chatId=${chatId}&messageId=${messageId}`,
    headers: { ...apiKey(), ...headers },
  });

async function messageIds(t: TestApp, chatId: number): Promise<number[]> {
  const rows = await t.services.storage.db.selectFrom('messages').select('id').where('chat_id', '=', chatId).orderBy('id').execute();
  return rows.map((r) => r.id);
}

describe('getChatMessage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it("a buyer's message: id, Moscow time, sender, text; no payload", async () => {
    const [, second] = await messageIds(t, DEMO.chats.order);
    const res = await get(t, DEMO.chats.order, second);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'OK',
      result: {
        messageId: second,
        createdAt: '2026-11-21T00:10:00+03:00',
        sender: 'CUSTOMER',
        message: 'Здравствуйте! Когда передадите заказ в доставку?',
      },
    });
  });

  it('each sender as Market names it: MARKET, PARTNER, SUPPORT', async () => {
    const [market, , partner] = await messageIds(t, DEMO.chats.order);
    expect((await get(t, DEMO.chats.order, market)).json().result.sender).toBe('MARKET');
    expect((await get(t, DEMO.chats.order, partner)).json().result.sender).toBe('PARTNER');
    const arbitrage = await messageIds(t, DEMO.chats.arbitrage);
    expect((await get(t, DEMO.chats.arbitrage, arbitrage[2])).json().result).toEqual({
      messageId: arbitrage[2],
      createdAt: '2026-11-21T06:40:00+03:00',
      sender: 'SUPPORT',
      message: 'Открыт спор. Арбитр изучит ситуацию.',
    });
  });

  it('a file message: payload with name, size and a URL that serves the file; no `message`', async () => {
    const bytes = Buffer.from('%PDF-1.4 receipt');
    const sent = await t.app.inject(
      multipartRequest(
        `/v2/businesses/${BIZ}/chats/file/send?chatId=${DEMO.chats.order}`,
        [{ name: 'file', filename: 'чек.pdf', contentType: 'application/pdf', data: bytes }],
        apiKey(),
      ),
    );
    expect(sent.statusCode).toBe(200);
    const id = (await messageIds(t, DEMO.chats.order)).at(-1)!;
    const res = await get(t, DEMO.chats.order, id, { host: 'ymchat.test:8080' });
    const result = res.json().result;
    expect(result).toEqual({
      messageId: id,
      createdAt: '2026-11-21T10:00:00+03:00',
      sender: 'PARTNER',
      payload: [{ name: 'чек.pdf', url: expect.any(String), size: bytes.length }],
    });
    const link = new URL(result.payload[0].url);
    expect(link.origin).toBe('http://ymchat.test:8080');
    expect(link.pathname).toMatch(/^\/files\/\d+\/[0-9a-f]{24}\/%D1%87%D0%B5%D0%BA\.pdf$/);
    const file = await t.app.inject({ method: 'GET', url: link.pathname });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(bytes)).toBe(true);
  });

  it('links use the configured public URL when there is one', async () => {
    const pub = await buildTestApp({ config: { publicUrl: 'https://chat.example.org/sandbox/' } });
    try {
      await pub.app.inject(
        multipartRequest(
          `/v2/businesses/${BIZ}/chats/file/send?chatId=${DEMO.chats.direct}`,
          [{ name: 'file', filename: 'a.png', contentType: 'image/png', data: Buffer.from([1, 2, 3]) }],
          apiKey(),
        ),
      );
      const id = (await messageIds(pub, DEMO.chats.direct)).at(-1)!;
      const url: string = (await get(pub, DEMO.chats.direct, id)).json().result.payload[0].url;
      expect(url).toMatch(/^https:\/\/chat\.example\.org\/sandbox\/files\/\d+\/[0-9a-f]{24}\/a\.png$/);
    } finally {
      await pub.close();
    }
  });

  it('read-only keys and the `.json` suffix work', async () => {
    const [first] = await messageIds(t, DEMO.chats.direct);
    const res = await get(t, DEMO.chats.direct, first, { 'api-key': DEMO.keys.readOnly }, '.json');
    expect(res.statusCode).toBe(200);
    expect(res.json().result.messageId).toBe(first);
  });

  it("shows Market's quota headers: 1000 an hour", async () => {
    await t.services.limiter.quota.reset(BIZ);
    const [first] = await messageIds(t, DEMO.chats.direct);
    const res = await get(t, DEMO.chats.direct, first);
    expect(res.headers['x-ratelimit-resource-limit']).toBe('1000');
    expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
  });
});
