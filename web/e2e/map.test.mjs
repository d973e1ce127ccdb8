// The web map in a real browser, against the real binary serving the
// embedded demo dataset. Run by "make e2e" (part of "make test").
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, openBrowser, ready, idle, apiUp, zonesAt, pixel, root, moveTo } from './harness.mjs';

// From data/README.md: Raqqa is held by the SDF on 2024-12-06 and by the
// interim government on 2026-01-25; Palmyra has two zones on 2025-06-01.
const RAQQA = [39.0167, 35.95];
const PALMYRA = [38.26722, 34.56];
const SDF = '#DDCC77';
const INTERIM = '#117733';

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  await apiUp(server.base, [
    '/api/actors',
    '/api/collections/incidents',
    '/api/collections/zones/items?as_of=2025-06-01&limit=10',
    '/api/collections/incidents/items?limit=10',
    '/api/collections/sites/items?limit=10',
    '/api/collections/governorates/items?limit=10',
    `/api/control?point=${RAQQA}&date=2024-12-06`,
    `/api/control/history?point=${RAQQA}`,
    { path: '/api/search', init: { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ geometry: { type: 'Point', coordinates: RAQQA }, radius: 10000 }) } },
  ]);
  browser = await openBrowser(server.base);
  page = await browser.page();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

function noProblems(what) {
  const problems = browser.problems.splice(0);
  assert.deepEqual(problems, [], `${what}: ${problems.length} problem(s):\n${problems.join('\n')}`);
}

describe('web map', () => {
  it('loads with no console error, no failed request and nothing but loopback', async () => {
    browser.requests.length = 0;
    await ready(page, server.base + '/');
    noProblems('first load');
    const outside = browser.requests.filter((u) => !u.startsWith(server.base + '/') && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(outside, []);
    // The default view puts its state in the URL.
    assert.match(page.url(), /#d=\d{4}-\d{2}-\d{2}&w=/);
  });

  it('renders zones, incidents, sites, governorates and the legend', async () => {
    await ready(page, server.base + '/#d=2024-12-06&w=all&c=38.5,35&z=7');
    const counts = await page.evaluate(() => ({
      zones: document.querySelectorAll('path.zone').length,
      incidents: window.frontline.incidents.shown,
      drawn: window.frontline.layers.incidents.getLayers().length + window.frontline.layers.clusters.getLayers().length,
      sites: document.querySelectorAll('.site-icon:not(.legend-site)').length,
      governorates: document.querySelectorAll('path.governorate').length,
      legendActors: [...document.querySelectorAll('#legend-actors li[data-actor]')].map((li) => li.dataset.actor),
      legendTypes: document.querySelectorAll('#legend-types li').length,
      legendStatuses: document.querySelectorAll('#legend-statuses li').length,
    }));
    assert.ok(counts.zones >= 5, `zones drawn: ${counts.zones}`);
    assert.ok(counts.incidents > 0, `incidents shown: ${counts.incidents}`);
    assert.ok(counts.drawn > 0, `incident markers or clusters: ${counts.drawn}`);
    assert.ok(counts.sites >= 20, `sites: ${counts.sites}`);
    assert.equal(counts.governorates, 14);
    assert.ok(counts.legendActors.includes('sdf') && counts.legendActors.includes('hts'), `legend actors: ${counts.legendActors}`);
    assert.equal(counts.legendTypes, 6);
    assert.equal(counts.legendStatuses, 6);
    noProblems('render');
  });

  it('hides a layer when its box is unticked, and shows it again', async () => {
    await ready(page, server.base + '/#d=2024-12-06&w=all&c=38.5,35&z=7');
    // Incidents and the API's clusters draw on canvases: what is on the map
    // is the incident layer (markers and badges) or the API badges.
    const count = (sel) => page.evaluate((s) => {
      if (s !== 'incidents') return document.querySelectorAll(s).length;
      const app = window.frontline;
      let n = 0;
      if (app.map.hasLayer(app.layers.clusters)) n += app.layers.clusters.getLayers().length;
      if (app.map.hasLayer(app.layers.incidents)) n += app.layers.incidents.getLayers().length;
      return n;
    }, sel);
    for (const [layer, sel] of [['zones', 'path.zone'], ['incidents', 'incidents'], ['sites', '.leaflet-marker-pane .site-icon, .leaflet-sites-pane .site-icon'], ['governorates', 'path.governorate']]) {
      assert.ok(await count(sel) > 0, `${layer} shown before`);
      await page.uncheck(`#layer-${layer}`);
      assert.equal(await count(sel), 0, `${layer} hidden`);
      assert.doesNotMatch(decodeURIComponent(page.url()), new RegExp(`[&#]l=[^&]*${layer}`));
      await page.check(`#layer-${layer}`);
      assert.ok(await count(sel) > 0, `${layer} shown again`);
    }
    noProblems('toggling');
  });

  it('moving the date changes the zones: Raqqa is SDF on 2024-12-06 and interim government on 2026-01-25', async () => {
    await ready(page, server.base + `/#d=2024-12-06&w=30&c=${RAQQA}&z=8&l=zones`);
    let at = await zonesAt(page, RAQQA);
    assert.equal(at.length, 1, JSON.stringify(at));
    assert.match(at[0].cls, /zone-actor-sdf/);
    assert.equal(at[0].fill.toUpperCase(), SDF);
    await page.fill('#date-input', '2026-01-25');
    await page.dispatchEvent('#date-input', 'change');
    await page.waitForFunction(() => document.body.dataset.zonesDate === '2026-01-25');
    await idle(page);
    at = await zonesAt(page, RAQQA);
    assert.equal(at.length, 1, JSON.stringify(at));
    assert.match(at[0].cls, /zone-actor-interim-government/);
    assert.equal(at[0].fill.toUpperCase(), INTERIM);
    assert.match(page.url(), /d=2026-01-25/);
    // The slider moves the date too.
    const before = await page.inputValue('#date-input');
    await page.focus('#date-slider');
    await page.keyboard.press('PageDown');
    await page.waitForFunction((b) => document.body.dataset.zonesDate !== b, before);
    await idle(page);
    assert.notEqual(await page.inputValue('#date-input'), before);
    noProblems('date');
  });

  it('play steps the date forward until paused', async () => {
    await ready(page, server.base + '/#d=2024-10-01&w=30&l=zones');
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
    await page.waitForFunction(() => document.body.dataset.zonesDate > '2024-11-15', null, { timeout: 20000 });
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    await idle(page);
    const d = await page.inputValue('#date-input');
    await page.waitForTimeout(1000);
    assert.equal(await page.inputValue('#date-input'), d, 'paused');
    noProblems('play');
  });

  it('clicking a point shows who controls it on the date, every overlapping zone, and its history', async () => {
    await ready(page, server.base + `/#d=2024-12-06&w=30&c=${RAQQA}&z=8&l=zones`);
    const p = await pixel(page, RAQQA);
    await page.mouse.click(p.x, p.y);
    await page.waitForSelector('#control-zones li');
    await idle(page);
    const actors = await page.$$eval('#control-zones li', (lis) => lis.map((li) => li.dataset.actor));
    assert.deepEqual(actors, ['sdf']);
    const history = await page.textContent('.periods');
    assert.match(history, /SDF/);
    assert.match(history, /Interim gov/);
    assert.ok(await page.$('svg.timeline rect'), 'timeline drawn');
    assert.match(page.url(), /sel=point:/);

    // Palmyra on 2025-06-01: government control and ISIS presence overlap.
    await ready(page, server.base + `/#d=2025-06-01&w=30&c=${PALMYRA}&z=8&l=zones`);
    const q = await pixel(page, PALMYRA);
    await page.mouse.click(q.x, q.y);
    await page.waitForSelector('#control-zones li');
    await idle(page);
    const both = await page.$$eval('#control-zones li', (lis) => lis.map((li) => `${li.dataset.actor}/${li.dataset.status}`));
    assert.deepEqual(both.sort(), ['interim-government/control', 'isis/presence']);
    noProblems('click');
  });

  it('drawing a polygon counts the same incidents as POST /api/search', async () => {
    await ready(page, server.base + '/#d=2024-12-31&w=all&c=37.5,35.5&z=7&l=zones');
    await page.click('#draw-polygon');
    const corners = [[36.2, 35.6], [38.4, 35.6], [38.4, 37.0], [36.2, 37.0]];
    const pts = [];
    for (const c of corners) pts.push(await pixel(page, c));
    for (const p of pts) await page.mouse.click(p.x, p.y);
    await page.mouse.click(pts[0].x, pts[0].y);
    await page.waitForSelector('#area-count');
    await idle(page);
    const shown = Number(await page.getAttribute('#area-count', 'data-count'));
    // The ring the page drew, read back from the map's pixels, posted here.
    const ring = await page.evaluate((ps) => {
      const map = window.frontline.map;
      const box = map.getContainer().getBoundingClientRect();
      return ps.map((p) => { const ll = map.containerPointToLatLng([p.x - box.left, p.y - box.top]); return [ll.lng, ll.lat]; });
    }, pts);
    const res = await fetch(server.base + '/api/search', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] }, datetime: '../2024-12-31', resultType: 'hits' }),
    });
    assert.equal(res.status, 200);
    const api = await res.json();
    assert.ok(api.numberMatched > 0, 'the polygon over Aleppo and Idlib holds incidents');
    assert.equal(shown, api.numberMatched);
    const listed = await page.$$eval('.incident-list li', (lis) => lis.length);
    assert.equal(listed, Math.min(100, api.numberMatched));
    assert.ok(await page.$('#results svg.chart'), 'charts drawn');
    assert.match(page.url(), /sel=poly:/);

    // A reload of that URL redraws the same selection with the same count.
    const url = page.url();
    await ready(page, url);
    await page.waitForSelector('#area-count');
    assert.equal(Number(await page.getAttribute('#area-count', 'data-count')), api.numberMatched);

    // Export: GeoJSON is the API's answer, CSV has one row per incident.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=csv]')]);
    const csv = fs.readFileSync(await dl.path(), 'utf8').trim().split(/\r\n/);
    assert.match(csv[0], /^id,date,/);
    assert.equal(csv.length - 1, api.numberMatched);
    assert.ok(!csv.some((l) => l.includes('undefined')), 'a CSV cell says undefined');
    // An actor known only by name keeps its name in the CSV.
    const row = await page.evaluate(async () => (await import('/js/export.js')).toCSV([{ id: 'x', geometry: { coordinates: [1, 2] },
      properties: { actors: [{ name: 'Civilians', role: 'target' }, { actor: 'sdf', role: 'perpetrator' }] } }]));
    assert.match(row.split('\r\n')[1], /,Civilians:target; sdf:perpetrator,/);
    noProblems('draw');
  });

  it('reloading the page from its URL restores the same view', async () => {
    await ready(page, server.base + '/#d=2025-03-01&w=90&c=38,35.5&z=7');
    await page.selectOption('#window-select', '365');
    await page.selectOption('#filter-type', 'battles');
    await page.fill('#filter-minf', '1');
    await page.dispatchEvent('#filter-minf', 'change');
    await page.uncheck('#layer-sites');
    await moveTo(page, [36.2, 37.2], 9);
    const view = (pg) => pg.evaluate(() => {
      const m = window.frontline.map;
      const c = m.getCenter();
      return {
        date: document.getElementById('date-input').value,
        window: document.getElementById('window-select').value,
        type: document.getElementById('filter-type').value,
        minf: document.getElementById('filter-minf').value,
        sites: document.getElementById('layer-sites').checked,
        zones: document.getElementById('layer-zones').checked,
        zoom: m.getZoom(),
        center: [c.lng.toFixed(3), c.lat.toFixed(3)],
        status: document.getElementById('status').textContent,
      };
    });
    const before = await view(page);
    const url = page.url();
    const fresh = await browser.ctx.newPage();
    await ready(fresh, url);
    const after = await view(fresh);
    await fresh.close();
    assert.deepEqual(after, before);
    assert.equal(before.sites, false);
    assert.equal(before.type, 'battles');
    noProblems('reload');
  });

  it('a permalink with the results panel open keeps its centre over reloads', async () => {
    const start = server.base + '/#d=2026-01-20&w=90&c=38.2000,35.1000&z=7&sel=point:38.3,35.2';
    await ready(page, start);
    await page.waitForSelector('#results:not([hidden])');
    await idle(page);
    const centre = (pg) => pg.evaluate(() => { const c = window.frontline.map.getCenter(); return [c.lng, c.lat]; });
    const first = await centre(page);
    let url = page.url();
    for (let i = 0; i < 3; i++) {
      const again = await browser.ctx.newPage();
      await ready(again, url);
      await again.waitForSelector('#results:not([hidden])');
      await idle(again);
      const c = await centre(again);
      assert.ok(Math.abs(c[0] - first[0]) < 1e-4 && Math.abs(c[1] - first[1]) < 1e-4, `reload ${i + 1}: centre ${c}, first ${first}`);
      url = again.url();
      await again.close();
    }
    // A hand-written centre lands on the map's pixel grid (within a pixel,
    // 0.011° at zoom 7); the page then writes that centre, which reloads
    // keep (above) to 1e-4°. Before, every reload moved it about 2° west.
    assert.ok(Math.abs(first[0] - 38.2) < 0.011 && Math.abs(first[1] - 35.1) < 0.011, `the permalink's centre 38.2,35.1 became ${first}`);
    noProblems('permalink');
  });

  it('works on a phone-sized screen, with the controls behind a button', async () => {
    const phone = await openBrowser(server.base, { width: 390, height: 844 });
    try {
      const p = await phone.page();
      await ready(p, server.base + '/');
      assert.equal(await p.isVisible('#panel-toggle'), true);
      const hiddenLeft = await p.evaluate(() => document.getElementById('panel').getBoundingClientRect().right <= 0);
      assert.ok(hiddenLeft, 'panel off-screen until asked for');
      await p.click('#panel-toggle');
      await p.waitForFunction(() => document.getElementById('panel').getBoundingClientRect().left >= 0);
      assert.equal(await p.getAttribute('#panel-toggle', 'aria-expanded'), 'true');
      assert.deepEqual(phone.problems, []);
    } finally {
      await phone.close();
    }
  });

  it('runs under a strict Content-Security-Policy', async () => {
    // The server sets no CSP yet; the test adds one to the page's response,
    // and the browser reports any blocked script, style or request as a
    // console error.
    const csp = "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
    await page.route(server.base + '/', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': csp } });
    });
    try {
      await ready(page, server.base + `/#d=2024-12-06&w=all&sel=point:${RAQQA}`);
      await page.waitForSelector('#control-zones li');
      await idle(page);
      assert.ok(await page.$('path.zone'), 'zones drawn');
      noProblems('strict CSP');
    } finally {
      await page.unroute(server.base + '/');
    }
  });

  it('every form control has a label', async () => {
    await ready(page, server.base + '/');
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button')]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
      .map((el) => el.id || el.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, []);
  });
});

describe('web files', () => {
  it('serve --dev serves web/static from disk', { skip: process.env.FRONTLINE_URL ? 'FRONTLINE_URL set' : false }, async () => {
    const dev = await startServer({ dev: true });
    try {
      for (const f of ['index.html', 'js/app.js', 'css/app.css']) {
        const res = await fetch(`${dev.base}/${f}`);
        assert.equal(res.status, 200, f);
        assert.equal(await res.text(), fs.readFileSync(path.join(root, 'web/static', f), 'utf8'), f);
      }
    } finally {
      await dev.stop();
    }
  });

  it('the basemap matches data/boundaries (make basemap)', () => {
    execFileSync('node', [path.join(root, 'web/tools/basemap.mjs'), '--check'], { stdio: 'inherit' });
  });

  it('the vendored libraries are the versions of the lockfile, each with its licence', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'web/e2e/package-lock.json'), 'utf8'));
    const lines = fs.readFileSync(path.join(root, 'web/static/vendor/VERSIONS'), 'utf8').trim().split('\n');
    assert.ok(lines.length >= 1);
    // A package's directory is its name without the npm scope.
    const dirOf = (name, version) => `${name.replace(/^@[^/]+\//, '')}-${version}`;
    // Nothing vendored that VERSIONS does not list.
    const dirs = fs.readdirSync(path.join(root, 'web/static/vendor')).filter((f) => f !== 'VERSIONS').sort();
    assert.deepEqual(dirs, lines.map((l) => dirOf(...l.split(' '))).sort());
    // What the page loads: index.html, and the scripts that load the
    // editor's libraries when an editor signs in.
    const js = path.join(root, 'web/static/js');
    const page = [fs.readFileSync(path.join(root, 'web/static/index.html'), 'utf8'),
      ...fs.readdirSync(js).map((f) => fs.readFileSync(path.join(js, f), 'utf8'))].join('\n');
    for (const line of lines) {
      const [name, version, licence] = line.split(' ');
      const dir = path.join(root, 'web/static/vendor', dirOf(name, version));
      assert.equal(lock.packages[`node_modules/${name}`].version, version, name);
      assert.match(licence, /^(MIT|BSD-2-Clause|BSD-3-Clause)$/, `${name} licence`);
      assert.ok(fs.existsSync(path.join(dir, 'LICENSE')), `${name} LICENSE`);
      assert.ok(page.includes(`vendor/${dirOf(name, version)}/`), `the page loads ${name} ${version}`);
      // A bundle that carries its dependencies lists each with its licence,
      // every one of them permissive.
      const deps = Object.keys(lock.packages[`node_modules/${name}`].dependencies || {});
      if (!deps.length) continue;
      const notices = fs.readFileSync(path.join(dir, 'THIRD-PARTY-LICENSES'), 'utf8');
      const listed = [...notices.matchAll(/^Package: (\S+) (\S+) (\S+)$/gm)];
      for (const dep of deps) assert.ok(listed.some((m) => m[1] === dep), `${name}'s THIRD-PARTY-LICENSES lists ${dep}`);
      for (const [, dep, , lic] of listed) {
        // (splaytree-ts's package.json spells BSD-3-Clause "BDS-3-Clause".)
        assert.match(lic, /^(MIT|ISC|0BSD|BSD-2-Clause|BSD-3-Clause|BDS-3-Clause|Unlicense)$/, `${dep} (bundled in ${name}) licence ${lic}`);
      }
    }
    const html = fs.readFileSync(path.join(root, 'web/static/index.html'), 'utf8');
    // No inline script or handler, so a strict Content-Security-Policy fits.
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
  });
});
