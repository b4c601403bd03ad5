import { describe, expect, it } from 'vitest';
import SqliteDatabase from 'better-sqlite3';
import { opaqueParameters } from '../../src/storage/opaque-parameters.js';

describe('opaqueParameters', () => {
  it('turns every placeholder into a unary plus of it', () => {
    expect(opaqueParameters('select * from "chats" where "id" = ? and "business_id" in (?, ?) limit ?')).toBe(
      'select * from "chats" where "id" = +? and "business_id" in (+?, +?) limit +?',
    );
    expect(opaqueParameters('select 1')).toBe('select 1');
  });

  it('leaves question marks in literals, quoted identifiers and comments alone', () => {
    expect(opaqueParameters(`select '?', 'it''s ?', "a?""b", \`c?\`, [d?] from t where x = ? -- why?\nand y = ? /* or ? */ and z = ?`)).toBe(
      `select '?', 'it''s ?', "a?""b", \`c?\`, [d?] from t where x = +? -- why?\nand y = +? /* or ? */ and z = +?`,
    );
    expect(opaqueParameters("select 'unterminated ?")).toBe("select 'unterminated ?");
  });

  it('gives the same answers as bare parameters for every kind of value', () => {
    const db = new SqliteDatabase(':memory:');
    db.exec(`create table t (i integer, r real, s text, b blob, n numeric, a)`);
    db.prepare('insert into t values (1, 1.5, \'10\', x\'00ff\', 7, \'x\')').run();
    const values: unknown[] = [1, 1.5, '10', 10, Buffer.from([0, 255]), 7, '7', 'x', null, 10n];
    for (const column of ['i', 'r', 's', 'b', 'n', 'a']) {
      for (const value of values) {
        // An unaliased placeholder is named after its text ('+?'); every query of ours aliases.
        const q = `select count(*) as c, typeof(?) as t, ? as v from t where ${column} = ?`;
        const bare = db.prepare(q).get(value, value, value);
        const opaque = db.prepare(opaqueParameters(q)).get(value, value, value) as Record<string, unknown>;
        expect({ c: opaque.c, t: opaque.t, v: opaque.v }, `${column} = ${String(value)}`).toEqual({
          c: (bare as Record<string, unknown>).c, t: (bare as Record<string, unknown>).t, v: (bare as Record<string, unknown>).v,
        });
      }
    }
    db.close();
  });

  it('keeps the primary-key lookup of a join by an opaque id', () => {
    const db = new SqliteDatabase(':memory:');
    db.exec('create table a (id integer primary key, b_id integer); create table b (id integer primary key, name text); insert into b values (1, \'x\'); insert into a values (1, 1)');
    const q = 'select a.*, b.name from a left join b on b.id = a.b_id where a.id = ?';
    const plan = db.prepare(`explain query plan ${opaqueParameters(q)}`).all(1) as { detail: string }[];
    expect(plan.map((r) => r.detail).join('\n')).toMatch(/SEARCH a USING INTEGER PRIMARY KEY/);
    expect(db.prepare(opaqueParameters(q)).get(1)).toEqual({ id: 1, b_id: 1, name: 'x' });
    db.close();
  });
});
