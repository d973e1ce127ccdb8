// make screenshots: the default view of the web map, an area's results,
// the same page on a phone with a point selected, and an editor redrawing
// a zone, saved under docs/ from the real binary with the demo data, in
// Debian's chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, openBrowser, ready, idle, pixel, root, binary } from './harness.mjs';

const shots = [
  { file: 'docs/screenshot.png', url: '/', width: 1400, height: 860 },
  { file: 'docs/screenshot-area.png', url: '/#d=2025-12-31&w=all&c=38.3,35.2&z=7&sel=poly:37.9,35.1;39.5,35.1;39.5,36.2;37.9,36.2', width: 1400, height: 860 },
  { file: 'docs/screenshot-phone.png', url: '/#d=2024-12-06&w=all&c=38.6,35.2&z=6&sel=point:39.0167,35.95', width: 390, height: 800 },
  { file: 'docs/screenshot-edit.png', url: '/#d=2025-06-01&c=40.5,36.0&z=7', width: 1400, height: 860, edit: [40.5, 36.0] },
];

// The store, seeded with the demo data, and an editor's token for the
// editing view.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-screenshots-'));
const db = path.join(dir, 'frontline.gpkg');
const token = execFileSync(binary(), ['token', 'create', '--db', db, '--name', 'editor', '--role', 'editor'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();

// edit signs in as the editor and opens the form of the zone at point.
async function edit(page, point) {
  await page.click('#sign-in');
  await page.fill('#token-input', token);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in-form button[type=submit]')]);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  await idle(page);
  const at = await pixel(page, point);
  await page.mouse.click(at.x, at.y);
  await page.click('#control-zones [data-edit]');
  await page.waitForSelector('.zone-form');
}

const server = await startServer({ db });
try {
  for (const s of shots) {
    const browser = await openBrowser(server.base, { width: s.width, height: s.height });
    try {
      const page = await browser.page();
      await ready(page, server.base + s.url);
      if (s.url.includes('sel=')) await page.waitForSelector('#results-body :is(#area-count, #control-zones, .control-none)');
      if (s.edit) await edit(page, s.edit);
      await idle(page);
      await page.waitForTimeout(400);
      fs.mkdirSync(path.dirname(path.join(root, s.file)), { recursive: true });
      await page.screenshot({ path: path.join(root, s.file) });
      if (browser.problems.length) throw new Error(`${s.file}: ${browser.problems.join('; ')}`);
      console.log(`wrote ${s.file} (${s.width}x${s.height}, ${s.url})`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
