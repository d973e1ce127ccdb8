// Dev helper (not a test): screenshot URL into FILE and print console output.
//   node web/e2e/shot-dev.mjs URL FILE [width height]
import { chromium } from 'playwright-core';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const [url, file, w = '1400', hgt = '900'] = process.argv.slice(2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-chrome-'));
const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, viewport: { width: +w, height: +hgt },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = ctx.pages()[0] || await ctx.newPage();
page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => console.log(`pageerror: ${e.message}\n${e.stack}`));
page.on('requestfailed', (r) => console.log(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
await page.goto(url);
await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 }).catch((e) => console.log('not ready', e.message));
if (process.env.CLICK) { const [x, y] = process.env.CLICK.split(',').map(Number); await page.mouse.click(x, y); await page.waitForTimeout(1500); }
await page.waitForTimeout(+(process.env.WAIT || 800));
await page.screenshot({ path: file });
await ctx.close(); fs.rmSync(dir, { recursive: true, force: true });
