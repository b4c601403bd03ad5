import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, dialects, noteSkippedPostgres, type TestApp } from '../helpers/app.js';

noteSkippedPostgres();

describe.each(dialects())('the console page and its security headers (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
  });
  afterAll(async () => t.close());

  it("no inline script is allowed, the page cannot be framed, and its script and styles come from files", async () => {
    const page = await t.app.inject({ method: 'GET', url: '/console' });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    // Every script has a src; no inline handlers or style attributes the policy would block.
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page.body).not.toMatch(/\s(on[a-z]+|style)=/);

    const entry = /<script[^>]*\ssrc="([^"]+)"/.exec(page.body)?.[1];
    expect(entry).toBe('/console/js/main.js');
    const script = await t.app.inject({ method: 'GET', url: entry! });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // The admin token is kept for the tab only.
    const kit = await t.app.inject({ method: 'GET', url: '/console/js/kit.js' });
    expect(kit.body).toContain('sessionStorage.setItem');
    expect(kit.body).not.toMatch(/localStorage\.(get|set|remove)Item/);
    const styles = await t.app.inject({ method: 'GET', url: '/console/console.css' });
    expect(styles.headers['content-type']).toBe('text/css; charset=utf-8');
  });
});
