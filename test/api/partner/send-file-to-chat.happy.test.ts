import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../../helpers/demo.js';
import { multipartRequest, type Part } from '../../helpers/multipart.js';

const MB = 1024 * 1024;

const upload = (t: TestApp, chatId: number, parts: Part[], suffix = '') =>
  t.app.inject(multipartRequest(`/v2/businesses/${BIZ}/chats/file/send${suffix}?chatId=${chatId}`, parts, apiKey()));

async function lastMessage(t: TestApp, chatId: number) {
  const row = await t.services.storage.db
    .selectFrom('messages')
    .select('id')
    .where('chat_id', '=', chatId)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const res = await t.app.inject({
    method: 'GET',
    url: `/v2/businesses/${BIZ}/chats/message?chatId=${chatId}&messageId=${row.id}`,
    headers: apiKey(),
  });
  return res.json().result;
}

const download = (t: TestApp, url: string) => t.app.inject({ method: 'GET', url: new URL(url).pathname });

describe('sendFileToChat', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('answers {"status":"OK"}; a PARTNER message with no text and one payload entry appears', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const res = await upload(t, DEMO.chats.order, [{ name: 'file', filename: 'photo.png', contentType: 'image/png', data: png }]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'OK' });
    const msg = await lastMessage(t, DEMO.chats.order);
    expect(msg).toEqual({
      messageId: expect.any(Number),
      createdAt: '2026-11-21T10:00:00+03:00',
      sender: 'PARTNER',
      payload: [{ name: 'photo.png', url: expect.stringMatching(/^http:\/\/localhost:80\/files\/\d+\/[0-9a-f]{24}\/photo\.png$/), size: png.length }],
    });
    const file = await download(t, msg.payload[0].url);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.rawPayload.equals(png)).toBe(true);
  });

  it('moves the chat to WAITING_FOR_CUSTOMER and stamps updatedAt, as a text message does', async () => {
    t.clock.set(T0 + 5 * 60_000);
    expect((await upload(t, DEMO.chats.direct, [{ name: 'file', filename: 'a.jpg', contentType: 'image/jpeg', data: Buffer.from('jpg') }])).statusCode).toBe(200);
    const chat = (await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.direct}`, headers: apiKey() })).json().result;
    expect(chat.status).toBe('WAITING_FOR_CUSTOMER');
    expect(chat.updatedAt).toBe('2026-11-21T10:05:00+03:00');
  });

  it('takes files past the 512 KB JSON body limit, up to 5 MB exactly', async () => {
    for (const size of [MB, 5 * MB]) {
      const data = Buffer.alloc(size, size === MB ? 0x61 : 0x62);
      const res = await upload(t, DEMO.chats.return, [{ name: 'file', filename: `f${size}.bin`, contentType: 'application/octet-stream', data }]);
      expect(res.statusCode).toBe(200);
      const msg = await lastMessage(t, DEMO.chats.return);
      expect(msg.payload[0].size).toBe(size);
      const file = await download(t, msg.payload[0].url);
      expect(file.rawPayload.equals(data)).toBe(true);
    }
  });

  it('keeps a Cyrillic name and encodes it in the URL', async () => {
    await upload(t, DEMO.chats.order, [{ name: 'file', filename: 'Акт сверки №5.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF') }]);
    const msg = await lastMessage(t, DEMO.chats.order);
    expect(msg.payload[0].name).toBe('Акт сверки №5.pdf');
    expect(msg.payload[0].url.endsWith(`/${encodeURIComponent('Акт сверки №5.pdf')}`)).toBe(true);
  });

  it('stores only the base name of a path-like file name', async () => {
    await upload(t, DEMO.chats.order, [{ name: 'file', filename: 'C:\\Users\\me\\report.txt', data: 'hello' }]);
    expect((await lastMessage(t, DEMO.chats.order)).payload[0].name).toBe('report.txt');
  });

  it('uses the `file` part and reads past the others (fields, files under other names)', async () => {
    const res = await upload(t, DEMO.chats.order, [
      { name: 'comment', data: 'ignored' },
      { name: 'attachment', filename: 'other.txt', data: 'not me' },
      { name: 'file', filename: 'first.txt', contentType: 'text/plain', data: 'me' },
    ]);
    expect(res.statusCode).toBe(200);
    const msg = await lastMessage(t, DEMO.chats.order);
    expect(msg.payload).toEqual([{ name: 'first.txt', url: expect.any(String), size: 2 }]);
    expect((await download(t, msg.payload[0].url)).body).toBe('me');
  });

  it('takes the `.json` suffix', async () => {
    const res = await upload(t, DEMO.chats.order, [{ name: 'file', filename: 'x.txt', data: 'x' }], '.json');
    expect(res.statusCode).toBe(200);
  });

  it("shows Market's quota headers: 1000 an hour", async () => {
    await t.services.limiter.quota.reset(BIZ);
    const res = await upload(t, DEMO.chats.order, [{ name: 'file', filename: 'q.txt', data: 'q' }]);
    expect(res.headers['x-ratelimit-resource-limit']).toBe('1000');
    expect(res.headers['x-ratelimit-resource-remaining']).toBe('999');
  });
});

describe('sendFileToChat: CHAT_MESSAGE_SENT', () => {
  it('announces the file message when notifyPartnerMessages is on', async () => {
    const t = await buildTestApp({ config: { notifyPartnerMessages: true } });
    try {
      const res = await upload(t, DEMO.chats.order, [{ name: 'file', filename: 'n.txt', data: 'n' }]);
      expect(res.statusCode).toBe(200);
      const msg = await lastMessage(t, DEMO.chats.order);
      const last = await t.services.storage.db.selectFrom('events').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(JSON.parse(last.payload)).toEqual({
        notificationType: 'CHAT_MESSAGE_SENT',
        chatId: DEMO.chats.order,
        messageId: String(msg.messageId),
        businessId: BIZ,
        sentAt: '2026-11-21T07:00:00.000Z',
      });
    } finally {
      await t.close();
    }
  });
});
