// Writes web/static/basemap/countries.geojson, the web map's offline
// basemap, from two sources:
//
//   - Syria (data/boundaries/country.geojson, UN OCHA / UNCS COD-AB,
//     CC BY 3.0 IGO) and its six neighbours (data/boundaries/neighbours.geojson,
//     Natural Earth 1:10m, public domain), exactly as the dataset has them;
//   - every other country with land in the map's region (BOX below), from
//     the npm package world-atlas (Natural Earth 1:10m admin-0 countries,
//     public domain; the package is ISC), its exact version pinned in
//     web/e2e/package-lock.json, turned into GeoJSON with topojson-client.
//
// The world-atlas countries are clipped to BOX (Sutherland–Hodgman, ring by
// ring; rings and polygons left empty are dropped). world-atlas quantizes
// Natural Earth to a grid of about 0.0036° x 0.0017°, so where one of these
// countries borders a neighbour from data/boundaries (Egypt, Saudi Arabia,
// Iran, Kuwait, Georgia, Armenia, Azerbaijan, Greece, Bulgaria...) each of
// its vertices that lies within half a grid cell of a vertex of that
// neighbour is moved onto it: both sides of the border are then the same
// Natural Earth 1:10m line, with no gap and no overlap between the sources.
//
// All coordinates are [lon, lat], rounded to 4 decimals (about 11 m, far
// below what the basemap is drawn at), with repeated vertices dropped.
//
//   node web/tools/basemap.mjs          write the file (make basemap)
//   node web/tools/basemap.mjs --check  exit 1 if the file differs from what
//                                       the inputs give (the e2e tests run it)
//
// The npm packages come from web/e2e/node_modules: run `npm ci` in web/e2e
// first (make e2e does it when node_modules is missing).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const inputs = ['data/boundaries/country.geojson', 'data/boundaries/neighbours.geojson'];
const output = 'web/static/basemap/countries.geojson';
const atlasFile = 'countries-10m.json';
// The region the world-atlas countries are clipped to: [west, south, east, north].
const BOX = [20, 20, 60, 45];
// Douglas–Peucker tolerance for the world-atlas countries, in degrees (about
// 1 km, a pixel at the default zoom); their borders with data/boundaries stay exact.
const TOLERANCE = 0.01;
// world-atlas's ISO 3166-1 numeric codes of the countries data/boundaries has
// (Syria, Israel, Palestine, Lebanon, Jordan, Iraq, Turkey): taken from there.
const FROM_DATA = new Set(['760', '376', '275', '422', '400', '368', '792']);

const npm = createRequire(path.join(root, 'web/e2e/package.json'));
function load(name) {
  try {
    return npm(name);
  } catch (err) {
    console.error(`basemap: cannot load ${name} (${err.code}); run \`npm ci\` in web/e2e`);
    process.exit(2);
  }
}

const round = (v) => Math.round(v * 1e4) / 1e4;

function ring(r) {
  const out = [];
  for (const [lon, lat] of r) {
    const p = [round(lon), round(lat)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out.length >= 4 ? out : null;
}

function polygon(rings) {
  const out = rings.map(ring);
  if (!out[0]) return null;
  return out.filter(Boolean);
}

function geometry(g) {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: polygon(g.coordinates) };
  if (g.type === 'MultiPolygon') {
    return { type: 'MultiPolygon', coordinates: g.coordinates.map(polygon).filter(Boolean) };
  }
  throw new Error(`unexpected geometry type ${g.type}`);
}

// polygons returns a geometry's coordinates as a list of polygons.
const polygons = (g) => {
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  throw new Error(`unexpected geometry type ${g.type}`);
};

// clipRing clips a closed ring to the rectangle box (Sutherland–Hodgman, one
// edge of the box at a time) and returns it closed, or null if nothing is left.
export function clipRing(r, [w, s, e, n]) {
  const edges = [
    (p) => p[0] >= w, (a, b) => [w, a[1] + ((b[1] - a[1]) * (w - a[0])) / (b[0] - a[0])],
    (p) => p[0] <= e, (a, b) => [e, a[1] + ((b[1] - a[1]) * (e - a[0])) / (b[0] - a[0])],
    (p) => p[1] >= s, (a, b) => [a[0] + ((b[0] - a[0]) * (s - a[1])) / (b[1] - a[1]), s],
    (p) => p[1] <= n, (a, b) => [a[0] + ((b[0] - a[0]) * (n - a[1])) / (b[1] - a[1]), n],
  ];
  // Work on the open ring (without the repeated first vertex).
  let pts = r.slice(0, -1);
  for (let i = 0; i < edges.length && pts.length; i += 2) {
    const inside = edges[i];
    const cut = edges[i + 1];
    const out = [];
    for (let j = 0; j < pts.length; j++) {
      const cur = pts[j];
      const prev = pts[(j + pts.length - 1) % pts.length];
      if (inside(cur)) {
        if (!inside(prev)) out.push(cut(prev, cur));
        out.push(cur);
      } else if (inside(prev)) {
        out.push(cut(prev, cur));
      }
    }
    pts = out;
  }
  if (pts.length < 3) return null;
  // Drop rings with no area left (a sliver lying along the box's edge).
  let area = 0;
  for (let j = 0; j < pts.length; j++) {
    const a = pts[j];
    const b = pts[(j + 1) % pts.length];
    area += a[0] * b[1] - b[0] * a[1];
  }
  if (Math.abs(area) < 1e-9) return null;
  return [...pts, pts[0]];
}

// Snapper moves a world-atlas vertex onto the nearest vertex of the
// data/boundaries countries that lies within half a quantization cell of it
// (both are then the same Natural Earth point), and leaves others alone.
function snapper(features, [sx, sy]) {
  const hx = sx / 2 + 1e-5;
  const hy = sy / 2 + 1e-5;
  const cell = (x, y) => `${Math.floor(x / sx)},${Math.floor(y / sy)}`;
  const grid = new Map();
  for (const f of features) {
    for (const poly of polygons(f.geometry)) {
      for (const r of poly) {
        for (const p of r) {
          const k = cell(p[0], p[1]);
          if (!grid.has(k)) grid.set(k, []);
          grid.get(k).push(p);
        }
      }
    }
  }
  return ([x, y]) => {
    const cx = Math.floor(x / sx);
    const cy = Math.floor(y / sy);
    let best = null;
    let bestD = Infinity;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const q of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          const ex = Math.abs(q[0] - x);
          const ey = Math.abs(q[1] - y);
          if (ex > hx || ey > hy) continue;
          const d = (ex / sx) ** 2 + (ey / sy) ** 2;
          if (d < bestD) {
            bestD = d;
            best = q;
          }
        }
      }
    }
    // Others keep 3 decimals, finer than world-atlas's grid.
    return best ?? [Math.round(x * 1e3) / 1e3, Math.round(y * 1e3) / 1e3];
  };
}

// douglasPeucker simplifies an open polyline, keeping its two ends.
function douglasPeucker(pts, tol) {
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [i, j] = stack.pop();
    const [ax, ay] = pts[i];
    const [bx, by] = pts[j];
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy);
    let far = -1;
    let farD = tol;
    for (let k = i + 1; k < j; k++) {
      const [px, py] = pts[k];
      const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs(dy * (px - ax) - dx * (py - ay)) / len;
      if (d > farD) {
        farD = d;
        far = k;
      }
    }
    if (far >= 0) {
      keep[far] = 1;
      stack.push([i, far], [far, j]);
    }
  }
  return pts.filter((_, k) => keep[k]);
}

// simplify returns the topology with its arcs decoded to degrees and, except
// for the arcs of the countries taken from data/boundaries (their borders with
// the others must stay exact), simplified with Douglas–Peucker. Arcs are shared
// by the countries on both sides, so the simplified borders still fit together.
function simplify(topojson, topo, tol) {
  const exact = new Set();
  const walk = (a) => (Array.isArray(a) ? a.forEach(walk) : exact.add(a < 0 ? ~a : a));
  for (const g of topo.objects.countries.geometries) {
    if (FROM_DATA.has(g.id)) walk(g.arcs);
  }
  const arcs = topo.arcs.map((arc, k) => {
    const t = topojson.transform(topo.transform);
    const pts = arc.map((p, i) => t(p, i));
    return exact.has(k) ? pts : douglasPeucker(pts, tol);
  });
  return { type: 'Topology', arcs, objects: topo.objects };
}

function atlas(dataFeatures) {
  const topojson = load('topojson-client');
  const version = load('world-atlas/package.json').version;
  const topo = load(`world-atlas/${atlasFile}`);
  const snap = snapper(dataFeatures, topo.transform.scale);
  const simple = simplify(topojson, topo, TOLERANCE);
  const out = [];
  for (const f of topojson.feature(simple, simple.objects.countries).features) {
    const id = f.id ?? null;
    if (id !== null && FROM_DATA.has(id)) continue;
    if (!f.geometry) continue;
    const coords = [];
    for (const poly of polygons(f.geometry)) {
      const rings = poly.map((r) => clipRing(r.map(snap), BOX));
      if (!rings[0]) continue;
      const p = polygon(rings.filter(Boolean));
      if (p) coords.push(p);
    }
    if (!coords.length) continue;
    out.push({
      type: 'Feature',
      id: `ne-${id ?? f.properties.name.toLowerCase().replace(/[^a-z]+/g, '-')}`,
      properties: { name: f.properties.name, name_ar: null, syria: false, source: `Made with Natural Earth (1:10m admin-0 countries, public domain), via world-atlas ${version}` },
      geometry: coords.length === 1 ? { type: 'Polygon', coordinates: coords[0] } : { type: 'MultiPolygon', coordinates: coords },
    });
  }
  out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { version, features: out };
}

export function build() {
  const features = [];
  for (const file of inputs) {
    const fc = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
    for (const f of fc.features) {
      const p = f.properties;
      features.push({
        type: 'Feature',
        id: String(f.id),
        properties: { name: p.name, name_ar: p.name_ar ?? null, syria: f.id === 'SY', source: p.source ?? null },
        geometry: geometry(f.geometry),
      });
    }
  }
  const others = atlas(features);
  const fc = {
    generated_by: `make basemap (web/tools/basemap.mjs) from ${inputs.join(' and ')}, ` +
      `and world-atlas ${others.version} ${atlasFile} clipped to lon ${BOX[0]}..${BOX[2]}, lat ${BOX[1]}..${BOX[3]}`,
    attribution: 'Syria: UN OCHA / UNCS COD-AB, CC BY 3.0 IGO. Other countries: Made with Natural Earth, public domain.',
  };
  // The other countries first, so Syria and its neighbours are drawn on top.
  // One feature per line keeps diffs readable.
  return '{"type":"FeatureCollection",' +
    `"generated_by":${JSON.stringify(fc.generated_by)},` +
    `"attribution":${JSON.stringify(fc.attribution)},"features":[\n` +
    [...others.features, ...features].map((f) => JSON.stringify(f)).join(',\n') + '\n]}\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const want = build();
  const file = path.join(root, output);
  if (process.argv.includes('--check')) {
    const have = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (have !== want) {
      console.error(`${output} is out of date with data/boundaries or world-atlas; run make basemap`);
      process.exit(1);
    }
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, want);
    console.log(`wrote ${output} (${want.length} bytes)`);
  }
}
