// make screenshots: the default view of the web map, and the same page on a
// phone with a point selected, saved under docs/ from the real binary with
// the demo data, in Debian's chromium.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, openBrowser, ready, idle, root } from './harness.mjs';

const shots = [
  { file: 'docs/screenshot.png', url: '/', width: 1400, height: 860 },
  { file: 'docs/screenshot-area.png', url: '/#d=2025-12-31&w=all&c=38.3,35.2&z=7&sel=poly:37.9,35.1;39.5,35.1;39.5,36.2;37.9,36.2', width: 1400, height: 860 },
  { file: 'docs/screenshot-phone.png', url: '/#d=2024-12-06&w=all&c=38.6,35.2&z=6&sel=point:39.0167,35.95', width: 390, height: 800 },
];

const server = await startServer();
try {
  for (const s of shots) {
    const browser = await openBrowser(server.base, { width: s.width, height: s.height });
    try {
      const page = await browser.page();
      await ready(page, server.base + s.url);
      if (s.url.includes('sel=')) await page.waitForSelector('#results-body :is(#area-count, #control-zones, .control-none)');
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
}
