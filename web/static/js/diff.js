// diff.js: features compared field by field, for the history's diffs and
// the conflict view. A feature's fields are its properties and its
// geometry; lists (actors, sources) compare whole.
import { h } from './dom.js';

// Fields the server derives from others (an incident's governorate from
// its point): shown, but never reapplied over another editor's version.
export const DERIVED = new Set(['governorate']);

const canon = (v) => JSON.stringify(v === undefined ? null : v);

// fields lists a feature's fields: {name: value}, "geometry" included.
export function fields(f) {
  if (!f) return {};
  return { ...(f.properties || {}), geometry: f.geometry ?? null };
}

// changes lists the fields whose values differ between a and b (features
// or null), in a stable order: [{field, before, after}].
export function changes(a, b) {
  const fa = fields(a);
  const fb = fields(b);
  const names = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort((x, y) => order(x) - order(y) || x.localeCompare(y));
  return names.filter((n) => canon(fa[n]) !== canon(fb[n])).map((n) => ({ field: n, before: fa[n], after: fb[n] }));
}

const ORDER = ['date', 'date_end', 'date_precision', 'type', 'sub_type', 'status', 'actors', 'actor', 'name', 'valid_from', 'valid_to',
  'fatalities_low', 'fatalities_best', 'fatalities_high', 'fatalities_civilians', 'geometry', 'circle', 'precision_m', 'place', 'governorate',
  'description', 'sources', 'notes'];
const order = (n) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);

// reapply puts mine's changes from base onto theirs: every field mine
// changed (but derived ones) takes mine's value; the rest stay theirs.
// conflicts are the fields both changed to different values.
export function reapply(base, mine, theirs) {
  const fBase = fields(base);
  const fMine = fields(mine);
  const fTheirs = fields(theirs);
  const merged = { ...theirs, properties: { ...(theirs.properties || {}) }, geometry: theirs.geometry };
  const conflicts = [];
  for (const { field } of changes(base, mine)) {
    if (DERIVED.has(field)) continue;
    if (canon(fTheirs[field]) !== canon(fBase[field]) && canon(fTheirs[field]) !== canon(fMine[field])) conflicts.push(field);
    if (field === 'geometry') merged.geometry = mine.geometry;
    else if (fMine[field] === undefined) delete merged.properties[field];
    else merged.properties[field] = fMine[field];
  }
  return { merged, conflicts };
}

// text renders a field's value for reading: lists one item a line, a
// geometry by its kind and first point, nothing as "—".
export function text(field, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (field === 'geometry') {
    if (v.type === 'Point') return `point ${v.coordinates.map((c) => Number(c).toFixed(5)).join(', ')}`;
    const rings = v.type === 'Polygon' ? [v.coordinates] : v.type === 'MultiPolygon' ? v.coordinates : [];
    const n = rings.reduce((t, p) => t + p.reduce((u, r) => u + r.length, 0), 0);
    return `${v.type}, ${rings.length} part${rings.length === 1 ? '' : 's'}, ${n} vertices`;
  }
  if (field === 'sources' && Array.isArray(v)) {
    return v.map((s) => [s.publisher, s.title, s.url, s.published, s.note && `claims: ${s.note}`].filter(Boolean).join(' | ')).join('\n');
  }
  if (field === 'actors' && Array.isArray(v)) return v.map((a) => `${a.actor} (${a.role})${a.name ? ' as ' + a.name : ''}`).join('\n');
  if (field === 'circle' && v.center) return `centre ${v.center.join(', ')}, radius ${v.radius_m} m`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// table is a field-by-field table of rows [{field, cells: [values…]}]
// under the column heads, values rendered by text; mark(row) adds a class.
export function table(caption, heads, rows, mark = () => null) {
  return h('table', { class: 'diff-table' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Field'), heads.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows.map((r) => h('tr', { class: mark(r), 'data-diff-field': r.field },
      h('th', { scope: 'row' }, r.field),
      r.cells.map((v) => h('td', null, h('span', { class: 'diff-value' }, text(r.field, v))))))));
}
