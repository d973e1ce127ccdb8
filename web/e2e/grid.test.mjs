// The browser's clustering (web/static/js/grid.js), a pure function, against
// a brute-force oracle on random points: every point in exactly one cell,
// the cells those of floor(x / cell), floor(y / cell), so the counts add up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gridCells, CELL_PX } from '../static/js/grid.js';

// rng is a small seeded generator (mulberry32), so a failure reproduces.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('browser clusters', () => {
  it('put every point in exactly the cell of its pixel, on random points', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const n = Math.floor(r() * 3000);
      const cell = [CELL_PX, 1 + Math.floor(r() * 100)][seed % 2];
      const span = 1 + r() * 1e6;
      // Some points share a spot, some sit on cell edges.
      const points = [];
      for (let i = 0; i < n; i++) {
        if (i && r() < 0.1) points.push([...points[Math.floor(r() * i)]]);
        else if (r() < 0.1) points.push([Math.floor(r() * 50) * cell, r() * span]);
        else points.push([r() * span, r() * span]);
      }
      const cells = gridCells(points, cell);
      const seen = new Array(n).fill(0);
      const keys = new Set();
      for (const { members } of cells) {
        assert.ok(members.length > 0);
        const key = (i) => `${Math.floor(points[i][0] / cell)},${Math.floor(points[i][1] / cell)}`;
        const k = key(members[0]);
        assert.ok(!keys.has(k), `seed ${seed}: cell ${k} twice`);
        keys.add(k);
        for (const i of members) {
          seen[i] += 1;
          assert.equal(key(i), k, `seed ${seed}: point ${i} in cell ${k}`);
        }
        assert.deepEqual(members, [...members].sort((a, b) => a - b));
      }
      assert.ok(seen.every((c) => c === 1), `seed ${seed}: every point once`);
      assert.equal(cells.reduce((t, c) => t + c.members.length, 0), n);
    }
  });

  it('give no cell for no point', () => {
    assert.deepEqual(gridCells([]), []);
  });
});
