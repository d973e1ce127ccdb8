// A fixture dataset: the demo data copied into a temporary directory, plus
// an incident whose text carries markup (incidents-xss.geojson) and 120,000
// synthetic incidents from "frontline gen" (incidents-synth.geojson), so
// the page's large-data path runs too. Nothing is written under data/.
//
// Text from the data is never interpreted as HTML: the markup shows as text
// and runs nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, openBrowser, ready, idle, root, binary, pixel } from './harness.mjs';

const IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">';
const SCRIPT = '<script>window.__xss=(window.__xss||0)+10</script>';

const fixture = {
  type: 'FeatureCollection',
  features: [{
    type: 'Feature',
    id: 'xss-1',
    geometry: { type: 'Point', coordinates: [36.29194, 33.51306] },
    properties: {
      date: '2025-05-01',
      date_precision: 'day',
      type: 'battles',
      actors: [{ actor: 'isis', name: '<b>bold</b> name', role: 'perpetrator' }],
      precision_m: 5000,
      place: `Damascus ${IMG}`,
      governorate: 'Damascus',
      fatalities_low: 1,
      fatalities_best: 2,
      fatalities_high: 3,
      fatalities_civilians: 0,
      description: `Test fixture. ${IMG} and ${SCRIPT} must show as text.`,
      sources: [
        { publisher: `Publisher ${SCRIPT}`, title: `Title ${IMG}`, url: 'https://example.org/one', published: '2025-05-02' },
        { publisher: 'Safe publisher', title: 'Safe link', url: 'https://example.org/report?a=1&b=<2>', published: '2025-05-03' },
      ],
      status: 'disputed',
      origin: 'xss',
      origin_id: '1',
    },
  }],
};

let server;
let browser;
let dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-e2e-data-'));
  fs.cpSync(path.join(root, 'data'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'incidents-xss.geojson'), JSON.stringify(fixture));
  execFileSync(binary(), ['gen', '-n', '120000', '-seed', '5', '-out', path.join(dir, 'incidents-synth.geojson')]);
  server = await startServer({ dataDir: dir });
  browser = await openBrowser(server.base);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('data shown as text', () => {
  it('an incident with <img onerror> and <script> in its text shows them and runs nothing', async () => {
    const page = await browser.page();
    await ready(page, server.base + '/#d=2025-05-01&w=7&c=36.29194,33.51306&z=11&l=incidents');
    await page.evaluate(() => new Promise((done) => {
      const group = window.frontline.layers.incidents;
      const m = group.getLayers().find((l) => l.feature && l.feature.id === 'xss-1');
      group.zoomToShowLayer(m, () => { m.openPopup(); done(); });
    }));
    await page.waitForSelector('.incident-popup-body[data-id="xss-1"]');
    await idle(page);
    const popup = await page.evaluate(() => {
      const el = document.querySelector('.incident-popup-body[data-id="xss-1"]');
      return {
        description: el.querySelector('.description').textContent,
        text: el.textContent,
        imgs: el.querySelectorAll('img').length,
        scripts: el.querySelectorAll('script').length,
        bold: el.querySelectorAll('b').length,
        links: [...el.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel'), target: a.getAttribute('target'), text: a.textContent })),
        disputed: !!el.querySelector('.badge-disputed'),
        xss: window.__xss,
      };
    });
    assert.ok(popup.description.includes(IMG), popup.description);
    assert.ok(popup.description.includes(SCRIPT), popup.description);
    assert.ok(popup.text.includes(`Damascus ${IMG}`), 'place as text');
    assert.ok(popup.text.includes(`Publisher ${SCRIPT}`), 'publisher as text');
    assert.ok(popup.text.includes('<b>bold</b> name') || popup.text.includes('ISIS'), 'actor shown');
    assert.equal(popup.imgs, 0);
    assert.equal(popup.scripts, 0);
    assert.equal(popup.bold, 0);
    assert.equal(popup.xss, undefined);
    assert.ok(popup.disputed, 'disputed shown plainly');
    // Source links open in a new tab with no handle on this page; their text
    // is the title as text. (The server refuses non-http(s) URLs, and the
    // page would not link one either: dom.js safeURL.)
    assert.deepEqual(popup.links, [
      { href: 'https://example.org/one', rel: 'noopener noreferrer', target: '_blank', text: `Title ${IMG}` },
      { href: 'https://example.org/report?a=1&b=%3C2%3E', rel: 'noopener noreferrer', target: '_blank', text: 'Safe link' },
    ]);
    // The page asked for no image "x" and met no error.
    assert.ok(!browser.requests.some((u) => /\/x$/.test(u)), 'no request for the injected image');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.deepEqual(browser.problems, []);

    // The same text in the area list and the CSV export stays text too.
    await page.evaluate(() => window.frontline.map.closePopup());
    await page.fill('#circle-km', '5');
    await page.click('#circle-centre button[type=submit]');
    await page.waitForSelector('#area-count');
    await idle(page);
    assert.equal(await page.evaluate(() => document.querySelectorAll('#results img, #results script').length), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  });

  it('with more incidents than it loads as markers, the page shows the API clusters, exact at every zoom, then markers', async () => {
    const page = await browser.page();
    await ready(page, server.base + '/#d=2026-01-31&w=all&c=38.5,35&z=6&l=incidents');
    // At zooms 6, 9 and 12 the clusters add up to the API's count for the
    // box the page asked about.
    const modes = {};
    for (const z of [6, 9, 12]) {
      await page.evaluate((zoom) => window.frontline.map.setView([35.6, 38.4], zoom), z);
      await idle(page);
      const got = await page.evaluate(() => {
        const app = window.frontline;
        const cl = app.layers.clusters.getLayers().map((m) => m.feature.properties.count);
        return { mode: app.incidents.mode, shown: app.incidents.shown, clusters: cl.length, sum: cl.reduce((a, b) => a + b, 0), bounds: app.map.getBounds().pad(0.25).toBBoxString(), status: document.getElementById('status').textContent };
      });
      modes[z] = got.mode;
      if (got.mode !== 'clusters') continue; // few enough in view: markers
      const [w, s, e, n] = got.bounds.split(',').map(Number);
      const bbox = [Math.max(-180, w), Math.max(-90, s), Math.min(180, e), Math.min(90, n)].map((v) => Math.round(v * 1e4) / 1e4).join(',');
      const api = await (await fetch(`${server.base}/api/collections/incidents/items?resultType=hits&datetime=../2026-01-31&bbox=${bbox}`)).json();
      assert.ok(got.clusters > 0, JSON.stringify(got));
      assert.equal(got.sum, api.numberMatched, `zoom ${z}: ${JSON.stringify(got)}`);
      assert.equal(got.shown, api.numberMatched);
      assert.match(got.status, /clustered/);
      assert.equal(await page.evaluate(() => document.querySelectorAll('.incident-icon').length), 0);
    }
    assert.equal(modes[6], 'clusters', JSON.stringify(modes));
    // A narrower window holds fewer than the limit: all of them as markers.
    await page.evaluate(() => window.frontline.map.setView([35, 38.5], 7));
    await page.selectOption('#window-select', '30');
    await idle(page);
    assert.equal(await page.evaluate(() => window.frontline.incidents.mode), 'all');
    assert.ok(await page.evaluate(() => document.querySelectorAll('.incident-icon, .incident-cluster').length) > 0);
    assert.deepEqual(browser.problems, []);
  });

  it('a drawn area over more than 100,000 incidents gets its counts and deaths from the API, every match', async () => {
    const page = await browser.page();
    await ready(page, server.base + '/#d=2026-12-31&w=all&c=38.5,35&z=6&l=zones');
    await page.click('#draw-polygon');
    const pts = [];
    for (const c of [[35.8, 32.4], [42.2, 32.4], [42.2, 37.3], [35.8, 37.3]]) pts.push(await pixel(page, c));
    for (const p of pts) await page.mouse.click(p.x, p.y);
    await page.mouse.click(pts[0].x, pts[0].y);
    await page.waitForSelector('#area-count');
    await idle(page);
    const sel = await page.evaluate(() => window.frontline.state.selection);
    const ring = [...sel.ring, sel.ring[0]];
    const body = { geometry: { type: 'Polygon', coordinates: [ring] }, datetime: '../2026-12-31' };
    const stats = await (await fetch(server.base + '/api/stats', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...body, group: 'type' }),
    })).json();
    assert.ok(stats.numberMatched > 100000, `the area holds ${stats.numberMatched} incidents, want more than 100,000`);
    const deaths = stats.groups.reduce((t, g) => t + g.fatalities.best, stats.ungrouped.fatalities.best);
    assert.equal(Number(await page.getAttribute('#area-count', 'data-count')), stats.numberMatched);
    assert.equal(Number(await page.getAttribute('#area-deaths', 'data-deaths')), deaths);
    assert.equal(await page.$$eval('.incident-list li', (lis) => lis.length), 100);
    assert.deepEqual(browser.problems, []);
  });
});
