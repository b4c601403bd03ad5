import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DEMO } from '../helpers/demo.js';

/** The README's demo credentials work when copied as printed. */
describe('README demo keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('every Api-Key in the README is a demo key that authenticates', async () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const keys = [...new Set(readme.match(/ACMA:[A-Za-z0-9]+:[0-9a-f]+/g) ?? [])];
    expect(keys.length).toBeGreaterThanOrEqual(Object.keys(DEMO.keys).length);
    for (const key of keys) {
      expect(Object.values(DEMO.keys), key).toContain(key);
      const res = await t.app.inject({ method: 'POST', url: '/v2/auth/token', headers: { 'api-key': key } });
      expect(res.statusCode, key).toBe(200);
    }
  });
});
