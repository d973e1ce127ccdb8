// Live updates: two pages open on one server with a store; an incident
// written through the API appears in both without a reload, and so does a
// new zone. The page learns of changes from GET /api/live and refetches
// what it shows.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, openBrowser, ready, binary } from './harness.mjs';

let server;
let browser;
let dir;
let token;
const today = new Date().toISOString().slice(0, 10);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-e2e-live-'));
  const db = path.join(dir, 'frontline.gpkg');
  token = execFileSync(binary(), ['token', 'create', '--db', db, '--name', 'e2e', '--role', 'editor']).toString().trim();
  server = await startServer({ db });
  browser = await openBrowser(server.base);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function write(collection, feature) {
  const res = await fetch(`${server.base}/api/collections/${collection}/items`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/geo+json' },
    body: JSON.stringify(feature),
  });
  assert.equal(res.status, 201, await res.text());
}

const shown = (page, id) => page.evaluate((id) => window.frontline.incidents.markers.some((m) => m.feature && m.feature.id === id), id);

describe('live updates', () => {
  it('shows another editor\'s new incident and zone in every open page, without a reload', async () => {
    const view = `${server.base}/#c=38.9,35.0&z=9&d=${today}&w=30`;
    const a = await browser.page();
    const b = await browser.ctx.newPage();
    await ready(a, view);
    await ready(b, view);
    assert.equal(await shown(b, 'live-1'), false);

    const t0 = Date.now();
    await write('incidents', {
      type: 'Feature', id: 'live-1', geometry: { type: 'Point', coordinates: [38.9, 35.0] },
      properties: {
        date: today, date_precision: 'day', type: 'battles', sub_type: 'armed_clash', actors: [], precision_m: 1000,
        fatalities_low: 0, fatalities_best: 1, fatalities_high: 2, fatalities_civilians: 0, description: 'live',
        sources: [{ publisher: 'Test' }], status: 'reported',
      },
    });
    const seen = await Promise.all([a, b].map(async (p) => {
      await p.waitForFunction(() => window.frontline.incidents.markers.some((m) => m.feature && m.feature.id === 'live-1'), null, { timeout: 5000, polling: 20 });
      return Date.now() - t0;
    }));
    console.log(`# the new incident showed in the pages ${seen.join(' and ')} ms after its write began`);

    await write('zones', {
      type: 'Feature', id: 'live-zone', geometry: { type: 'Polygon', coordinates: [[[38.7, 34.9], [39.1, 34.9], [39.1, 35.1], [38.7, 35.1], [38.7, 34.9]]] },
      properties: { name: 'Live test zone', actor: 'sdf', status: 'control', valid_from: today, valid_to: null, sources: [{ publisher: 'Test' }] },
    });
    await b.waitForFunction(() => window.frontline.zones.some((z) => z.id === 'live-zone'), null, { timeout: 5000 });
    assert.ok(Number(await b.evaluate(() => document.body.dataset.liveVersion)) > 0);
    assert.deepEqual(browser.problems, []);
  });
});
