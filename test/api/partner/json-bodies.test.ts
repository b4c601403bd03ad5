import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, type TestApp } from '../../helpers/app.js';
import { BIZ, DEMO, KEY, errorBody } from '../../helpers/demo.js';

noteSkippedPostgres();

const SEND = `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`;
const GET_CHATS = `/v2/businesses/${BIZ}/chats`;

describe.each(dialects())('JSON bodies as Market reads them (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
  });
  afterAll(async () => t.close());

  const post = (url: string, payload: string | Buffer) =>
    t.app.inject({ method: 'POST', url, headers: { 'api-key': KEY, 'content-type': 'application/json' }, payload });
  const history = async () =>
    (await t.app.inject({ method: 'POST', url: `/v2/businesses/${BIZ}/chats/history?chatId=${DEMO.chats.order}&limit=100`, headers: { 'api-key': KEY }, payload: {} })).json().result
      .messages as { message?: string }[];

  it('lengths are UTF-16 units, as Java counts them: 2,048 emoji fit, 2,049 do not', async () => {
    const fits = await post(SEND, JSON.stringify({ message: '😀'.repeat(2048) }));
    expect(fits.statusCode).toBe(200);
    const before = (await history()).length;
    const over = '😀'.repeat(2049);
    const res = await post(SEND, JSON.stringify({ message: over }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorBody('BAD_REQUEST', `'message' size must be between '1' and '4096' (rejected value: '${over}')`));
    expect((await history()).length).toBe(before);
    // One emoji is two units: a minimum of 1 is met by it.
    expect((await post(SEND, JSON.stringify({ message: '😀' }))).statusCode).toBe(200);
  });

  it('bytes that are not UTF-8 are 400 and nothing is stored', async () => {
    const before = (await history()).length;
    const bad = Buffer.concat([Buffer.from('{"message":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const res = await post(SEND, bad);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorBody('BAD_REQUEST', 'JSON: Invalid UTF-8 middle byte 0x22'));
    const start = await post(SEND, Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xff]), Buffer.from('"}')]));
    expect(start.json()).toEqual(errorBody('BAD_REQUEST', 'JSON: Invalid UTF-8 start byte 0xff'));
    // An encoded surrogate (CESU-8) is not UTF-8 either.
    const cesu = await post(SEND, Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]));
    expect(cesu.statusCode).toBe(400);
    expect((await history()).length).toBe(before);
  });

  it('a lone surrogate escape is 400; a proper pair is a character', async () => {
    const lone = await post(SEND, '{"message":"a\\ud800b"}');
    expect(lone.json()).toEqual(errorBody('BAD_REQUEST', 'JSON: Unmatched first part of surrogate pair (0xD800)'));
    const low = await post(GET_CHATS, '{"statuses":["\\udc00"]}');
    expect(low.json()).toEqual(errorBody('BAD_REQUEST', 'JSON: Unmatched second part of surrogate pair (0xDC00)'));
    // A byte-order mark is allowed, as Jackson allows it.
    expect((await post(SEND, Buffer.from('\ufeff{"message":"bom"}', 'utf8'))).statusCode).toBe(200);
    const pair = await post(SEND, '{"message":"\\ud83d\\ude00"}');
    expect(pair.statusCode).toBe(200);
    expect((await history()).at(-1)!.message).toBe('😀');
  });

  it("syntax errors read as Jackson's, not Node's", async () => {
    const cases: [string, string][] = [
      ['{"message":"x"', 'Unexpected end of content'],
      ['{"message":', 'Unexpected end of content'],
      ['{"message":"x', 'Unexpected end of content'],
      ['{message:"x"}', "JSON: Unexpected character ('m' (code 109)): was expecting double-quote to start field name"],
      ['{"message" "x"}', "JSON: Unexpected character ('\"' (code 34)): was expecting a colon to separate field name and value"],
      ['{"message":"x" "y":1}', "JSON: Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries"],
      ['{"statuses":["NEW" "X"]}', "JSON: Unexpected character ('\"' (code 34)): was expecting comma to separate Array entries"],
      ["{'message':'x'}", "JSON: Unexpected character (''' (code 39)): was expecting double-quote to start field name"],
      ['{"message":tru}', "JSON: Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"],
      ['{"message":}', "JSON: Unexpected character ('}' (code 125)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"],
      ['{"message":"a\nb"}', 'JSON: Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value'],
      ['{"message":"\\x"}', "JSON: Unrecognized character escape 'x' (code 120)"],
      ['{"message":"\\u12G4"}', "JSON: Unexpected character ('G' (code 71)): expected a hex-digit for character escape sequence"],
      ['{"limit":01}', 'JSON: Invalid numeric value: Leading zeroes not allowed'],
      ['{"limit":-x}', "JSON: Unexpected character ('x' (code 120)): expected digit (0-9) to follow minus sign, for valid numeric value"],
      ['{"message":"x"} {}', "JSON: Unexpected character ('{' (code 123)): expected end of content after the JSON value"],
    ];
    for (const [body, message] of cases) {
      const res = await post(SEND, body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json(), body).toEqual(errorBody('BAD_REQUEST', message));
      expect(JSON.stringify(res.json())).not.toMatch(/JSON\.parse|Unexpected token|position \d/);
    }
  });

  it('deep nesting is refused at 1,000 levels, never with a stack overflow', async () => {
    for (const depth of [1001, 100_000]) {
      const res = await post(GET_CHATS, '['.repeat(depth) + ']'.repeat(depth));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(
        errorBody('BAD_REQUEST', 'JSON: Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)'),
      );
    }
    const objects = await post(GET_CHATS, '{"a":'.repeat(100_000));
    expect(objects.statusCode).toBe(400);
    expect(objects.json().errors[0].message).toMatch(/^JSON: Document nesting depth \(1001\)/);
    // 1,000 levels are within Jackson's limit: the body parses, and the field check answers.
    const ok = await post(GET_CHATS, `{"statuses":${'['.repeat(999)}${']'.repeat(999)}}`);
    expect(ok.statusCode).toBe(400);
    expect(ok.json().errors[0].message).not.toMatch(/nesting|stack/);
  });
});
