import { describe, expect, it } from 'vitest';
import { WriteVersions } from '../../src/storage/storage.js';

describe('what a statement may write (remembered reads are read again after it)', () => {
  it.each([
    ['select "id" from "api_keys" where "token_hash" = ?', []],
    ['with "x" as (select 1) select * from "x"', []],
    ['begin', []],
    ['commit', []],
    ['insert into "api_keys" ("name") values (?)', ['api_keys']],
    ['insert or replace into businesses values (?)', ['businesses']],
    ['update "api_keys" set "revoked_at" = ? where "id" = ?', ['api_keys']],
    ['delete from "main"."businesses" where "id" = ?', ['businesses']],
    ['with "gone" as (delete from "oauth_tokens" returning "id") select count(*) from "gone"', ['oauth_tokens']],
    ['rollback', 'all'],
    ['drop table "api_keys"', 'all'],
    ['PRAGMA foreign_keys = OFF', 'all'],
  ] as const)('%s', (source, written) => {
    expect(WriteVersions.written(source)).toEqual(written);
  });

  it('versions change with writes to the tables asked about, or to every table', () => {
    const v = new WriteVersions();
    const before = v.of(['api_keys', 'businesses']);
    v.wrote(['chats']);
    expect(v.of(['api_keys', 'businesses'])).toBe(before);
    v.wrote(['businesses']);
    const after = v.of(['api_keys', 'businesses']);
    expect(after).not.toBe(before);
    v.wrote('all');
    expect(v.of(['api_keys', 'businesses'])).toBe(after + 1);
  });
});
