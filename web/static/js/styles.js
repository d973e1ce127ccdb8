// How things look: zone styles by actor colour and status (with SVG fill
// patterns), incident symbols by type, site symbols by kind, and the labels
// of the data's codes.
import { s } from './dom.js';

export const ZONE_STATUSES = ['control', 'contested', 'joint', 'presence', 'deconfliction', 'buffer'];

export const STATUS_LABELS = {
  control: 'Control',
  contested: 'Contested',
  joint: 'Joint control',
  presence: 'Presence (not control)',
  deconfliction: 'Deconfliction zone',
  buffer: 'Buffer zone',
};

export const TYPE_LABELS = {
  battles: 'Battles',
  explosions_remote_violence: 'Explosions / remote violence',
  violence_against_civilians: 'Violence against civilians',
  strategic_developments: 'Strategic developments',
  protests: 'Protests',
  riots: 'Riots',
};

// Incident symbols: a shape and a colour per type, so the type reads without
// colour too. Colours are Paul Tol's "vibrant" scheme, saturated so they
// stand out on the pale, translucent zone fills, with a dark outline.
export const TYPE_SYMBOLS = {
  battles: { shape: 'circle', colour: '#CC3311' },
  explosions_remote_violence: { shape: 'triangle', colour: '#EE7733' },
  violence_against_civilians: { shape: 'square', colour: '#AA3377' },
  strategic_developments: { shape: 'diamond', colour: '#0077BB' },
  protests: { shape: 'down', colour: '#33BBEE' },
  riots: { shape: 'cross', colour: '#009988' },
};

export const SITE_KINDS = {
  city: 'City', town: 'Town', prison: 'Prison', camp: 'Camp', base: 'Military base',
  oil_field: 'Oil field', gas_field: 'Gas field', border_crossing: 'Border crossing',
  mountain: 'Mountain', region: 'Region', dam: 'Dam', airport: 'Airport',
};

export const label = (map, code) => map[code] || (code ? String(code).replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : '');

const NEUTRAL = '#777777';

// The zone style for an actor colour and a status. Patterns are defined once
// per colour in a hidden SVG (patternDefs) and referenced by url(#id).
export function zoneStyle(colour, status) {
  const c = colour || NEUTRAL;
  const base = { color: c, fillColor: c, weight: 1.2, opacity: 0.95, fillOpacity: 0.42, lineJoin: 'round' };
  switch (status) {
    case 'contested':
      return { ...base, fillColor: `url(#${pattern(c, 'hatch')})`, fillOpacity: 1, dashArray: '6 4', weight: 1.6 };
    case 'joint':
      return { ...base, fillColor: `url(#${pattern(c, 'cross')})`, fillOpacity: 1, weight: 1.6 };
    case 'presence':
      return { ...base, fillColor: `url(#${pattern(c, 'dots')})`, fillOpacity: 1, dashArray: '1 5', lineCap: 'round', weight: 2.4 };
    case 'deconfliction':
      return { ...base, fillOpacity: 0.07, dashArray: '10 6', weight: 2.2 };
    case 'buffer':
      return { ...base, fillColor: `url(#${pattern(c, 'stripes')})`, fillOpacity: 1, weight: 2 };
    default:
      return base;
  }
}

let defs = null;
const made = new Set();

function pattern(colour, kind) {
  const id = `pat-${kind}-${colour.replace(/[^0-9a-z]/gi, '')}`;
  if (made.has(id)) return id;
  if (!defs) {
    const svg = s('svg', { width: 0, height: 0, 'aria-hidden': 'true', class: 'svg-defs' }, s('defs'));
    document.body.appendChild(svg);
    defs = svg.firstChild;
  }
  const p = s('pattern', { id, patternUnits: 'userSpaceOnUse', width: 8, height: 8 });
  const line = (d, w) => s('path', { d, stroke: colour, 'stroke-width': w, 'stroke-opacity': 0.85, fill: 'none' });
  if (kind === 'hatch') {
    p.setAttribute('patternTransform', 'rotate(45)');
    p.appendChild(s('rect', { width: 8, height: 8, fill: colour, 'fill-opacity': 0.12 }));
    p.appendChild(line('M0 0V8', 3));
  } else if (kind === 'cross') {
    p.setAttribute('patternTransform', 'rotate(45)');
    p.appendChild(s('rect', { width: 8, height: 8, fill: colour, 'fill-opacity': 0.15 }));
    p.appendChild(line('M0 0V8M0 0H8', 2));
  } else if (kind === 'dots') {
    p.setAttribute('width', 10);
    p.setAttribute('height', 10);
    p.appendChild(s('circle', { cx: 3, cy: 3, r: 1.6, fill: colour, 'fill-opacity': 0.75 }));
    p.appendChild(s('circle', { cx: 8, cy: 8, r: 1.6, fill: colour, 'fill-opacity': 0.75 }));
  } else if (kind === 'stripes') {
    p.setAttribute('width', 6);
    p.setAttribute('height', 6);
    p.appendChild(s('rect', { width: 6, height: 6, fill: colour, 'fill-opacity': 0.2 }));
    p.appendChild(line('M0 0H6', 2.5));
  }
  defs.appendChild(p);
  made.add(id);
  return id;
}

// zoneSwatch is a small SVG of a zone style, for the legend and panels.
export function zoneSwatch(colour, status, size = 18) {
  const st = zoneStyle(colour, status);
  const fill = st.fillColor;
  return s('svg', { class: 'swatch', width: size, height: size, viewBox: '0 0 18 18', 'aria-hidden': 'true' },
    s('rect', {
      x: 1.5, y: 1.5, width: 15, height: 15, rx: 2,
      fill, 'fill-opacity': st.fillOpacity, stroke: st.color, 'stroke-width': Math.min(st.weight, 2),
      'stroke-dasharray': st.dashArray ? st.dashArray.split(' ').map((n) => Math.max(1, n / 2)).join(' ') : null,
      'stroke-linecap': st.lineCap || null,
    }));
}

// fatalitySize maps a best estimate of deaths to a symbol's size in pixels:
// area grows with the count, so a 100-death event does not hide a region.
export function fatalitySize(n) {
  return Math.round(12 + Math.min(22, 3.2 * Math.sqrt(Math.max(0, n || 0))));
}

// densityStyle shades a heat map cell holding count incidents, of a view
// whose fullest cell holds max: from pale yellow to deep red on a log
// scale, so a few busy cells do not wash out the rest.
export function densityStyle(count, max) {
  const t = Math.log1p(count) / Math.log1p(Math.max(count, max));
  const ramp = ['#ffffb2', '#fed976', '#feb24c', '#fd8d3c', '#f03b20', '#bd0026'];
  return { stroke: false, fillColor: ramp[Math.min(ramp.length - 1, Math.floor(t * ramp.length))], fillOpacity: 0.25 + 0.45 * t };
}

// SHAPE_PATHS are the incident shapes as SVG path data in a 24 by 24 box
// centred on (12, 12): the legend's SVG symbols and the map's canvas markers
// (markers.js) draw the same paths.
export const SHAPE_PATHS = {
  circle: 'M21 12A9 9 0 1 1 3 12A9 9 0 1 1 21 12Z',
  triangle: 'M12 2L22 20H2Z',
  square: 'M5 3.5H19A1.5 1.5 0 0 1 20.5 5V19A1.5 1.5 0 0 1 19 20.5H5A1.5 1.5 0 0 1 3.5 19V5A1.5 1.5 0 0 1 5 3.5Z',
  diamond: 'M12 1.5L22.5 12L12 22.5L1.5 12Z',
  down: 'M2 4H22L12 22Z',
  cross: 'M8 2H16V8H22V16H16V22H8V16H2V8H8Z',
};

// SYMBOL_STROKE is the outline of a symbol: its colour, and its width in
// the 24-unit box of SHAPE_PATHS.
export const SYMBOL_STROKE = { colour: '#1b1f24', width: 1.6 };

// typeSymbol is the shape and colour of an incident type; unknown types get
// a neutral circle.
export const typeSymbol = (type) => TYPE_SYMBOLS[type] || { shape: 'circle', colour: NEUTRAL };

// symbol is the SVG of an incident type's shape at size px.
export function symbol(type, size, extraClass) {
  const sym = typeSymbol(type);
  const shape = s('path', { d: SHAPE_PATHS[sym.shape], fill: sym.colour, stroke: SYMBOL_STROKE.colour, 'stroke-width': String(SYMBOL_STROKE.width) });
  return s('svg', { class: `sym ${extraClass || ''}`, width: size, height: size, viewBox: '0 0 24 24', 'aria-hidden': 'true' }, shape);
}

// siteSymbol is the small dark marker of a site kind: a letter in a
// rounded square, so kinds are told apart without a colour key.
export const SITE_LETTERS = {
  city: '●', town: '•', prison: 'P', camp: 'C', base: 'B', oil_field: 'O', gas_field: 'G',
  border_crossing: 'X', mountain: '▲', region: 'R', dam: 'D', airport: 'A',
};
