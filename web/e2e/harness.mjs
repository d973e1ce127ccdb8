// The browser tests' harness: the real frontline binary on a free loopback
// port, and Debian's chromium driven by playwright-core (no browser
// download), with every request outside the server refused and recorded.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// binary returns the frontline binary to test: $FRONTLINE_BIN (make e2e
// builds it), or one built here into a temporary directory.
let built = null;
export function binary() {
  if (process.env.FRONTLINE_BIN) return process.env.FRONTLINE_BIN;
  if (!built) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-e2e-bin-'));
    built = path.join(dir, 'frontline');
    execFileSync('go', ['build', '-o', built, './cmd/frontline'], { cwd: root, stdio: 'inherit' });
  }
  return built;
}

// startServer runs "frontline serve" on 127.0.0.1:0 and resolves to
// {base, stop, log} once it is ready. With dataDir it serves that directory
// read-only (--data); with db, the GeoPackage store at that path (--db);
// without either, it runs the default mode, a GeoPackage store
// seeded from the embedded demo data, in a fresh temporary file, so edits
// made to a developer's ./frontline.gpkg never leak into the tests.
//
// extra are more flags of serve (such as --public-read=false).
//
// For working on the page, FRONTLINE_URL points the tests at a server that
// is already running (such as "frontline serve --dev") instead.
export function startServer({ dataDir, db, dev = false, extra = [], url = process.env.FRONTLINE_URL } = {}) {
  if (url) return Promise.resolve({ base: url.replace(/\/$/, ''), log: () => '', stop: async () => {} });
  const args = ['serve', '--addr', '127.0.0.1:0', ...extra];
  let dbDir = null;
  if (dataDir) {
    args.push('--data', dataDir);
  } else if (db) {
    args.push('--db', db);
  } else {
    dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-e2e-db-'));
    args.push('--db', path.join(dbDir, 'frontline.gpkg'));
  }
  if (dev) args.push('--dev');
  const proc = spawn(binary(), args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let started = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill(); reject(new Error(`frontline serve did not start in 20 s:\n${log}`)); }, 20000);
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/addr=(http:\/\/127\.0\.0\.1:\d+)/);
      if (m && !started) {
        started = true;
        clearTimeout(timer);
        waitReady(m[1], () => proc.exitCode === null && proc.signalCode === null).then(() => resolve({
          base: m[1],
          pid: proc.pid,
          log: () => log,
          stop: () => new Promise((done) => {
            proc.once('exit', () => {
              if (dbDir) fs.rmSync(dbDir, { recursive: true, force: true });
              done();
            });
            proc.kill('SIGTERM');
          }),
        }), reject);
      }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`frontline serve exited with ${code}:\n${log}`)); });
  });
}

// waitReady polls /readyz until the dataset is loaded (the server listens
// before it has loaded, and answers 503 until then).
async function waitReady(base, alive) {
  const deadline = Date.now() + 60000;
  for (;;) {
    if (!alive()) throw new Error('frontline serve exited before it was ready');
    const res = await fetch(base + '/readyz').catch(() => null);
    if (res && res.ok) return;
    if (Date.now() > deadline) throw new Error(`${base}/readyz did not answer 200 within 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// openBrowser launches chromium with a fresh profile. Each page it makes
// records console errors, page errors, failed requests, HTTP errors and any
// request to anything but base (which it aborts) into problems.
export async function openBrowser(base, { width = 1400, height = 900 } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-e2e-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width, height }, args: CHROMIUM_ARGS,
    acceptDownloads: true,
  });
  const problems = [];
  const requests = [];
  await ctx.route((url) => !url.href.startsWith(base + '/') && url.href !== base && !url.href.startsWith('blob:') && !url.href.startsWith('data:'), (route) => {
    problems.push(`request outside the server: ${route.request().url()}`);
    route.abort('blockedbyclient');
  });
  const watch = (page) => {
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => {
      // The live stream (GET /api/live) stays open until the page goes:
      // leaving the page aborts it.
      const aborted = r.failure() && r.failure().errorText === 'net::ERR_ABORTED';
      if (aborted && new URL(r.url()).pathname === '/api/live') return;
      problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText}`);
    });
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
  };
  ctx.on('page', watch);
  for (const p of ctx.pages()) watch(p);
  return {
    ctx,
    problems,
    requests,
    async page() {
      return ctx.pages()[0] || ctx.newPage();
    },
    async close() {
      await ctx.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// ready loads url and waits until the page has loaded every layer.
export async function ready(page, url) {
  // A fresh document each time: going from one #view to another on the same
  // page would only change the hash. Let the previous page finish its
  // requests first, or leaving it would abort them.
  if (page.url().startsWith('http')) {
    await page.waitForFunction(() => !document.body || !document.body.dataset.busy || document.body.dataset.busy === '0', null, { timeout: 30000 });
    await page.waitForTimeout(250);
    await page.waitForFunction(() => !document.body || !document.body.dataset.busy || document.body.dataset.busy === '0', null, { timeout: 30000 });
  }
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
  await idle(page);
}

// moveTo sets the map's view to centre ([lat, lng], Leaflet's order) and
// zoom, waits for its moveend (after Leaflet's zoom transition, which runs
// when the zoom changes by up to 4) and then for the page to be idle.
export async function moveTo(page, centre, zoom) {
  await page.evaluate(([c, z]) => new Promise((done) => {
    const map = window.frontline.map;
    map.once('moveend', () => done());
    map.setView(c, z);
  }), [centre, zoom]);
  await idle(page);
}

// idle waits until no API request of the page is in flight.
export async function idle(page) {
  await page.waitForFunction(() => document.body.dataset.busy === '0', null, { timeout: 30000 });
  await page.waitForTimeout(150);
  await page.waitForFunction(() => document.body.dataset.busy === '0', null, { timeout: 30000 });
}

// apiUp fails with a message naming path when the API does not answer it
// with a 2xx (the handlers of other issues may not have landed yet).
export async function apiUp(base, paths) {
  const down = [];
  for (const p of paths) {
    const res = typeof p === 'string' ? await fetch(base + p) : await fetch(base + p.path, p.init);
    if (!res.ok) down.push(`${typeof p === 'string' ? 'GET ' + p : (p.init.method || 'GET') + ' ' + p.path} answered ${res.status}`);
  }
  if (down.length) throw new Error(`the web map needs these API endpoints, which do not work yet:\n  ${down.join('\n  ')}`);
}

// zonesAt returns the zone paths drawn under [lon, lat], with their classes
// and fill and stroke colours, by asking each rendered SVG path whether the
// point is inside its fill. (Zones are not interactive, so their paths have
// pointer-events: none and elementsFromPoint would skip them.)
export async function zonesAt(page, lonlat) {
  return page.evaluate(([lon, lat]) => {
    const lp = window.frontline.map.latLngToLayerPoint([lat, lon]);
    return [...document.querySelectorAll('path.zone')]
      .filter((el) => el.isPointInFill(new DOMPoint(lp.x, lp.y)))
      .map((el) => ({ cls: el.getAttribute('class'), fill: el.getAttribute('fill'), stroke: el.getAttribute('stroke') }));
  }, lonlat);
}

// pixel returns the page coordinates of [lon, lat] on the map.
export async function pixel(page, lonlat) {
  return page.evaluate(([lon, lat]) => {
    const map = window.frontline.map;
    const pt = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + pt.x, y: box.top + pt.y };
  }, lonlat);
}
