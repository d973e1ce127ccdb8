// Editing in the page: sign in with a token, add an incident with sources
// that disagree, redraw a zone from a date (Leaflet-Geoman), two editors
// in conflict, a viewer without edit controls, history and diffs, text
// that looks like HTML, and the incident form from the keyboard alone. The
// real binary on a GeoPackage store seeded with the demo data.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, openBrowser, idle, moveTo, pixel, binary } from './harness.mjs';

let server;
let dir;
const tokens = {};
const browsers = [];

// A square zone of the test's own (the demo's zones overlap), and the day
// its east side moves in.
const ZONE = 'e2e-square';
const SQUARE = [[38.0, 35.0], [38.4, 35.0], [38.4, 35.3], [38.0, 35.3], [38.0, 35.0]];
const MOVED = '2026-01-10';
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

// token creates a token in the store at db and returns its secret.
const token = (db, name, role) => execFileSync(binary(), ['token', 'create', '--db', db, '--name', name, '--role', role],
  { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-e2e-editor-'));
  const db = path.join(dir, 'frontline.gpkg');
  for (const [name, role] of [['alice', 'editor'], ['bob', 'editor'], ['vera', 'viewer'], ['root', 'admin']]) {
    tokens[name] = token(db, name, role);
  }
  server = await startServer({ db });
  await api('POST', '/api/collections/zones/items', 'alice', {
    type: 'Feature', id: ZONE, geometry: { type: 'Polygon', coordinates: [SQUARE] },
    properties: { name: `Square ${XSS}`, actor: 'russia', status: 'control', valid_from: '2025-06-01', approximate: true,
      notes: `Notes ${XSS}`, sources: [{ publisher: `Publisher ${XSS}`, title: `Title ${XSS}`, url: 'https://example.org/square', note: XSS }] },
  });
});

after(async () => {
  for (const b of browsers) await b.close();
  if (server) await server.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function api(method, p, who, body, headers = {}) {
  const res = await fetch(server.base + p, {
    method,
    headers: { ...(who ? { Authorization: `Bearer ${tokens[who]}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return { body: text ? JSON.parse(text) : null, etag: res.headers.get('ETag') };
}

const incident = (id, lon, lat, props = {}) => ({
  type: 'Feature', id, geometry: { type: 'Point', coordinates: [lon, lat] },
  properties: {
    date: '2026-01-20', date_precision: 'day', type: 'battles', sub_type: 'armed_clash', actors: [], precision_m: 500,
    fatalities_low: 0, fatalities_best: 1, fatalities_high: 2, fatalities_civilians: 0, sources: [{ publisher: 'Test' }], status: 'reported', ...props,
  },
});

// signedIn opens a browser signed in as who, through the page's own
// sign-in dialog, at the view hash.
async function signedIn(who, hash) {
  const b = await openBrowser(server.base);
  browsers.push(b);
  const page = await b.page();
  await page.goto(`${server.base}/${hash}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.ready === 'sign-in', null, { timeout: 30000 });
  if (!(await page.isVisible('#sign-in-dialog'))) await page.click('#sign-in');
  assert.equal(await page.getAttribute('#token-input', 'type'), 'password');
  await page.fill('#token-input', tokens[who]);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in-form button[type=submit]')]);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
  await idle(page);
  return { b, page };
}

// unexpected removes from problems the HTTP errors a test provokes on
// purpose (and the console line Chromium logs for each), and returns the
// rest, which must be none.
function unexpected(problems, allowed) {
  return problems.filter((p) => !allowed.some((a) => p.includes(a)) && !(p.startsWith('console.error: Failed to load resource') && allowed.length));
}

// openPopup clicks the incident's marker (drawn on the canvas) at [lon, lat].
async function openPopup(page, lonlat) {
  await moveTo(page, [lonlat[1], lonlat[0]], 12);
  const at = await pixel(page, lonlat);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('.leaflet-popup .incident-popup-body');
}

describe('editing in the page', () => {
  it('an editor adds an incident with two sources that disagree, status disputed; the API has both', async () => {
    const { b, page } = await signedIn('alice', '#d=2026-01-25&c=38.9,35.0&z=9');
    assert.equal(await page.textContent('#who'), 'alice · editor');
    assert.equal(await page.isVisible('#edit-card'), true);
    // The token is in sessionStorage only: not in the URL, a cookie or localStorage.
    assert.equal(await page.evaluate(() => sessionStorage.getItem('frontline.token')), tokens.alice);
    assert.equal(await page.evaluate(() => localStorage.length + document.cookie.length), 0);
    assert.ok(!page.url().includes(tokens.alice));
    await page.click('#add-incident');
    const form = page.locator('.incident-form');
    await form.getByLabel('Type *').selectOption('explosions_remote_violence');
    await form.getByLabel('Sub-type').selectOption('shelling_artillery_missile');
    await form.getByLabel('Last day (for a range)').fill('2026-01-26');
    await form.getByLabel('Date known to the').selectOption('week');
    await form.getByLabel('Status', { exact: true }).selectOption('disputed');
    await form.getByRole('button', { name: 'Add an actor' }).click();
    // By its Arabic name.
    await form.getByLabel('Actor (name, alias or Arabic name)').fill('قوات سوريا الديمقراطية');
    assert.match(await form.locator('.resolved').textContent(), /\(sdf\)/);
    await form.getByLabel('Role').selectOption('target');
    // The location by a click on the map.
    const at = await pixel(page, [38.95, 35.05]);
    await page.mouse.click(at.x, at.y);
    assert.ok(Math.abs(Number(await form.getByLabel('Longitude').inputValue()) - 38.95) < 0.01);
    // Then by dragging its marker a little east.
    const east = await pixel(page, [39.0, 35.05]);
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    await page.mouse.move(east.x, east.y, { steps: 8 });
    await page.mouse.up();
    assert.ok(Math.abs(Number(await form.getByLabel('Longitude').inputValue()) - 39.0) < 0.01, await form.getByLabel('Longitude').inputValue());
    await form.getByLabel('Location precision, m').fill('2000');
    await form.getByLabel('Place').fill('Test village');
    await form.getByLabel('Killed, low').fill('3');
    await form.getByLabel('Killed, best estimate').fill('5');
    await form.getByLabel('Killed, high').fill('12');
    await form.getByLabel('Publisher').fill('SOHR');
    await form.getByLabel('URL').fill('https://www.syriahr.com/en/x');
    await form.getByLabel('What it claims (a figure, a claim)').fill('12 killed');
    await form.getByRole('button', { name: 'Add a source' }).click();
    await form.getByLabel('Publisher').nth(1).fill('SANA');
    await form.getByLabel('URL').nth(1).fill('ftp://sana.sy/x');
    await form.getByLabel('Published').nth(1).fill('2026-01-26');
    await form.getByLabel('What it claims (a figure, a claim)').nth(1).fill('3 killed');
    // The API's error shows next to its field, and nothing is stored.
    await form.getByRole('button', { name: 'Add incident' }).click();
    const err = form.locator('[data-field="sources[1].url"] ~ .field-error');
    await err.waitFor({ state: 'visible' });
    assert.match(await err.textContent(), /not an absolute http or https URL/);
    assert.equal(await form.getByLabel('URL').nth(1).getAttribute('aria-invalid'), 'true');
    await form.getByLabel('URL').nth(1).fill('https://sana.sy/x');
    await form.getByRole('button', { name: 'Add incident' }).click();
    await page.waitForSelector('.saved');
    const id = (await page.textContent('.saved')).match(/incident (\S+),/)[1];
    const { body: f } = await api('GET', `/api/collections/incidents/items/${id}`);
    const p = f.properties;
    assert.equal(p.status, 'disputed');
    assert.equal(p.type, 'explosions_remote_violence');
    assert.equal(p.sub_type, 'shelling_artillery_missile');
    assert.equal(p.date_end, '2026-01-26');
    assert.equal(p.date_precision, 'week');
    assert.deepEqual(p.actors, [{ actor: 'sdf', role: 'target' }]);
    assert.deepEqual([p.fatalities_low, p.fatalities_best, p.fatalities_high, p.precision_m, p.place], [3, 5, 12, 2000, 'Test village']);
    assert.deepEqual(p.sources.map((s) => [s.publisher, s.note]), [['SOHR', '12 killed'], ['SANA', '3 killed']]);
    assert.equal(p.sources[1].published, '2026-01-26');
    assert.deepEqual(unexpected(b.problems, ['HTTP 400: POST ' + server.base + '/api/collections/incidents/items']), []);
    assert.equal(b.problems.filter((x) => x.startsWith('HTTP 400')).length, 1);
  });

  it('an editor redraws a zone from a date: /control answers the old zone before it and the new shape from it', async () => {
    const { b, page } = await signedIn('alice', `#d=2025-12-01&c=38.2,35.15&z=10`);
    // Click inside the zone: the point panel lists it, with Edit.
    const at = await pixel(page, [38.1, 35.1]);
    await page.mouse.click(at.x, at.y);
    await page.click(`#control-zones [data-edit="zones/${ZONE}"]`);
    const form = page.locator('.zone-form');
    await form.waitFor();
    // XSS in the zone's text fields shows as text in the form.
    assert.equal(await form.getByLabel('Name').inputValue(), `Square ${XSS}`);
    assert.equal(await form.getByLabel('Notes').inputValue(), `Notes ${XSS}`);
    // Drag the north-east corner to the middle of the square with
    // Geoman's vertex handle, once the map has settled (the form zooms to
    // the zone): the handle sits on the corner's pixel twice in a row.
    const handleAt = (lonlat) => page.waitForFunction(([lon, lat]) => {
      const map = window.frontline.map;
      const pt = map.latLngToContainerPoint([lat, lon]);
      const box = map.getContainer().getBoundingClientRect();
      const x = box.left + pt.x;
      const y = box.top + pt.y;
      const on = [...document.querySelectorAll('.marker-icon:not(.marker-icon-middle)')].some((m) => {
        const r = m.getBoundingClientRect();
        return Math.abs(r.left + r.width / 2 - x) < 2 && Math.abs(r.top + r.height / 2 - y) < 2;
      });
      const key = `${Math.round(x)},${Math.round(y)}`;
      const steady = on && window.__handleAt === key;
      window.__handleAt = on ? key : null;
      return steady && { x, y };
    }, lonlat, { polling: 200, timeout: 10000 }).then((r) => r.jsonValue());
    const from = await handleAt([38.4, 35.3]);
    const to = await pixel(page, [38.2, 35.15]);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
    await page.mouse.move(to.x, to.y, { steps: 5 });
    await page.mouse.up();
    await form.getByLabel('The line moved on').fill(MOVED);
    await form.getByRole('button', { name: 'Save as a move on that date' }).click();
    await page.waitForSelector('.saved');
    const control = async (lon, lat, date) => (await api('GET', `/api/control?point=${lon},${lat}&date=${date}`)).body;
    const ids = (c) => (c.zones || c.features || []).map((z) => z.id || (z.zone && z.zone.id));
    // Inside the old square, outside the new shape.
    const before = await control(38.35, 35.25, '2026-01-09');
    const after = await control(38.35, 35.25, MOVED);
    assert.ok(ids(before).includes(ZONE), JSON.stringify(before));
    assert.ok(!ids(after).includes(ZONE) && !ids(after).includes(`${ZONE}-${MOVED}`), JSON.stringify(after));
    // Inside both: the successor from the date, the zone before it.
    assert.ok(ids(await control(38.1, 35.1, MOVED)).includes(`${ZONE}-${MOVED}`));
    assert.ok(ids(await control(38.1, 35.1, '2026-01-09')).includes(ZONE));
    const { body: z } = await api('GET', `/api/collections/zones/items/${ZONE}`);
    assert.equal(z.properties.valid_to, '2026-01-09');
    assert.deepEqual(unexpected(b.problems, []), []);
  });

  it('an editor draws a polygon zone and a circle zone; a deleted zone comes back when an admin restores it', async () => {
    const { b, page } = await signedIn('alice', '#d=2026-01-25&c=37.5,34.6&z=10');
    // Esc cancels a drawing.
    await page.click('#draw-zone');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => window.frontline.map.pm.globalDrawModeEnabled()), false);
    assert.equal(await page.isVisible('#draw-zone-cancel'), false);
    // A triangle: three corners, then the first again.
    await page.click('#draw-zone');
    const corners = [[37.3, 34.5], [37.6, 34.5], [37.45, 34.75]];
    for (const c of [...corners, corners[0]]) {
      const at = await pixel(page, c);
      await page.mouse.click(at.x, at.y);
      await page.waitForTimeout(100);
    }
    const form = page.locator('.zone-form');
    await form.waitFor();
    await form.getByLabel('Name').fill('Drawn triangle');
    await form.getByLabel('Actor *').selectOption('hts');
    await form.getByLabel('Status').selectOption('contested');
    await form.getByLabel('Valid from *').fill('2026-01-01');
    await form.getByLabel('Publisher').fill('Test report');
    await form.getByRole('button', { name: 'Add zone' }).click();
    await page.waitForSelector('.saved');
    const id = (await page.textContent('.saved')).match(/zone (\S+),/)[1];
    const { body: z } = await api('GET', `/api/collections/zones/items/${id}`);
    assert.equal(z.properties.status, 'contested');
    assert.equal(z.properties.actor, 'hts');
    const ring = z.geometry.coordinates[0][0];
    assert.equal(ring.length, 4);
    for (const c of corners) assert.ok(ring.some((p) => Math.abs(p[0] - c[0]) < 0.01 && Math.abs(p[1] - c[1]) < 0.01), `corner ${c} in ${JSON.stringify(ring)}`);
    // A circle: its centre, then its edge, about 11 km east (the form
    // zoomed the map to the triangle).
    await page.click('#draw-zone-circle');
    await moveTo(page, [34.9, 37.85], 10);
    const centre = await pixel(page, [37.8, 34.9]);
    const edge = await pixel(page, [37.92, 34.9]);
    await page.mouse.click(centre.x, centre.y);
    await page.mouse.move(edge.x, edge.y, { steps: 10 });
    await page.mouse.click(edge.x, edge.y);
    await form.waitFor();
    assert.ok(Math.abs(Number(await form.getByLabel('Centre longitude').inputValue()) - 37.8) < 0.01);
    await form.getByLabel('Radius, m').fill('10000');
    await form.getByLabel('Actor *').selectOption('sdf');
    await form.getByLabel('Valid from *').fill('2026-01-01');
    await form.getByLabel('Publisher').fill('Test report');
    await form.getByRole('button', { name: 'Add zone' }).click();
    await page.waitForSelector('.saved');
    const cid = (await page.textContent('.saved')).match(/zone (\S+),/)[1];
    const { body: c } = await api('GET', `/api/collections/zones/items/${cid}`);
    assert.equal(c.properties.circle.radius_m, 10000);
    assert.ok(Math.abs(c.properties.circle.center[0] - 37.8) < 0.01);
    // Delete it, with the confirmation.
    await page.click('.saved ~ .form-buttons [data-edit]');
    await form.waitFor();
    await form.getByRole('button', { name: 'Delete this zone…' }).click();
    await form.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.waitForSelector('.saved');
    await assert.rejects(api('GET', `/api/collections/zones/items/${cid}`), /404/);
    // An admin brings it back from its history.
    const admin = await signedIn('root', '#d=2026-01-25&c=37.5,34.6&z=10');
    await admin.page.click('#audit-log');
    await admin.page.click(`.audit-table [data-history="zones/${cid}"]`);
    await admin.page.waitForSelector('.versions');
    assert.match(await admin.page.textContent('.versions'), /deleted/);
    await admin.page.click('[data-restore="1"]');
    await admin.page.waitForSelector('.version[data-version="3"]');
    assert.equal((await api('GET', `/api/collections/zones/items/${cid}`)).body.properties.circle.radius_m, 10000);
    assert.deepEqual(unexpected(b.problems, []), []);
    assert.deepEqual(unexpected(admin.b.problems, []), []);
  });

  it('two editors edit one incident: the second sees the conflict, reapplies, and both changes are in the versions', async () => {
    const where = [38.62, 35.62];
    await api('POST', '/api/collections/incidents/items', 'alice', incident('e2e-conflict', ...where, { place: 'Old place', description: 'Old text' }));
    const hash = `#d=2026-01-25&c=${where.join(',')}&z=12`;
    const A = await signedIn('alice', hash);
    const B = await signedIn('bob', hash);
    for (const { page } of [A, B]) {
      await openPopup(page, where);
      await page.click('.leaflet-popup [data-edit="incidents/e2e-conflict"]');
      await page.locator('.incident-form').waitFor();
    }
    await A.page.locator('.incident-form').getByLabel('Place').fill('New place (Alice)');
    await A.page.locator('.incident-form').getByRole('button', { name: 'Save changes' }).click();
    await A.page.waitForSelector('.saved');
    await B.page.locator('.incident-form').getByLabel('Description').fill('New text (Bob)');
    await B.page.locator('.incident-form').getByRole('button', { name: 'Save changes' }).click();
    await B.page.waitForSelector('.conflict-note');
    // Their version beside Bob's, field by field.
    const rows = await B.page.$$eval('.diff-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.diffField, tr.className, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    assert.deepEqual(rows.find((r) => r[0] === 'place'), ['place', 'diff-theirs', 'New place (Alice)', 'Old place']);
    assert.deepEqual(rows.find((r) => r[0] === 'description'), ['description', 'diff-mine', 'Old text', 'New text (Bob)']);
    assert.match(await B.page.textContent('.conflict-note'), /alice saved version 2/);
    await B.page.click('[data-reapply]');
    const form = B.page.locator('.incident-form');
    assert.equal(await form.getByLabel('Place').inputValue(), 'New place (Alice)');
    assert.equal(await form.getByLabel('Description').inputValue(), 'New text (Bob)');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await B.page.waitForSelector('.saved');
    const { body: doc } = await api('GET', '/api/collections/incidents/items/e2e-conflict/versions', 'vera');
    const last = doc.versions[doc.versions.length - 1];
    assert.deepEqual(doc.versions.map((v) => v.author), ['alice', 'alice', 'bob']);
    assert.equal(last.feature.properties.place, 'New place (Alice)');
    assert.equal(last.feature.properties.description, 'New text (Bob)');
    // The history in the page: versions with authors and a field diff.
    await B.page.click('.saved ~ .form-buttons [data-history]');
    await B.page.waitForSelector('.versions');
    const heads = await B.page.$$eval('.version-head', (els) => els.map((e) => e.textContent));
    assert.match(heads[0], /Version 3 .* by bob .*1 field changed/);
    assert.match(heads[1], /Version 2 .* by alice .*1 field changed/);
    const diff = await B.page.$$eval('.version[data-version="3"] .diff-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(diff, [['description', 'Old text', 'New text (Bob)']]);
    // Editors see no restore: that is an admin's.
    assert.equal(await B.page.locator('[data-restore]').count(), 0);
    assert.deepEqual(unexpected(B.b.problems, ['HTTP 412: PUT ' + server.base + '/api/collections/incidents/items/e2e-conflict']), []);
    assert.deepEqual(unexpected(A.b.problems, []), []);
  });

  it('a viewer sees no edit controls, and a forged write with the viewer\'s token gets 403', async () => {
    const where = [38.62, 35.62];
    const { b, page } = await signedIn('vera', `#d=2026-01-25&c=${where.join(',')}&z=12`);
    assert.equal(await page.textContent('#who'), 'vera · viewer');
    assert.equal(await page.isVisible('#edit-card'), false);
    await openPopup(page, where);
    assert.equal(await page.locator('[data-edit]').count(), 0);
    assert.equal(await page.locator('.leaflet-popup [data-history]').count(), 1); // viewers read the history
    const status = await page.evaluate(async (feature) => {
      const res = await fetch('/api/collections/incidents/items', {
        method: 'POST', body: JSON.stringify(feature),
        headers: { Authorization: `Bearer ${sessionStorage.getItem('frontline.token')}`, 'Content-Type': 'application/geo+json' },
      });
      await res.text();
      return res.status;
    }, incident('forged', 38.5, 35.5));
    assert.equal(status, 403);
    await assert.rejects(api('GET', '/api/collections/incidents/items/forged'), /404/);
    // Signing out forgets the token and the name.
    await Promise.all([page.waitForNavigation(), page.click('#sign-out')]);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('frontline.token')), null);
    assert.equal(await page.isVisible('#sign-in'), true);
    assert.deepEqual(unexpected(b.problems, ['HTTP 403: POST ' + server.base + '/api/collections/incidents/items']), []);
  });

  it('text that looks like HTML shows as text in forms, popups, history and diffs, and runs nothing', async () => {
    const where = [38.7, 35.7];
    const bad = (s) => `${s} ${XSS}`;
    await api('POST', '/api/collections/incidents/items', 'alice', incident('e2e-xss', ...where, {
      place: bad('Place'), description: bad('Description'),
      actors: [{ actor: 'isis', role: 'perpetrator', name: bad('Name') }],
      sources: [{ publisher: bad('Publisher'), title: bad('Title'), url: 'https://example.org/a', note: bad('Note') }],
    }));
    const { b, page } = await signedIn('root', `#d=2026-01-25&c=${where.join(',')}&z=12`);
    // The marker's tooltip, then its popup.
    await moveTo(page, [where[1], where[0]], 12);
    const over = await pixel(page, where);
    await page.mouse.move(over.x, over.y);
    await page.waitForFunction((text) => [...document.querySelectorAll('.leaflet-tooltip')].some((t) => t.textContent.includes(text)), bad('Place'));
    await openPopup(page, where);
    const popup = await page.textContent('.leaflet-popup');
    for (const s of ['Place', 'Description', 'Publisher', 'Title', 'Note']) assert.ok(popup.includes(bad(s)), `${s} in the popup`);
    await page.click('.leaflet-popup [data-edit="incidents/e2e-xss"]');
    const form = page.locator('.incident-form');
    assert.equal(await form.getByLabel('Place').inputValue(), bad('Place'));
    assert.equal(await form.getByLabel('Description').inputValue(), bad('Description'));
    assert.equal(await form.getByLabel('Name in the source (optional)').inputValue(), bad('Name'));
    assert.equal(await form.getByLabel('Publisher').inputValue(), bad('Publisher'));
    assert.equal(await form.getByLabel('Title').inputValue(), bad('Title'));
    assert.equal(await form.getByLabel('What it claims (a figure, a claim)').inputValue(), bad('Note'));
    await form.getByLabel('Description').fill(bad('Changed'));
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForSelector('.saved');
    await page.click('.saved ~ .form-buttons [data-history]');
    await page.waitForSelector('.version[data-version="2"] .diff-table');
    const diff = await page.textContent('.version[data-version="2"] .diff-table');
    assert.ok(diff.includes(bad('Description')) && diff.includes(bad('Changed')));
    // An admin restores version 1, from the history.
    await page.click('[data-restore="1"]');
    await page.waitForSelector('.version[data-version="3"]');
    assert.equal((await api('GET', '/api/collections/incidents/items/e2e-xss')).body.properties.description, bad('Description'));
    // The audit log, as a table.
    await page.click('#audit-log');
    await page.waitForSelector('.audit-table');
    assert.match(await page.textContent('.audit-table'), /root\s*restore\s*incidents\s*e2e-xss/);
    // The zone's text, in the point panel and its history.
    await moveTo(page, [35.15, 38.2], 10);
    const at = await pixel(page, [38.05, 35.05]);
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector(`#control-zones [data-zone="${ZONE}-${MOVED}"], #control-zones [data-zone="${ZONE}"]`);
    assert.ok((await page.textContent('#control-zones')).includes(`Square ${XSS}`));
    await page.click(`#control-zones [data-history^="zones/"]`);
    await page.waitForSelector('.versions');
    assert.ok((await page.textContent('.versions')).includes(XSS));
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.locator('img[src="x"], .results script, .leaflet-popup script').count(), 0);
    assert.deepEqual(unexpected(b.problems, []), []);
  });

  it('the incident form works from the keyboard alone', async () => {
    const { b, page } = await signedIn('alice', '#d=2026-01-25&c=38.9,35.0&z=9');
    const kb = page.keyboard;
    // tabTo presses Tab until the focused element matches (by its label's
    // text or its own), at most 80 times.
    const tabTo = async (re) => {
      for (let i = 0; i < 80; i++) {
        await kb.press('Tab');
        const name = await page.evaluate(() => {
          const el = document.activeElement;
          const lab = el && el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
          return (lab ? lab.textContent : el.textContent || el.getAttribute('aria-label') || '').trim();
        });
        if (re.test(name)) return;
      }
      throw new Error(`Tab never reached ${re}`);
    };
    await page.focus('#date-input');
    await tabTo(/^Add incident$/);
    await kb.press('Enter');
    await page.locator('.incident-form').waitFor();
    await tabTo(/^Type/);
    await kb.type('Battles');
    await tabTo(/^Sub-type/);
    await kb.type('Armed');
    await tabTo(/^Status/);
    await kb.type('disputed');
    await tabTo(/^Add an actor$/);
    await kb.press('Enter');
    await kb.type('SDF');
    await tabTo(/^Killed, best estimate/);
    await kb.type('4');
    await tabTo(/^Killed, high/);
    await kb.type('6');
    await tabTo(/^Longitude/);
    await kb.type('38.91');
    await tabTo(/^Latitude/);
    await kb.type('35.02');
    await tabTo(/^Place/);
    await kb.type('Keyboard town');
    await tabTo(/^Publisher/);
    await kb.type('Keyboard News');
    await tabTo(/^What it claims/);
    await kb.type('4 killed');
    await tabTo(/^Add incident$/);
    await kb.press('Enter');
    await page.waitForSelector('.saved');
    const id = (await page.textContent('.saved')).match(/incident (\S+),/)[1];
    const { body: f } = await api('GET', `/api/collections/incidents/items/${id}`);
    assert.deepEqual(f.geometry.coordinates, [38.91, 35.02]);
    assert.deepEqual([f.properties.type, f.properties.sub_type, f.properties.status, f.properties.fatalities_best, f.properties.fatalities_high, f.properties.place],
      ['battles', 'armed_clash', 'disputed', 4, 6, 'Keyboard town']);
    assert.deepEqual(f.properties.actors, [{ actor: 'sdf', role: 'perpetrator' }]);
    assert.deepEqual(f.properties.sources, [{ publisher: 'Keyboard News', note: '4 killed' }]);
    // Edit it again (the focus is on "Edit this incident") and save nothing:
    // no new version.
    await kb.press('Enter');
    await page.locator('.incident-form').waitFor();
    await tabTo(/^Save changes$/);
    await kb.press('Enter');
    await page.waitForSelector('.form-errors:not([hidden])');
    assert.match(await page.textContent('.form-errors'), /Nothing changed/);
    assert.equal((await api('GET', `/api/collections/incidents/items/${id}/versions`, 'vera')).body.versions.length, 1);
    assert.deepEqual(unexpected(b.problems, []), []);
  });
});

describe('a server whose reads are not public', () => {
  let priv;
  before(async () => {
    const db = path.join(dir, 'private.gpkg');
    tokens.reader = token(db, 'reader', 'viewer');
    tokens.writer = token(db, 'writer', 'editor');
    priv = await startServer({ db, extra: ['--public-read=false'] });
  });
  after(async () => { if (priv) await priv.stop(); });

  it('asks to sign in, then reads with the token, the live stream included', async () => {
    const b = await openBrowser(priv.base);
    browsers.push(b);
    const page = await b.page();
    await page.goto(`${priv.base}/#d=2026-01-25`);
    await page.waitForFunction(() => document.body.dataset.ready === 'sign-in');
    assert.equal(await page.isVisible('#sign-in-dialog'), true);
    assert.match(await page.textContent('#notice'), /sign in/i);
    await page.fill('#token-input', 'not-a-token');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#sign-in-error:not([hidden])');
    await page.fill('#token-input', tokens.reader);
    await Promise.all([page.waitForNavigation(), page.click('#sign-in-form button[type=submit]')]);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    await idle(page);
    assert.ok(await page.evaluate(() => window.frontline.zones.length) > 0);
    assert.equal(await page.textContent('#who'), 'reader · viewer');
    // Another editor's write reaches this page on the live stream, which
    // needs the token too.
    const res = await fetch(`${priv.base}/api/collections/incidents/items`, {
      method: 'POST', body: JSON.stringify(incident('private-live', 38.9, 35.0)),
      headers: { Authorization: `Bearer ${tokens.writer}`, 'Content-Type': 'application/geo+json' },
    });
    assert.equal(res.status, 201, await res.text());
    const version = Number(res.headers.get('X-Dataset-Version').split('.').pop());
    await page.waitForFunction((v) => Number(document.body.dataset.liveVersion) >= v, version, { timeout: 10000 });
    assert.deepEqual(unexpected(b.problems, ['HTTP 401: GET ' + priv.base + '/api/session']), []);
  });
});
