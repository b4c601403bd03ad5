import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js';
import { apiKey, BIZ, DEMO, KEY } from '../helpers/demo.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';

const CHROMIUM = process.env.YMCHAT_CHROMIUM ?? '/usr/bin/chromium';
const hasBrowser = fs.existsSync(CHROMIUM);
if (!hasBrowser) console.log(`[skip] console browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Screenshots of each panel, for a person to look at (CI keeps the folder as an artefact). */
const SHOTS = path.resolve('artifacts/console');

// Page-side reads are strings (the test build has no DOM types); waits use functions, since the
// page's CSP forbids the string evaluation waitForFunction would do.
const doc = (expr: string) => `(() => { const d = globalThis.document; return ${expr}; })()`;

describe.skipIf(!hasBrowser)('the web console, driven in headless Chromium', () => {
  let t: TestApp;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let receiver: Receiver;
  let profile: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    receiver = await startReceiver();
    fs.mkdirSync(SHOTS, { recursive: true });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ymchat-chromium-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await receiver?.close();
    await t?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  const partner = (method: string, url: string, body?: unknown, key: string = KEY) =>
    fetch(`${base}${url}`, {
      method,
      headers: { 'Api-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const tab = async (name: string) => {
    await page.click(`#tab-${name}`);
    await page.waitForSelector(`#panel-${name}:not([hidden])`);
  };

  it('serves the page with a strict CSP and no inline script; / leads to /console', async () => {
    const res = await fetch(`${base}/console`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect((await fetch(`${base}/console/js/main.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${base}/console/..%2Fpackage.json`)).status).toBe(404);
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console');
  });

  it('a wrong token clears the screen; the right one shows the chats and stays in this tab only', async () => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${base}/console`);
    await shot('login');
    await page.fill('#token', 'wrong');
    await page.click('#connect');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toContain('Admin token is invalid');
    expect(await page.isVisible('#app')).toBe(false);
    expect(await page.evaluate(doc('d.querySelectorAll("#chats li").length'))).toBe(0);

    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#connect');
    await page.waitForSelector(`#chats li[data-chat-id="${DEMO.chats.orderWaiting}"]`);
    await page.waitForSelector('#live[data-state="on"]');
    expect(await page.isVisible('#login')).toBe(false);
    expect(await page.evaluate('sessionStorage.getItem("ymchat.adminToken")')).toBe(ADMIN_TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    // One line of header at 1280 px.
    expect(await page.evaluate(doc('d.querySelector("header").getBoundingClientRect().height'))).toBeLessThan(56);
    expect(violations).toEqual([]);
  });

  it('a message sent with the partner API appears in the open chat within 1 s', async () => {
    await page.click(`#chats li[data-chat-id="${DEMO.chats.order}"] button`);
    await page.waitForSelector(`#chatTitle >> text=Chat #${DEMO.chats.order}`);
    const started = Date.now();
    const res = await partner('POST', `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`, { message: 'Здравствуйте! Заказ уже в пути.' });
    expect(res.status).toBe(200);
    await page.waitForSelector('.msg.PARTNER >> text=Заказ уже в пути', { timeout: 1000 });
    console.log(`[console] partner message visible after ${Date.now() - started} ms`);
    // The list shows the new status too, without a refresh.
    await page.waitForSelector(`#chats li[data-chat-id="${DEMO.chats.order}"] .badge.WAITING_FOR_CUSTOMER`, { timeout: 1000 });
  });

  it('shows an image file as a preview, and writes as the buyer', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGPQqDhBEmIY1TCqYfhqAADDSmgQBaIOewAAAABJRU5ErkJggg==',
      'base64',
    );
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'parcel.png');
    const res = await fetch(`${base}/v2/businesses/${BIZ}/chats/file/send?chatId=${DEMO.chats.order}`, { method: 'POST', headers: apiKey(), body: form });
    expect(res.status).toBe(200);
    await page.waitForSelector('.msg.PARTNER img[alt="parcel.png"]');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('.msg.PARTNER img[alt="parcel.png"]').naturalWidth === 16);
    await page.selectOption('#sender', 'CUSTOMER');
    await page.fill('#text', 'Спасибо, жду!');
    await page.click('#send');
    await page.waitForSelector('.msg.CUSTOMER >> text=Спасибо, жду');
    await shot('chats');
  });

  it('in a dispute the writer defaults to the arbiter', async () => {
    await page.click(`#chats li[data-chat-id="${DEMO.chats.arbitrage}"] button`);
    await page.waitForSelector(`#chatTitle >> text=Chat #${DEMO.chats.arbitrage}`);
    expect(await page.inputValue('#sender')).toBe('ARBITER');
    expect(await page.isDisabled('#closeDispute')).toBe(false);
  });

  it('a 403 call appears in the inspector with its error, and one click opens the chat it named', async () => {
    await tab('requests');
    const res = await partner('GET', `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.return}`, undefined, DEMO.keys.pricingOnly);
    expect(res.status).toBe(403);
    const row = `#requestRows tr[data-status="403"]`;
    await page.waitForSelector(row);
    expect(await page.textContent(row)).toContain('FORBIDDEN: Token does not have any of the scopes to access the API method');
    await page.click(row);
    await page.waitForSelector('#requestDetail pre');
    expect(await page.textContent('#requestDetail')).toContain('"code": "FORBIDDEN"');
    await page.waitForSelector('#requestsChart svg rect');
    await shot('requests');
    await page.click(`${row} button.link`);
    await page.waitForSelector('#panel-chats:not([hidden])');
    await page.waitForSelector(`#chatTitle >> text=Chat #${DEMO.chats.return}`);
  });

  it('creating a key shows its secret once', async () => {
    await tab('keys');
    await page.fill('#keyName', 'console-made');
    await page.click('#createKey');
    await page.waitForSelector('#keySecret:not([hidden])');
    const token = await page.inputValue('#keySecretValue');
    expect(token).toMatch(/^ACMA:[A-Za-z0-9]{40}:[0-9a-f]{8}$/);
    await page.waitForSelector('#keyRows tr >> text=console-made');
    await shot('keys');
    // The key works, with the scope ticked by default.
    const info = await partner('POST', '/v2/auth/token', undefined, token);
    expect(info.status).toBe(200);
    await page.click('#keySecretDone');
    expect(await page.isVisible('#keySecret')).toBe(false);
    expect(await page.content()).not.toContain(token);
    await tab('chats');
    await tab('keys');
    expect(await page.content()).not.toContain(token);
  });

  it('adding a fault shows it active at the top; a call that uses it up clears it live', async () => {
    await tab('faults');
    await page.selectOption('#faultMethod', 'getChat');
    await page.selectOption('#faultKind', '500');
    await page.fill('#faultCount2', '1');
    await page.click('#addFault');
    await page.waitForSelector('#faultRows li.fault >> text=500 on getChat');
    expect(await page.textContent('#faultCount')).toBe('1');
    await shot('faults');
    const failed = await partner('GET', `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`);
    expect(failed.status).toBe(500);
    await page.waitForSelector('#faultRows li.fault', { state: 'detached' });
  });

  it('subscriptions: PING result, deliveries and their latency chart', async () => {
    await tab('subscriptions');
    await page.fill('#subUrl', `${receiver.url}/notification`);
    await page.click('#createSub');
    await page.waitForSelector('#subResult.ok');
    expect(await page.textContent('#subResult')).toContain('enabled');
    await fetch(`${base}/_sandbox/chats/${DEMO.chats.direct}/messages`, {
      method: 'POST',
      headers: { 'X-Admin-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Any news?' }),
    });
    await fetch(`${base}/_sandbox/notifications/flush`, { method: 'POST', headers: { 'X-Admin-Token': ADMIN_TOKEN } });
    await page.waitForSelector('#deliveryRows >> text=CHAT_MESSAGE_SENT');
    await page.waitForSelector('#latencyChart svg rect');
    await page.click('#subRows button[aria-label^="Outbox"]');
    await page.waitForSelector('#outbox >> text=delivered 1');
    await shot('notifications');
    await page.click('#subRows button[aria-label^="Disable"]');
    await page.waitForSelector('#subRows td.error >> text=disabled: Disabled in the sandbox');
    await page.click('#subRows button[aria-label^="Enable"]');
    await page.waitForSelector('#subResult.ok');
  });

  it('quotas per method show used, remaining and until', async () => {
    expect((await partner('GET', `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}`)).status).toBe(200);
    await tab('quotas');
    // The table may still show an earlier load (every method, none used) until this one arrives.
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector('#quotaRows tr[data-method="getChat"] td:nth-child(2)')?.textContent) > 0);
    const cells = await page.$$eval('#quotaRows tr[data-method="getChat"] td', (tds) => tds.map((td) => td.textContent));
    expect(Number(cells[1])).toBeGreaterThan(0);
    expect(Number(cells[1]) + Number(cells[2])).toBe(Number(cells[3]));
    expect(cells[5]).toBe('2026-11-21 11:00:00');
    await shot('quotas');
  });

  it('moves with the keyboard between panels and stays usable at 390 px', async () => {
    await page.focus('#tab-quotas');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector('#panel-faults:not([hidden])');
    expect(await page.evaluate(doc('d.activeElement.id'))).toBe('tab-faults');
    await page.setViewportSize({ width: 390, height: 800 });
    await tab('chats');
    expect(await page.evaluate(doc('d.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
    await shot('phone-chats');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('a token that stops working clears the screen', async () => {
    await page.evaluate('sessionStorage.setItem("ymchat.adminToken", "revoked")');
    await page.click('[data-advance="+1m"]');
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.isVisible('#app')).toBe(false);
    expect(await page.evaluate(doc('d.querySelectorAll("#chats li, #requestRows tr, #keyRows tr").length'))).toBe(0);
    expect(await page.evaluate('sessionStorage.getItem("ymchat.adminToken")')).toBe(null);
  });
});
