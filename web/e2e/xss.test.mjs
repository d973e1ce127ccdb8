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
import { startServer, openBrowser, ready, idle, root, binary, pixel, moveTo } from './harness.mjs';

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
    // At the last zoom the fixture stands alone in its cell: its marker is
    // on the map, and its popup opens.
    await moveTo(page, [33.51306, 36.29194], 16);
    await page.evaluate(() => {
      const m = window.frontline.incidents.markers.find((l) => l.feature.id === 'xss-1');
      if (!window.frontline.map.hasLayer(m)) throw new Error('xss-1 is not drawn alone at zoom 16');
      m.openPopup();
    });
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
    await page.evaluate(() => { window.frontline.map.closePopup(); });
    await page.fill('#circle-km', '5');
    await page.click('#circle-centre button[type=submit]');
    await page.waitForSelector('#area-count');
    await idle(page);
    assert.equal(await page.evaluate(() => document.querySelectorAll('#results img, #results script').length), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  });

  it('at zooms 6, 9 and 12 the clusters add up to the API count of the view, from the server or the browser', async () => {
    const page = await browser.page();
    await ready(page, server.base + '/#d=2026-01-31&w=all&c=38.5,35&z=6&l=incidents');
    const view = async (params) => {
      const got = await page.evaluate(() => {
        const app = window.frontline;
        const g = app.layers.incidents;
        const server = app.layers.clusters.getLayers().map((m) => m.feature.properties.count);
        return {
          mode: app.incidents.mode, shown: app.incidents.shown, box: app.incidents.box,
          serverClusters: server.length, serverSum: server.reduce((a, b) => a + b, 0),
          markers: app.incidents.markers.length,
          // The browser's badges and lone markers at this zoom: every
          // marker in one cell.
          browserSum: g.getLayers().reduce((t, m) => t + (m.options.count || 1), 0),
          onMap: { clusters: app.map.hasLayer(app.layers.clusters), markers: app.map.hasLayer(g) },
          status: document.getElementById('status').textContent,
        };
      });
      const api = await (await fetch(`${server.base}/api/collections/incidents/items?resultType=hits&bbox=${got.box.join(',')}&${params}`)).json();
      return { got, matched: api.numberMatched };
    };
    const modes = {};
    for (const [z, centre] of [[6, [35.6, 38.4]], [9, [36.2, 37.16]], [12, [36.2, 37.16]], [12, [35.0, 40.5]], [14, [34.3, 39.2]]]) {
      await moveTo(page, centre, z);
      const { got, matched } = await view('datetime=../2026-01-31');
      const at = `zoom ${z} at ${centre}: ${JSON.stringify(got)}`;
      modes[`${z}@${centre}`] = got.mode;
      assert.equal(got.shown, matched, at);
      if (got.mode === 'clusters') {
        assert.ok(got.serverClusters > 0, at);
        assert.equal(got.serverSum, matched, at);
        assert.ok(got.onMap.clusters && !got.onMap.markers, at);
        assert.match(got.status, /clustered by the server/);
      } else {
        assert.equal(got.mode, 'markers', at);
        assert.ok(matched <= 2000, at);
        assert.equal(got.markers, matched, at);
        assert.equal(got.browserSum, matched, at);
        assert.ok(got.onMap.markers && !got.onMap.clusters, at);
      }
    }
    // Both kinds occur on this tour: the server's over dense views, the
    // browser's where few enough are in view.
    assert.equal(modes['6@35.6,38.4'], 'clusters', JSON.stringify(modes));
    assert.ok(Object.values(modes).includes('markers'), JSON.stringify(modes));

    // A server cluster's click zooms in to its incidents.
    await moveTo(page, [36.2, 37.16], 7);
    const before = await page.evaluate(() => window.frontline.map.getZoom());
    await page.evaluate(() => new Promise((done) => {
      const app = window.frontline;
      const biggest = app.layers.clusters.getLayers().sort((a, b) => b.feature.properties.count - a.feature.properties.count)[0];
      app.map.once('moveend', () => done());
      biggest.fire('click');
    }));
    await idle(page);
    assert.ok(await page.evaluate(() => window.frontline.map.getZoom()) > before);
    // So does a browser badge's, where the page draws the markers.
    await moveTo(page, [34.3, 39.2], 11);
    assert.equal(await page.evaluate(() => window.frontline.incidents.mode), 'markers');
    const zoomed = await page.evaluate(() => new Promise((done) => {
      const app = window.frontline;
      const badge = app.layers.incidents.getLayers().find((m) => m.options.count > 1);
      if (!badge) { done(null); return; }
      const from = app.map.getZoom();
      app.map.once('moveend', () => done([from, app.map.getZoom()]));
      badge.fire('click');
    }));
    assert.ok(zoomed && zoomed[1] > zoomed[0], JSON.stringify(zoomed));
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
