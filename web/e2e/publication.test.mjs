// The published view in the page: a server that coarsens incidents to a
// 10 km grid shows a reader without the editor role each incident at its
// cell's centre, outlines the cell, says why in the popup, and states the
// policy in the legend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openBrowser, ready, moveTo, idle } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ extra: ['--coarsen-km', '10'] });
  browser = await openBrowser(server.base);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

describe('the published view', () => {
  it('shows coarsened incidents as areas, says why, and states the policy in the legend', async () => {
    const page = await browser.page();
    await ready(page, server.base + '/#d=2024-12-05&w=365&c=38.5,35.5&z=7&l=incidents');
    const legend = await page.textContent('#legend-publication');
    assert.ok(await page.isVisible('#legend-publication'), 'the legend states the policy');
    assert.match(legend, /Published view/);
    assert.match(legend, /10 km cell/);
    const shown = await page.evaluate(() => window.frontline.incidents.markers.map((m) => ({
      id: m.feature.id, pub: m.feature.properties.publication, place: m.feature.properties.place,
    })));
    assert.ok(shown.length > 0, 'incidents are shown');
    for (const s of shown) {
      assert.equal(s.pub && s.pub.coarsened, 'grid', `${s.id} is not coarsened`);
      assert.equal(s.pub.area.length, 4);
      assert.equal(s.place, undefined, `${s.id} shows its place`);
    }
    // Incidents of one cell stand on one point: open the popup of one
    // alone in its cell, whose marker the map draws by itself.
    const perCell = new Map();
    for (const x of shown) perCell.set(x.pub.area.join(), (perCell.get(x.pub.area.join()) || 0) + 1);
    const first = shown.find((x) => perCell.get(x.pub.area.join()) === 1);
    assert.ok(first, 'an incident alone in its cell');
    const [w, s, e, n] = first.pub.area;
    await moveTo(page, [(s + n) / 2, (w + e) / 2], 16);
    await page.evaluate((id) => {
      const m = window.frontline.incidents.markers.find((l) => l.feature.id === id);
      m.openPopup();
    }, first.id);
    await page.waitForSelector('.incident-popup-body .publication-note');
    await idle(page);
    const note = await page.textContent('.incident-popup-body .publication-note');
    assert.match(note, /centre of its 10 km grid cell/);
    assert.match(note, /publication policy \(coarsen\)/);
    await page.close();
  });
});
