// Writes web/static/basemap/countries.geojson, the web map's offline
// basemap, from the dataset's boundaries: Syria (data/boundaries/country.geojson,
// UN OCHA / UNCS COD-AB, CC BY 3.0 IGO) and its neighbours
// (data/boundaries/neighbours.geojson, Natural Earth 1:10m, public domain).
// Coordinates are rounded to 4 decimals (about 11 m, far below what the
// basemap is drawn at) and repeated vertices dropped; nothing else changes.
//
//   node web/tools/basemap.mjs          write the file
//   node web/tools/basemap.mjs --check  exit 1 if the file differs from what
//                                       the boundaries give (the e2e tests run it)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const inputs = ['data/boundaries/country.geojson', 'data/boundaries/neighbours.geojson'];
const output = 'web/static/basemap/countries.geojson';

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
  const fc = {
    type: 'FeatureCollection',
    generated_by: 'make basemap (web/tools/basemap.mjs) from ' + inputs.join(' and '),
    attribution: 'Syria: UN OCHA / UNCS COD-AB, CC BY 3.0 IGO. Neighbours: Made with Natural Earth, public domain.',
    features,
  };
  // One feature per line keeps diffs readable.
  return '{"type":"FeatureCollection",' +
    `"generated_by":${JSON.stringify(fc.generated_by)},` +
    `"attribution":${JSON.stringify(fc.attribution)},"features":[\n` +
    features.map((f) => JSON.stringify(f)).join(',\n') + '\n]}\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const want = build();
  const file = path.join(root, output);
  if (process.argv.includes('--check')) {
    const have = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (have !== want) {
      console.error(`${output} is out of date with data/boundaries; run make basemap`);
      process.exit(1);
    }
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, want);
    console.log(`wrote ${output} (${want.length} bytes, from ${inputs.join(', ')})`);
  }
}
