import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js';
import { apiKey, BIZ, DEMO } from '../helpers/demo.js';

const CHROMIUM = process.env.YMCHAT_CHROMIUM ?? '/usr/bin/chromium';
const hasBrowser = fs.existsSync(CHROMIUM);
if (!hasBrowser) console.log(`[skip] console browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!hasBrowser)('the web console, driven in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const chatStatus = async (chatId: number) =>
    (await t.app.inject({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${chatId}`, headers: apiKey() })).json().result;

  it('shows an error without the admin token, then the chats once connected', async () => {
    await page.goto(`${base}/console`);
    await page.fill('#token', 'wrong');
    await page.click('#connect');
    await page.waitForSelector('#error', { state: 'visible' });
    expect(await page.textContent('#error')).toContain('Admin token is invalid');
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#connect');
    await page.waitForSelector(`#chats li[data-chat-id="${DEMO.chats.orderWaiting}"]`);
    expect(await page.isVisible('#error')).toBe(false);
    // The token is kept for this tab only.
    const stored = await page.evaluate(() => {
      const w = globalThis as any;
      return [w.localStorage.getItem('ymchat.adminToken'), w.sessionStorage.getItem('ymchat.adminToken')];
    });
    expect(stored).toEqual([null, ADMIN_TOKEN]);
  });

  it('runs under a CSP that blocks inline scripts: its own script works, an injected one does not', async () => {
    const ran = await page.evaluate(async () => {
      const w = globalThis as any;
      const s = w.document.createElement('script');
      s.textContent = 'globalThis.__injected = true';
      w.document.body.append(s);
      await new Promise((r) => setTimeout(r, 50));
      return w.__injected === true;
    });
    expect(ran).toBe(false);
    expect(cspViolations.some((v) => /inline/i.test(v))).toBe(true);
    cspViolations.length = 0;
  });

  it('writes as the buyer: the message appears and the seller sees the status change', async () => {
    expect((await chatStatus(DEMO.chats.orderWaiting)).status).toBe('WAITING_FOR_CUSTOMER');
    await page.click(`#chats li[data-chat-id="${DEMO.chats.orderWaiting}"]`);
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#chatTitle').textContent.includes('5000002'));
    await page.selectOption('#sender', 'CUSTOMER');
    await page.fill('#text', 'Фото отправил, посмотрите, пожалуйста');
    await page.click('#send');
    await page.waitForSelector('.msg.CUSTOMER >> text=Фото отправил');
    expect((await chatStatus(DEMO.chats.orderWaiting)).status).toBe('WAITING_FOR_PARTNER');
  });

  it('opens and closes a dispute as the arbiter', async () => {
    await page.click(`#chats li[data-chat-id="${DEMO.chats.order}"]`);
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#chatTitle').textContent.includes('5000001'));
    await page.click('#openDispute');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#chatMeta').textContent.includes('ARBITRAGE'));
    expect(await chatStatus(DEMO.chats.order)).toMatchObject({ type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' });
    await page.click('#closeDispute');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#chatMeta').dataset.status === 'FINISHED');
    expect((await chatStatus(DEMO.chats.order)).status).toBe('FINISHED');
    expect(await page.isDisabled('#send')).toBe(true);
  });

  it('starts a DIRECT chat as a buyer and moves the clock', async () => {
    await page.fill('#subject', 'Smart watch W3');
    await page.fill('#firstMessage', 'Есть ли другой цвет ремешка?');
    await page.click('#startDirect');
    await page.waitForSelector('.msg.CUSTOMER >> text=другой цвет');
    const before = await page.textContent('#clock');
    await page.click('[data-advance="+1h"]');
    await page.waitForFunction((b) => (globalThis as any).document.querySelector('#clock').textContent !== b, before);
    expect(await page.textContent('#clock')).toContain('2026-11-21 11:00:00 MSK');
    // Everything the console does needs nothing the policy forbids.
    expect(cspViolations).toEqual([]);
    // Kept for a person to look at: what the console shows after the scenario.
    await page.screenshot({ path: path.join(os.tmpdir(), 'ymchat-console.png'), fullPage: true });
  });
});
