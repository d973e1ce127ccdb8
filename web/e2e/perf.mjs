// The page benchmark of issue 14, run by `make bench-page`: the real binary
// serving N synthetic incidents (frontline gen -seed 2026) read-only, and
// headless Chromium driven through a fixed 30-step tour: zoom 6 to 14 over
// Aleppo, pans, date steps, a window change and a type filter (zooms and
// pans without Leaflet's transition, so a step times the page's own work:
// its requests and drawing). It prints
// `go test -bench` lines for cmd/benchdoc:
//   Page/FirstRender/n=N  from navigation to the page ready with no API
//                         request in flight (ns/op);
//   Page/Step/n=N         each step from its action to no request in
//                         flight: p50-ms, p95-ms, max-ms over the 30;
//   Page/Memory/n=N       the tab's JS heap at its largest (heap-MB), the
//                         server's peak RSS over the tour (rss-MB: the
//                         kernel's high-water mark, reset once the page is
//                         first ready) and at start-up (start-rss-MB:
//                         reading and indexing the N incidents).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, openBrowser, binary } from './harness.mjs';

const n = Number(process.env.PAGE_N || 1000000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-page-'));
const kb = (pid, key) => Number((fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${key}:\\s+(\\d+)`)) || [0, 0])[1]);

// settled waits until the page has no API request in flight, polling on
// every animation frame.
const settled = (page) => page.waitForFunction(() => document.body.dataset.ready === '1' && document.body.dataset.busy === '0', null, { timeout: 60000, polling: 'raf' });

try {
  fs.writeFileSync(path.join(dir, 'actors.json'), '[]');
  execFileSync(binary(), ['gen', '-n', String(n), '-seed', '2026', '-out', path.join(dir, 'incidents-synthetic.geojson')]);
  const server = await startServer({ dataDir: dir });
  const browser = await openBrowser(server.base);
  const page = await browser.page();
  try {
    const start = Date.now();
    await page.goto(`${server.base}/#d=2026-12-31&w=365&c=37.16,36.2&z=6&l=zones,incidents`);
    await settled(page);
    const first = Date.now() - start;
    const steps = [];
    for (let z = 7; z <= 14; z++) steps.push(['zoom', (zz) => { window.frontline.map.setZoom(zz, { animate: false }); }, z]);
    for (const [dx, dy] of [[0.02, 0], [0, 0.02], [-0.04, 0], [0, -0.04]]) steps.push(['pan', ([x, y]) => { window.frontline.map.panBy([x * 4000, y * 4000], { animate: false }); }, [dx, dy]]);
    for (let z = 12; z >= 9; z--) steps.push(['zoom', (zz) => { window.frontline.map.setZoom(zz, { animate: false }); }, z]);
    for (const d of ['2026-11-30', '2026-10-31', '2026-09-30', '2026-08-31', '2026-07-31', '2026-06-30', '2026-05-31', '2026-04-30', '2026-03-31']) {
      steps.push(['date', (v) => { const el = document.getElementById('date-input'); el.value = v; el.dispatchEvent(new Event('change', { bubbles: true })); }, d]);
    }
    steps.push(['window', (v) => { const el = document.getElementById('window-select'); el.value = v; el.dispatchEvent(new Event('change', { bubbles: true })); }, '90']);
    steps.push(['filter', (v) => { const el = document.getElementById('filter-type'); el.value = v; el.dispatchEvent(new Event('change', { bubbles: true })); }, 'battles']);
    for (const [dx, dy] of [[0.03, 0.01], [-0.03, -0.01]]) steps.push(['pan', ([x, y]) => { window.frontline.map.panBy([x * 4000, y * 4000], { animate: false }); }, [dx, dy]]);
    steps.push(['zoom', (zz) => { window.frontline.map.setZoom(zz, { animate: false }); }, 6]);
    if (steps.length !== 30) throw new Error(`the tour has ${steps.length} steps, not 30`);
    const times = [];
    let heap = 0;
    const startRSS = kb(server.pid, 'VmHWM');
    // Writing 5 to clear_refs resets VmHWM (Linux 4.0+), so what follows is
    // the tour's own peak.
    fs.writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
    let rss = kb(server.pid, 'VmHWM');
    for (const [name, fn, arg] of steps) {
      const t = Date.now();
      await page.evaluate(fn, arg);
      // The step's requests start within the action (zooms and pans are
      // not animated, and the page's handlers ask the API before they
      // yield), so busy is already up when settled first looks.
      await settled(page);
      times.push(Date.now() - t);
      // Each step on stderr, for finding the slow ones: its time, what the
      // incident layer shows and how many.
      const inc = await page.evaluate(() => ({ mode: window.frontline.incidents.mode, shown: window.frontline.incidents.shown }));
      console.error(`step ${times.length} ${name} ${JSON.stringify(arg)}: ${times[times.length - 1]} ms, ${inc.mode} ${inc.shown}`);
      heap = Math.max(heap, await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize : 0)));
      rss = Math.max(rss, kb(server.pid, 'VmHWM'));
    }
    times.sort((a, b) => a - b);
    const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
    console.log(`BenchmarkPage/FirstRender/n=${n}\t1\t${first * 1e6} ns/op`);
    console.log(`BenchmarkPage/Step/n=${n}\t${times.length}\t${q(0.5) * 1e6} ns/op\t${q(0.5)} p50-ms\t${q(0.95)} p95-ms\t${times[times.length - 1]} max-ms`);
    console.log(`BenchmarkPage/Memory/n=${n}\t1\t${Math.round(heap / 2 ** 20)} heap-MB\t${Math.round(rss / 1024)} rss-MB\t${Math.round(startRSS / 1024)} start-rss-MB`);
    if (browser.problems.length) console.error('page problems:', browser.problems.slice(0, 5));
  } finally {
    await browser.close();
    await server.stop();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
