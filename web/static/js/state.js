// The view state and its URL form. Everything needed to reproduce a view
// lives in the location hash, so a copied link opens the same map:
//
//   #d=2026-01-25&w=90&c=38.9968,35.0095&z=7&l=zones,incidents,density,sites,governorates
//    &type=battles&actor=isis&status=disputed&minf=1&osm=1&sel=point:39.0167,35.95
//
// d date (YYYY-MM-DD), w incident window in days or "all", c centre as
// lon,lat (the API's order), z zoom, l visible layers, type/actor/status/
// minf the incident filters, osm=1 the online tile layer, sel the
// selection: point:lon,lat, zone:ID, circle:lon,lat,metres or
// poly:lon,lat;lon,lat;... (the first vertex is not repeated).
import { isDay } from './dates.js';

// LAYERS are the layers a view may show; all but the heat map (density)
// are on by default.
export const LAYERS = ['zones', 'incidents', 'density', 'sites', 'governorates'];
export const WINDOWS = ['7', '30', '90', '365', 'all'];

export function defaults() {
  return {
    date: null,
    window: '365',
    center: [38.5, 35.0],
    zoom: 7,
    layers: new Set(LAYERS.filter((l) => l !== 'density')),
    type: '',
    actor: '',
    status: '',
    minFatalities: 0,
    osm: false,
    selection: null,
  };
}

const num = (v) => (v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const slug = (v) => (/^[a-z0-9_-]{1,64}$/.test(v) ? v : '');

export function parseSelection(v) {
  if (!v) return null;
  const [kind, rest] = [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)];
  if (kind === 'zone' && /^[A-Za-z0-9_.-]{1,128}$/.test(rest)) return { kind, id: rest };
  if (kind === 'point' || kind === 'circle') {
    const n = rest.split(',').map(num);
    if (n.some((x) => x === null)) return null;
    if (kind === 'point' && n.length === 2) return { kind, point: n };
    if (kind === 'circle' && n.length === 3 && n[2] > 0) return { kind, center: [n[0], n[1]], radius: n[2] };
    return null;
  }
  if (kind === 'poly') {
    const ring = rest.split(';').map((p) => p.split(',').map(num));
    if (ring.length < 3 || ring.some((p) => p.length !== 2 || p.some((x) => x === null))) return null;
    return { kind, ring };
  }
  return null;
}

export function formatSelection(sel) {
  if (!sel) return '';
  const r = (x) => Math.round(x * 1e5) / 1e5;
  switch (sel.kind) {
    case 'zone': return `zone:${sel.id}`;
    case 'point': return `point:${r(sel.point[0])},${r(sel.point[1])}`;
    case 'circle': return `circle:${r(sel.center[0])},${r(sel.center[1])},${Math.round(sel.radius)}`;
    case 'poly': return 'poly:' + sel.ring.map((p) => `${r(p[0])},${r(p[1])}`).join(';');
  }
  return '';
}

export function parse(hash) {
  const st = defaults();
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  if (isDay(q.get('d'))) st.date = q.get('d');
  if (WINDOWS.includes(q.get('w'))) st.window = q.get('w');
  const c = (q.get('c') || '').split(',').map(num);
  if (c.length === 2 && c[0] !== null && c[1] !== null && Math.abs(c[0]) <= 180 && Math.abs(c[1]) <= 90) st.center = c;
  const z = num(q.get('z') ?? '');
  if (z !== null && z >= 3 && z <= 18) st.zoom = z;
  if (q.has('l')) st.layers = new Set(q.get('l').split(',').filter((l) => LAYERS.includes(l)));
  st.type = slug(q.get('type') || '');
  st.actor = slug(q.get('actor') || '');
  st.status = slug(q.get('status') || '');
  const mf = num(q.get('minf') ?? '');
  if (mf !== null && mf >= 0) st.minFatalities = Math.floor(mf);
  st.osm = q.get('osm') === '1';
  st.selection = parseSelection(q.get('sel'));
  return st;
}

export function format(st) {
  const q = new URLSearchParams();
  if (st.date) q.set('d', st.date);
  q.set('w', st.window);
  q.set('c', `${st.center[0].toFixed(4)},${st.center[1].toFixed(4)}`);
  q.set('z', String(st.zoom));
  q.set('l', LAYERS.filter((l) => st.layers.has(l)).join(','));
  if (st.type) q.set('type', st.type);
  if (st.actor) q.set('actor', st.actor);
  if (st.status) q.set('status', st.status);
  if (st.minFatalities > 0) q.set('minf', String(st.minFatalities));
  if (st.osm) q.set('osm', '1');
  const sel = formatSelection(st.selection);
  if (sel) q.set('sel', sel);
  return '#' + q.toString().replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%3B/g, ';');
}
