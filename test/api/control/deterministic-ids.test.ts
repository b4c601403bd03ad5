import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, type TestApp } from '../../helpers/app.js';
import { control, partner } from '../../helpers/control.js';
import { BIZ, DEMO } from '../../helpers/demo.js';

noteSkippedPostgres();

const firstMessage = (t: TestApp) => partner(t, 'GET', `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}&messageId=1`);
const send = async (t: TestApp, text: string) => {
  const res = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`, { message: text });
  expect(res.statusCode).toBe(200);
  const history = await partner(t, 'POST', `/v2/businesses/${BIZ}/chats/history?chatId=${DEMO.chats.order}&limit=100`, {});
  return history.json().result.messages.at(-1).messageId as number;
};

describe.each(dialects())('reset and import restart id sequences (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
  });
  afterAll(async () => t.close());

  it('after reset --demo the demo ids are the same, and new rows continue right after them', async () => {
    const firstNew = await send(t, 'one');
    await send(t, 'two');
    expect((await control(t, 'POST', '/reset', { to: 'demo' })).statusCode).toBe(200);
    const first = await firstMessage(t);
    expect(first.statusCode).toBe(200);
    expect(first.json().result).toMatchObject({ messageId: 1, sender: 'MARKET' });
    expect(await send(t, 'again')).toBe(firstNew);
  });

  it('after reset to empty, the first chat and message of a new sandbox get id 1', async () => {
    await control(t, 'POST', '/reset', { to: 'empty' });
    const business = await control(t, 'POST', '/businesses', { name: 'Fresh' });
    expect(business.json().id).toBe(1);
  });

  it('an import gives the same ids every time: rows after it continue from the file', async () => {
    await control(t, 'POST', '/reset', { to: 'demo' });
    const state = (await control(t, 'GET', '/state')).json();
    const afterDemo = await send(t, 'x');
    await send(t, 'y');
    await send(t, 'z');
    expect((await control(t, 'PUT', '/state', state)).statusCode).toBe(200);
    expect(await send(t, 'after import')).toBe(afterDemo);
    expect((await control(t, 'PUT', '/state', state)).statusCode).toBe(200);
    expect(await send(t, 'after import')).toBe(afterDemo);
    expect((await firstMessage(t)).statusCode).toBe(200);
  });
});
