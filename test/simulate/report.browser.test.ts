import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { scorecardHtml } from '../../src/simulate/report-html.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { BIZ } from '../helpers/demo.js';
import { drive, manualRun } from './drive.js';
import { injectCall, ReferenceIntegration } from './integration.js';

const CHROMIUM = process.env.YMCHAT_CHROMIUM ?? '/usr/bin/chromium';
const hasBrowser = fs.existsSync(CHROMIUM);
if (!hasBrowser) console.log(`[skip] simulation report browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Where CI picks up the report and its screenshot (gitignored). */
const ARTIFACTS = path.resolve('artifacts/simulate');

describe.skipIf(!hasBrowser)('the simulation HTML report in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    t = await buildTestApp();
    // Half the chats answered at once, half left alone: both charts have something to show.
    const sim = await manualRun(t, { businessId: BIZ, preset: 'steady', scenario: { arrivalsPerMinute: 4 }, seed: 2026 });
    const seller = new ReferenceIntegration(injectCall(t), BIZ, ['DIRECT']);
    await drive(sim, () => seller.poll(), 400);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    file = path.join(ARTIFACTS, 'report.html');
    fs.writeFileSync(file, scorecardHtml(await sim.scorecard()));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens from a file, fetches nothing, and shows the first-reply histogram and the open-chats chart', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(await page.title()).toContain(`business ${BIZ}`);

    const bars = await page.$$eval('#first-reply-histogram rect.bar', (els) => els.map((e) => Number(e.getAttribute('data-count'))));
    expect(bars).toHaveLength(10);
    expect(bars[0]).toBeGreaterThan(0);
    const tallest = await page.$eval('#first-reply-histogram', (svg) => Math.max(...[...svg.querySelectorAll('rect.bar')].map((r) => r.getBoundingClientRect().height)));
    expect(tallest).toBeGreaterThan(50);

    const line = await page.$eval('#open-chats polyline.open', (el) => {
      const box = el.getBoundingClientRect();
      return { points: (el.getAttribute('points') ?? '').trim().split(/\s+/).length, width: box.width, height: box.height };
    });
    expect(line.points).toBeGreaterThan(50);
    expect(line.width).toBeGreaterThan(300);
    expect(line.height).toBeGreaterThan(20);
    expect(await page.isVisible('#open-chats polyline.waiting')).toBe(true);

    const shot = path.join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
