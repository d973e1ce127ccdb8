// Frontline's web map: zones as of a date, incidents in a window ending at
// that date, sites and governorates over an offline basemap; click for
// "who controls this point", draw for "what happened inside this area".
// The whole view state lives in the URL hash (see state.js).
/* global L */
import * as api from './api.js';
import { h, s, clear, download, names } from './dom.js';
import { addDays, addMonths, daysBetween, fmt, fmtMonth, isDay, today } from './dates.js';
import * as State from './state.js';
import { DrawTool } from './draw.js';
import { bars, columns, table } from './charts.js';
import * as Pop from './popups.js';
import { toCSV } from './export.js';
import { incidentState, MARKERS } from './incidents.js';
import { clusterMarker, incidentMarker } from './markers.js';
import { gridCells } from './grid.js';
import { follow } from './live.js';
import { session, load as loadSession, signIn, signOut, authHeader, SignInError } from './session.js';
import { showHistory, showAudit } from './history.js';
import {
  SITE_KINDS, SITE_LETTERS, STATUS_LABELS, TYPE_LABELS, TYPE_SYMBOLS, ZONE_STATUSES,
  densityStyle, fatalitySize, label, symbol, zoneStyle, zoneSwatch,
} from './styles.js';

const FIRST_DAY = '2011-01-01';
const OSM_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

const $ = (id) => document.getElementById(id);

const app = {
  state: State.parse(location.hash),
  actors: new Map(),
  zones: [],
  governorates: [],
  range: { min: FIRST_DAY, max: today() },
  layers: {},
  selection: null,
  areaResult: null,
  // incidents is the incident layer's loading state (incidents.js).
  incidents: incidentState(),
};
// For the browser tests and for poking at the page from the console.
window.frontline = app;

// ---------------------------------------------------------------- the map

function buildMap() {
  const st = app.state;
  // The map takes its final width before it is centred (reservePanel), so
  // that a permalink opened with a selection shows its centre where the
  // page that wrote it did.
  reservePanel(st.selection);
  const map = L.map('map', {
    // An editor's map has Leaflet-Geoman's handler (editor.js loads it
    // first); its layers opt in one by one.
    pmIgnore: !(window.L && L.PM),
    center: L.GeoJSON.coordsToLatLng(st.center),
    zoom: st.zoom,
    minZoom: 4,
    maxZoom: 16,
    zoomControl: false,
    attributionControl: true,
    keyboardPanDelta: 120,
  });
  L.control.zoom({ position: 'topright' }).addTo(map);
  L.control.scale({ position: 'bottomright', imperial: false }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('Boundaries © UN OCHA (CC BY 3.0 IGO), made with Natural Earth');
  map.attributionControl.addAttribution('Events: Frontline, UCDP GED 23.1 (CC BY 4.0)');
  // The map's box changes when the results panel opens or the window turns.
  new ResizeObserver(() => map.invalidateSize({ pan: false })).observe(map.getContainer());

  const pane = (name, z) => { map.createPane(name).style.zIndex = String(z); };
  pane('basemap', 150);
  pane('zones', 400);
  pane('governorates', 420);
  pane('density', 430);
  pane('selection', 440);
  pane('incidents', 450);
  pane('sites', 590);

  app.layers.basemap = L.geoJSON(null, {
    pane: 'basemap', interactive: false,
    style: (f) => (f.properties.syria
      ? { color: '#44403c', weight: 1.6, fillColor: '#fbfaf7', fillOpacity: 1 }
      : { color: '#a8a29e', weight: 0.8, fillColor: '#ebe8e1', fillOpacity: 1 }),
  }).addTo(map);
  app.layers.zones = L.geoJSON(null, {
    pane: 'zones', interactive: false,
    style: (f) => {
      const a = app.actors.get(f.properties.actor);
      return {
        ...zoneStyle(a && a.colour, f.properties.status),
        className: `zone zone-${cls(f.properties.status)} zone-actor-${cls(f.properties.actor)}`,
      };
    },
  });
  app.layers.governorates = L.layerGroup();
  app.layers.govLines = L.geoJSON(null, {
    pane: 'governorates', interactive: false,
    style: { color: '#57534e', weight: 0.9, opacity: 0.7, dashArray: '3 3', fill: false, className: 'governorate' },
  }).addTo(app.layers.governorates);
  app.layers.govLabels = L.layerGroup().addTo(app.layers.governorates);
  // The incidents of a view holding at most MARKERS, drawn on one canvas
  // and clustered in the browser (grid.js) at every zoom: a lone incident
  // in its cell shows itself, more show their count.
  app.canvas = L.canvas({ pane: 'incidents', padding: 0.3, tolerance: 3 });
  app.layers.incidents = L.layerGroup();
  // The API's clusters (GET /api/clusters), where a view holds more than
  // MARKERS incidents: exact counts, which add up to the view's.
  app.layers.clusters = L.layerGroup();
  // The optional heat map: GET /api/grid's cells of about 32 pixels in
  // view, shaded by count.
  app.layers.density = L.geoJSON(null, {
    pane: 'density', interactive: false, renderer: L.canvas({ pane: 'density' }),
    style: (f) => densityStyle(f.properties.count, app.densityMax),
  });
  app.layers.sites = L.layerGroup();
  app.layers.selection = L.layerGroup().addTo(map);
  app.layers.osm = L.tileLayer(OSM_URL, {
    maxZoom: 19, opacity: 0.9,
    attribution: '© <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener noreferrer">OpenStreetMap</a> contributors',
  });
  app.map = map;

  map.on('moveend', () => {
    const c = map.getCenter();
    app.state.center = [round(c.lng, 4), round(c.lat, 4)];
    app.state.zoom = map.getZoom();
    writeURL();
    updateGovLabels();
    guard(Promise.all([loadIncidents(), loadDensity()]));
  });
  map.on('click', (e) => {
    if (app.draw.active) return;
    // An open editor form takes the click (an incident's location) or
    // ignores it (a zone being drawn or edited).
    if (app.mapClick) { app.mapClick(e.latlng); return; }
    selectPoint([round(e.latlng.lng, 5), round(e.latlng.lat, 5)]);
  });

  app.draw = new DrawTool(map, {
    onDone: (shape) => select(shape),
    onChange: (d) => drawHint(d),
    onCancel: () => drawHint(null),
  });
}

const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;
const cls = (v) => String(v || 'none').replace(/[^a-z0-9_-]/gi, '');

// ------------------------------------------------------------- the layers

function syncLayers() {
  const { map, layers, state } = app;
  const want = {
    zones: state.layers.has('zones'),
    incidents: state.layers.has('incidents') && app.incidents.mode !== 'clusters',
    clusters: state.layers.has('incidents') && app.incidents.mode === 'clusters',
    density: state.layers.has('density'),
    sites: state.layers.has('sites'),
    governorates: state.layers.has('governorates'),
    osm: state.osm,
  };
  for (const [name, on] of Object.entries(want)) {
    const layer = layers[name];
    if (on && !map.hasLayer(layer)) map.addLayer(layer);
    if (!on && map.hasLayer(layer)) map.removeLayer(layer);
  }
  document.body.classList.toggle('osm-on', state.osm);
  for (const el of document.querySelectorAll('[data-legend]')) el.hidden = !want[el.dataset.legend] && !(el.dataset.legend === 'incidents' && want.clusters);
}

async function loadBasemap() {
  const fc = await (await fetch('basemap/countries.geojson')).json();
  app.layers.basemap.addData(fc);
}

async function loadActors() {
  const body = await api.get('/api/actors');
  const list = Array.isArray(body) ? body : body.actors || body.features || [];
  for (const a of list) {
    const rec = a.type === 'Feature' ? { id: a.id, ...a.properties } : a;
    app.actors.set(rec.id, rec);
  }
  const sel = $('filter-actor');
  const sorted = [...app.actors.values()].sort((a, b) => (a.short_name || a.name).localeCompare(b.short_name || b.name));
  for (const a of sorted) sel.appendChild(h('option', { value: a.id }, a.short_name && a.short_name !== a.name ? `${a.short_name} — ${a.name}` : a.name));
  sel.value = app.state.actor;
}

async function loadRange() {
  // The slider spans the incidents' temporal extent, and the default date is
  // the last day with data, so the first view is never empty.
  try {
    const c = await api.get('/api/collections/incidents');
    const iv = c && c.extent && c.extent.temporal && c.extent.temporal.interval && c.extent.temporal.interval[0];
    if (iv) {
      const [a, b] = iv.map((v) => (typeof v === 'string' ? v.slice(0, 10) : null));
      if (isDay(a) && a < app.range.min) app.range.min = a;
      if (isDay(b)) app.range.last = b;
    }
  } catch (err) {
    notice(`Could not read the incidents' date range: ${err.message}`);
  }
  if (app.range.last && app.range.last > app.range.max) app.range.max = app.range.last;
  if (!app.state.date) app.state.date = app.range.last && app.range.last < today() ? app.range.last : today();
}

async function loadZones() {
  const date = app.state.date;
  const seq = (app.zoneSeq = (app.zoneSeq || 0) + 1);
  const { features } = await api.items('zones', { as_of: date });
  if (seq !== app.zoneSeq) return;
  // Control first, so contested, presence and the rest draw on top of it.
  features.sort((a, b) => ZONE_STATUSES.indexOf(a.properties.status) - ZONE_STATUSES.indexOf(b.properties.status));
  app.zones = features;
  app.layers.zones.clearLayers();
  app.layers.zones.addData(features);
  document.body.dataset.zonesDate = date;
  renderZoneLegend();
  status();
}

function incidentParams() {
  const st = app.state;
  return {
    datetime: windowInterval(),
    type: st.type, actor: st.actor, status: st.status,
    min_fatalities: st.minFatalities || '',
  };
}

function windowInterval() {
  const { date, window: w } = app.state;
  return w === 'all' ? `../${date}` : `${addDays(date, -(Number(w) - 1))}/${date}`;
}

// viewBox is the map's view grown by pad of its size on each side, as
// [west, south, east, north] in degrees, clamped to the world and rounded
// to 1e-4°.
function viewBox(pad) {
  const b = app.map.getBounds().pad(pad);
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
    .map((v, i) => round(Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, v)), 4));
}

const within = (a, b) => a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3];

// loadIncidents shows the incidents of the window in the view grown by a
// quarter: the incidents themselves, clustered in the browser, when there
// are at most MARKERS, else the API's exact clusters. Markers loaded for a
// box that still holds the view stay, at any zoom; so do clusters at the
// zoom they were made for.
async function loadIncidents() {
  const inc = app.incidents;
  const params = incidentParams();
  const key = JSON.stringify(params);
  const zoom = app.map.getZoom();
  const current = inc.done === inc.seq && inc.key === key && within(viewBox(0), inc.box);
  if (current && (inc.mode === 'markers' || inc.zoom === zoom)) {
    if (inc.zoom !== zoom) {
      inc.zoom = zoom;
      drawMarkers();
    }
    status();
    return;
  }
  const seq = ++inc.seq;
  const box = viewBox(0.25);
  const bbox = box.join(',');
  const clusters = await api.get('/api/clusters', { ...params, bbox, zoom });
  if (seq !== inc.seq) return;
  if (clusters.numberMatched > MARKERS) {
    renderClusters(clusters);
    Object.assign(inc, { mode: 'clusters', key, box, zoom, shown: clusters.numberMatched, done: seq });
  } else {
    const { features } = await api.items('incidents', { ...params, bbox }, MARKERS);
    if (seq !== inc.seq) return;
    renderIncidents(features);
    Object.assign(inc, { mode: 'markers', key, box, zoom, shown: features.length, done: seq });
  }
  syncLayers();
  status();
}

// loadDensity fills the heat map, when it is on, with the grid of the
// incidents in view: cells of about 32 pixels (1/8 of a tile).
async function loadDensity() {
  if (!app.state.layers.has('density')) return;
  const seq = (app.densitySeq = (app.densitySeq || 0) + 1);
  const cell = Math.min(10, Math.max(0.01, 45 / 2 ** app.map.getZoom())); // the API's bounds
  const fc = await api.get('/api/grid', { ...incidentParams(), bbox: viewBox(0.1).join(','), cell: round(cell, 4) });
  if (seq !== app.densitySeq) return;
  app.densityMax = Math.max(1, ...fc.features.map((f) => f.properties.count));
  app.layers.density.clearLayers();
  app.layers.density.addData(fc);
}

// renderIncidents makes the markers of features (each with its tooltip
// and popup), kept in app.incidents.markers, and draws them.
function renderIncidents(features) {
  const markers = [];
  for (const f of features) {
    const m = incidentMarker(f, app.canvas);
    if (!m) continue;
    const p = f.properties || {};
    m.feature = f;
    // A node, not a string: Leaflet sets a string tooltip as innerHTML,
    // and the place is the data's.
    m.bindTooltip(() => h('span', null, `${label(TYPE_LABELS, p.type)}, ${fmt(p.date)}, ${p.fatalities_best || 0} killed${p.place ? ', ' + p.place : ''}`), { direction: 'top', offset: [0, -6] });
    m.bindPopup(() => withActions(Pop.incident(f, app.actors), 'incidents', f.id), { maxWidth: 380, minWidth: 260, className: 'incident-popup', autoPanPadding: [40, 40] });
    markers.push(m);
  }
  app.incidents.markers = markers;
  drawMarkers();
}

// drawMarkers clusters the loaded markers at the map's zoom (grid.js) and
// draws each cell: its incident when alone, else a count badge that zooms
// in (or lists them, at the last zoom) when clicked. Badges draw last, on
// top.
function drawMarkers() {
  const { map } = app;
  const group = app.layers.incidents;
  const markers = app.incidents.markers;
  const zoom = map.getZoom();
  group.clearLayers();
  drawPublishedAreas(group, markers);
  const cells = gridCells(markers.map((m) => { const p = map.project(m.getLatLng(), zoom); return [p.x, p.y]; }));
  const badges = [];
  for (const { members } of cells) {
    if (members.length === 1) {
      group.addLayer(markers[members[0]]);
      continue;
    }
    const ext = { min_lon: Infinity, min_lat: Infinity, max_lon: -Infinity, max_lat: -Infinity };
    let lon = 0;
    let lat = 0;
    let killed = 0;
    for (const i of members) {
      const ll = markers[i].getLatLng();
      lon += ll.lng;
      lat += ll.lat;
      ext.min_lon = Math.min(ext.min_lon, ll.lng);
      ext.max_lon = Math.max(ext.max_lon, ll.lng);
      ext.min_lat = Math.min(ext.min_lat, ll.lat);
      ext.max_lat = Math.max(ext.max_lat, ll.lat);
      killed += markers[i].feature.properties.fatalities_best || 0;
    }
    const badge = clusterMarker(L.latLng(lat / members.length, lon / members.length), members.length, app.canvas);
    badge.bindTooltip(() => clusterTitle(members.length, killed), { direction: 'top', offset: [0, -12] });
    badge.on('click', () => openCluster(ext));
    badges.push(badge);
  }
  for (const b of badges) group.addLayer(b);
}

// drawPublishedAreas outlines, once each, the areas of the coarsened
// incidents among markers (properties.publication.area, [w, s, e, n]): the
// published view places such an incident at its area's centre, and the
// event happened somewhere inside it. Drawn first, under the symbols.
function drawPublishedAreas(group, markers) {
  const seen = new Set();
  for (const m of markers) {
    const pub = m.feature.properties.publication;
    if (!pub || !Array.isArray(pub.area)) continue;
    const key = pub.area.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const [w, s, e, n] = pub.area;
    group.addLayer(L.rectangle([[s, w], [n, e]], {
      renderer: app.canvas, interactive: false, className: 'published-area',
      color: '#7c3aed', weight: 1, dashArray: '4 3', fillColor: '#7c3aed', fillOpacity: 0.06,
    }));
  }
}

// renderPublicationLegend says, when this session reads the published
// view, what the publication policy does: the embargo and the
// coarsening a reader sees.
function renderPublicationLegend() {
  const box = $('legend-publication');
  const pub = session.publication;
  if (!pub || pub.view !== 'published') return;
  const rules = (pub.policy && pub.policy.rules) || [];
  const parts = [];
  if (pub.max_embargo_hours > 0) parts.push(`Incidents appear only ${hoursText(pub.max_embargo_hours)} after they happened and were recorded${rules.some((r) => r.embargo && (r.types || r.sub_types || r.statuses || r.younger_than)) ? ' (some kinds only)' : ''}.`);
  const grids = rules.map((r) => r.coarsen && r.coarsen.grid_km).filter(Boolean);
  if (grids.length) parts.push(`Positions are snapped to the centre of a ${Math.max(...grids)} km cell, outlined on the map.`);
  if (rules.some((r) => r.coarsen && r.coarsen.governorate)) parts.push('Some positions are moved to their governorate\'s centre.');
  parts.push('Editors may withhold or coarsen any incident.');
  box.replaceChildren(h('strong', null, 'Published view. '), parts.join(' '));
  box.hidden = false;
}

// hoursText says a number of hours in days when whole.
const hoursText = (hrs) => (hrs % 24 === 0 ? `${hrs / 24} day${hrs === 24 ? '' : 's'}` : `${hrs} hours`);

// clusterTitle is the tooltip of a cluster, the browser's or the API's.
const clusterTitle = (n, killed) => `${n.toLocaleString('en-GB')} incidents, ${killed.toLocaleString('en-GB')} killed (best estimate)`;

// openCluster zooms the map to a cluster's extent ({min_lon, min_lat,
// max_lon, max_lat}, the API's cluster properties), or two levels in when
// its incidents are too close for that to help; at the last zoom it lists
// them instead.
function openCluster(ext) {
  const { map } = app;
  if (map.getZoom() >= map.getMaxZoom()) {
    listCluster(ext);
    return;
  }
  const b = L.latLngBounds([ext.min_lat, ext.min_lon], [ext.max_lat, ext.max_lon]);
  if (map.getBoundsZoom(b) > map.getZoom()) map.fitBounds(b, { maxZoom: map.getMaxZoom() });
  else map.setView(b.getCenter(), Math.min(map.getZoom() + 2, map.getMaxZoom()));
}

// renderClusters draws the API's clusters: a count badge at each, on a
// canvas, which zooms the map to the cluster's incidents when clicked (or
// lists them, at the last zoom).
function renderClusters(fc) {
  const layer = app.layers.clusters;
  layer.clearLayers();
  for (const f of fc.features || []) {
    const p = f.properties;
    const m = clusterMarker(L.GeoJSON.coordsToLatLng(f.geometry.coordinates), p.count, app.canvas);
    m.bindTooltip(() => clusterTitle(p.count, p.fatalities_best), { direction: 'top', offset: [0, -12] });
    m.feature = f;
    m.on('click', () => openCluster(p));
    layer.addLayer(m);
  }
}

// listCluster opens the area panel on a cluster's extent (its
// incidents' bounding box grown by about a metre, rounded outward to the
// URL's 1e-5°, so the incidents on its edges are inside; or 50 m around
// them when they share a spot), for a cluster the map cannot zoom into any
// further.
function listCluster(p) {
  if (p.max_lon - p.min_lon < 1e-5 || p.max_lat - p.min_lat < 1e-5) {
    select({ kind: 'circle', center: [round((p.min_lon + p.max_lon) / 2, 5), round((p.min_lat + p.max_lat) / 2, 5)], radius: 50 });
    return;
  }
  const lo = (v) => Math.floor(v * 1e5) / 1e5 - 1e-5;
  const hi = (v) => Math.ceil(v * 1e5) / 1e5 + 1e-5;
  const [w, s, e, n] = [lo(p.min_lon), lo(p.min_lat), hi(p.max_lon), hi(p.max_lat)].map((v) => round(v, 5));
  select({ kind: 'poly', ring: [[w, s], [e, s], [e, n], [w, n]] });
}

const siteIcons = new Map();

// siteIcon is a dot for a city or town and a lettered badge for the rest;
// built from constants only.
function siteIcon(kind) {
  const k = SITE_LETTERS[kind] ? kind : 'other';
  if (!siteIcons.has(k)) {
    const dot = k === 'city' || k === 'town';
    const el = h('div', { class: `site-inner kind-${k}` }, dot ? '' : SITE_LETTERS[k] || '?');
    const size = k === 'city' ? 9 : k === 'town' ? 7 : 16;
    siteIcons.set(k, L.divIcon({ html: el.outerHTML, className: `site-icon site-${k}`, iconSize: [size, size], popupAnchor: [0, -size / 2] }));
  }
  return siteIcons.get(k);
}

async function loadSites() {
  const { features } = await api.items('sites', {});
  const group = app.layers.sites;
  group.clearLayers();
  for (const f of features) {
    const c = f.geometry && f.geometry.coordinates;
    if (!c) continue;
    const p = f.properties || {};
    const m = L.marker(L.GeoJSON.coordsToLatLng(c), {
      pane: 'sites',
      icon: siteIcon(p.kind),
      title: `${p.name}${p.name_ar ? ' · ' + p.name_ar : ''} (${label(SITE_KINDS, p.kind)})`,
      keyboard: true,
    });
    m.bindTooltip(() => names(p.name, p.name_ar), { direction: 'top', offset: [0, -8], className: 'site-tooltip' });
    m.bindPopup(() => Pop.site(f), { maxWidth: 340 });
    group.addLayer(m);
  }
}

async function loadGovernorates() {
  const { features } = await api.items('governorates', {});
  app.governorates = features;
  app.layers.govLines.clearLayers();
  app.layers.govLines.addData(features);
  app.layers.govLabels.clearLayers();
  app.govLabels = features.map((f) => {
    const centre = L.geoJSON(f).getBounds().getCenter();
    return L.tooltip({ permanent: true, direction: 'center', className: 'gov-label', interactive: false })
      .setLatLng(centre)
      .setContent(names(f.properties.name, f.properties.name_ar));
  });
  updateGovLabels();
}

function updateGovLabels() {
  if (!app.govLabels) return;
  const show = app.map.getZoom() >= 7;
  for (const t of app.govLabels) {
    if (show && !app.layers.govLabels.hasLayer(t)) app.layers.govLabels.addLayer(t);
    if (!show && app.layers.govLabels.hasLayer(t)) app.layers.govLabels.removeLayer(t);
  }
}

// governorateAt finds the governorate containing [lon, lat] among the loaded
// boundaries (even-odd ray casting; holes are rings too).
function governorateAt(p) {
  const inRing = (ring) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
  const inPoly = (rings) => rings.filter(inRing).length % 2 === 1;
  for (const f of app.governorates) {
    const g = f.geometry;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    if (polys.some(inPoly)) return f.properties;
  }
  return null;
}

// ------------------------------------------------------------- the legend

function renderZoneLegend() {
  const box = clear($('legend-actors'));
  const present = new Map();
  for (const f of app.zones) {
    const p = f.properties;
    if (!present.has(p.actor)) present.set(p.actor, new Set());
    present.get(p.actor).add(p.status);
  }
  if (!present.size) box.appendChild(h('li', { class: 'muted' }, 'No zone on this date.'));
  for (const [id, statuses] of present) {
    const a = app.actors.get(id);
    const main = statuses.has('control') ? 'control' : [...statuses][0];
    box.appendChild(h('li', { 'data-actor': id }, zoneSwatch(a && a.colour, main), Pop.actorName(app.actors, id)));
  }
}

function renderStaticLegend() {
  const statuses = $('legend-statuses');
  for (const st of ZONE_STATUSES) statuses.appendChild(h('li', null, zoneSwatch('#52525b', st), label(STATUS_LABELS, st)));
  const types = $('legend-types');
  for (const t of Object.keys(TYPE_SYMBOLS)) types.appendChild(h('li', null, symbol(t, 16), label(TYPE_LABELS, t)));
  const sizes = $('legend-sizes');
  for (const k of [0, 10, 100]) sizes.appendChild(h('li', null, symbol('other', fatalitySize(k), 'neutral'), k === 0 ? 'none reported' : `${k} killed`));
  const sites = $('legend-sites');
  for (const k of ['city', 'prison', 'camp', 'base', 'oil_field', 'border_crossing']) {
    const dot = k === 'city';
    sites.appendChild(h('li', null, h('span', { class: `site-icon legend-site site-${k}` }, h('span', { class: `site-inner kind-${k}` }, dot ? '' : SITE_LETTERS[k])), label(SITE_KINDS, k)));
  }
  const types2 = $('filter-type');
  for (const [k, v] of Object.entries(TYPE_LABELS)) types2.appendChild(h('option', { value: k }, v));
}

// --------------------------------------------------------- the controls

function initControls() {
  const st = app.state;
  const slider = $('date-slider');
  const input = $('date-input');
  slider.min = '0';
  slider.max = String(daysBetween(app.range.min, app.range.max));
  input.min = app.range.min;
  input.max = app.range.max;
  let timer = null;
  slider.addEventListener('input', () => {
    const d = addDays(app.range.min, Number(slider.value));
    input.value = d;
    clearTimeout(timer);
    timer = setTimeout(() => setDate(d), 180);
  });
  input.addEventListener('change', () => { if (isDay(input.value)) setDate(clampDay(input.value)); });
  $('play').addEventListener('click', () => (app.playing ? stopPlay() : play()));
  $('window-select').addEventListener('change', (e) => { st.window = e.target.value; changed({ incidents: true, area: true }); });

  for (const el of document.querySelectorAll('input[data-layer]')) {
    el.addEventListener('change', () => {
      if (el.checked) st.layers.add(el.dataset.layer); else st.layers.delete(el.dataset.layer);
      syncLayers();
      writeURL();
      if (el.dataset.layer === 'density') guard(loadDensity());
    });
  }
  $('layer-osm').addEventListener('change', (e) => { st.osm = e.target.checked; syncLayers(); writeURL(); });

  const filter = (id, key, parse) => $(id).addEventListener('change', (e) => { st[key] = parse(e.target.value); changed({ incidents: true, area: true }); });
  filter('filter-type', 'type', String);
  filter('filter-actor', 'actor', String);
  filter('filter-status', 'status', String);
  filter('filter-minf', 'minFatalities', (v) => Math.max(0, Math.floor(Number(v) || 0)));
  $('filters-reset').addEventListener('click', () => {
    Object.assign(st, { type: '', actor: '', status: '', minFatalities: 0 });
    reflectState();
    changed({ incidents: true, area: true });
  });

  $('draw-polygon').addEventListener('click', () => app.draw.start('polygon'));
  $('draw-circle').addEventListener('click', () => app.draw.start('circle'));
  $('draw-finish').addEventListener('click', () => app.draw.finish());
  $('draw-cancel').addEventListener('click', () => app.draw.cancel());
  $('circle-centre').addEventListener('submit', (e) => {
    e.preventDefault();
    const km = Number($('circle-km').value);
    if (!(km > 0)) return;
    const c = app.map.getCenter();
    select({ kind: 'circle', center: [round(c.lng, 5), round(c.lat, 5)], radius: km * 1000 });
  });
  $('query-centre').addEventListener('click', () => {
    const c = app.map.getCenter();
    selectPoint([round(c.lng, 5), round(c.lat, 5)]);
  });
  $('results-close').addEventListener('click', () => closePanel());
  $('results').addEventListener('click', (e) => {
    const pick = e.target.closest('[data-pick-zone]');
    if (pick) select({ kind: 'zone', id: pick.dataset.pickZone });
    const open = e.target.closest('[data-open-incident]');
    if (open) openIncident(open.dataset.openIncident);
  });
  $('copy-link').addEventListener('click', copyLink);
  $('panel-toggle').addEventListener('click', () => {
    const open = document.body.classList.toggle('panel-open');
    $('panel-toggle').setAttribute('aria-expanded', String(open));
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === app.lastHash) return;
    applyHash();
  });
  reflectState();
}

function clampDay(d) {
  return d < app.range.min ? app.range.min : d > app.range.max ? app.range.max : d;
}

// reflectState puts the state into the controls.
function reflectState() {
  const st = app.state;
  $('date-input').value = st.date;
  $('date-slider').value = String(daysBetween(app.range.min, st.date));
  $('date-slider').setAttribute('aria-valuetext', fmt(st.date));
  $('window-select').value = st.window;
  for (const el of document.querySelectorAll('input[data-layer]')) el.checked = st.layers.has(el.dataset.layer);
  $('layer-osm').checked = st.osm;
  $('filter-type').value = st.type;
  $('filter-actor').value = st.actor;
  $('filter-status').value = st.status;
  $('filter-minf').value = st.minFatalities ? String(st.minFatalities) : '';
  const active = [st.type, st.actor, st.status, st.minFatalities].filter(Boolean).length;
  $('filters-count').textContent = active ? `${active} active` : '';
  const from = st.window === 'all' ? 'all dates up to' : `${fmt(addDays(st.date, -(Number(st.window) - 1)))} –`;
  $('date-summary').textContent = `Zones as of ${fmt(st.date)}. Incidents: ${from} ${fmt(st.date)}.`;
}

async function setDate(d) {
  if (d === app.state.date) return;
  app.state.date = d;
  await changed({ zones: true, incidents: true, area: true });
}

// changed reloads what depends on the parts of the state that changed.
async function changed({ zones, incidents, area }) {
  reflectState();
  writeURL();
  const jobs = [];
  if (zones) jobs.push(loadZones());
  if (incidents) jobs.push(loadIncidents(), loadDensity());
  if (app.selection && app.selection.kind === 'point' && zones) jobs.push(runPoint());
  else if (app.selection && app.selection.kind !== 'point' && area) jobs.push(runArea());
  await guard(Promise.all(jobs));
}

function play() {
  app.playing = true;
  $('play').setAttribute('aria-pressed', 'true');
  $('play').setAttribute('aria-label', 'Pause');
  if (app.state.date >= app.range.max) app.state.date = app.range.min;
  const step = async () => {
    if (!app.playing) return;
    const w = app.state.window;
    const next = w === '7' || w === '30' ? addDays(app.state.date, Number(w)) : addMonths(app.state.date, 1);
    if (next > app.range.max) { stopPlay(); return; }
    await setDate(next);
    if (app.playing) app.playTimer = setTimeout(step, 700);
  };
  step();
}

function stopPlay() {
  app.playing = false;
  clearTimeout(app.playTimer);
  $('play').setAttribute('aria-pressed', 'false');
  $('play').setAttribute('aria-label', 'Play through time');
}

function writeURL() {
  const hash = State.format(app.state);
  if (hash !== location.hash) {
    app.lastHash = hash;
    history.replaceState(null, '', hash);
  }
}

async function applyHash() {
  const next = State.parse(location.hash);
  if (!next.date) next.date = app.state.date;
  next.date = clampDay(next.date);
  app.state = next;
  reservePanel(next.selection);
  app.map.invalidateSize({ pan: false });
  app.map.setView(L.GeoJSON.coordsToLatLng(next.center), next.zoom);
  syncLayers();
  await changed({ zones: true, incidents: true, area: false });
  await restoreSelection();
}

function status() {
  const mode = app.incidents.mode;
  // Markers: those in the map's view. Clusters: the API's count for the
  // box they cover, the view and a quarter around it.
  const bounds = app.map.getBounds();
  const n = mode === 'markers'
    ? app.incidents.markers.filter((m) => bounds.contains(m.getLatLng())).length
    : app.incidents.shown || 0;
  const inc = mode === 'clusters'
    ? `${n.toLocaleString('en-GB')} incidents in and around the view (clustered by the server)`
    : `${n.toLocaleString('en-GB')} incidents in view`;
  $('status').textContent = `${app.zones.length} zones · ${inc}`;
}

function notice(text) {
  const el = $('notice');
  el.textContent = text;
  el.hidden = !text;
}

async function guard(p) {
  try {
    return await p;
  } catch (err) {
    notice(err instanceof api.APIError ? `The API answered: ${err.message}` : `Something went wrong: ${err.message}`);
    return null;
  }
}

async function copyLink() {
  const btn = $('copy-link');
  try {
    await navigator.clipboard.writeText(location.href);
    btn.textContent = 'Link copied';
  } catch {
    btn.textContent = 'Copy the address bar';
  }
  setTimeout(() => { btn.textContent = 'Copy link'; }, 2000);
}

// ------------------------------------------------------ point and area

function drawHint(d) {
  const hint = $('draw-hint');
  const drawing = d && d.active;
  document.body.classList.toggle('is-drawing', !!drawing);
  $('draw-finish').hidden = !(drawing && d.mode === 'polygon');
  $('draw-cancel').hidden = !drawing;
  if (!drawing) { hint.textContent = 'Draw an area, or click a zone in the point panel, to count the incidents inside.'; return; }
  hint.textContent = d.mode === 'polygon'
    ? `Click the map to add corners (${d.points.length} so far); click the first corner, double-click or press Enter to finish; Esc cancels.`
    : d.center ? 'Click a point on the edge of the circle; Esc cancels.' : 'Click the centre of the circle; Esc cancels.';
}

// reservePanel shows the results panel, empty until its answer arrives,
// when a selection will fill it, and hides it otherwise. The URL's centre
// is the centre of the map beside the panel when a selection is open, as
// the page writes it: opening the panel narrows the map and keeps its
// left part where it was (invalidateSize without panning, so that the
// point clicked stays under the pointer), and the centre moves with it.
function reservePanel(selection) {
  $('results').hidden = !selection;
  document.body.classList.toggle('results-open', Boolean(selection));
}

function showResults(title) {
  const panel = $('results');
  panel.hidden = false;
  document.body.classList.add('results-open');
  $('results-title').textContent = title;
  return clear($('results-body'));
}

// closePanel closes the results panel, and an editor's form in it.
function closePanel() {
  if (app.editor) app.editor.close();
  clearSelection();
}

function clearSelection() {
  app.selection = null;
  app.state.selection = null;
  app.areaResult = null;
  app.layers.selection.clearLayers();
  $('results').hidden = true;
  document.body.classList.remove('results-open');
  writeURL();
}

function selectPoint(point) {
  select({ kind: 'point', point });
}

async function select(sel) {
  app.selection = sel;
  app.state.selection = sel;
  writeURL();
  app.layers.selection.clearLayers();
  if (sel.kind === 'point') {
    L.circleMarker(L.GeoJSON.coordsToLatLng(sel.point), { pane: 'selection', radius: 7, color: '#111827', weight: 2.5, fillColor: '#facc15', fillOpacity: 1, interactive: false })
      .addTo(app.layers.selection);
    await guard(runPoint());
    return;
  }
  const style = { pane: 'selection', color: '#1d4ed8', weight: 2.5, fillColor: '#3b82f6', fillOpacity: 0.1, interactive: false, className: 'selection-shape' };
  if (sel.kind === 'poly') L.polygon(L.GeoJSON.coordsToLatLngs(sel.ring), style).addTo(app.layers.selection);
  if (sel.kind === 'circle') L.circle(L.GeoJSON.coordsToLatLng(sel.center), { ...style, radius: sel.radius }).addTo(app.layers.selection);
  if (sel.kind === 'zone') {
    const f = app.zones.find((z) => z.id === sel.id) || await guard(api.get(`/api/collections/zones/items/${encodeURIComponent(sel.id)}`));
    if (f) L.geoJSON(f, { style: { ...style, dashArray: null } }).addTo(app.layers.selection);
  }
  await guard(runArea());
}

async function restoreSelection() {
  const sel = app.state.selection;
  if (sel) await select(sel);
  else clearSelection();
}

async function runPoint() {
  const sel = app.selection;
  const point = sel.point.join(',');
  const date = app.state.date;
  const body = showResults('Who controls this point');
  body.appendChild(h('p', { class: 'muted' }, 'Loading…'));
  const [ctl, hist] = await Promise.all([
    api.get('/api/control', { point, date }),
    api.get('/api/control/history', { point }),
  ]);
  if (app.selection !== sel) return;
  clear(body);
  const gov = governorateAt(sel.point);
  body.appendChild(h('p', { class: 'point-where' },
    `${Math.abs(sel.point[1]).toFixed(4)}° ${sel.point[1] >= 0 ? 'N' : 'S'}, ${Math.abs(sel.point[0]).toFixed(4)}° ${sel.point[0] >= 0 ? 'E' : 'W'}`,
    gov ? [' · ', names(`${gov.name} governorate`, gov.name_ar)] : null));
  body.appendChild(h('h3', null, `On ${fmt(date)}`));
  const zones = api.zoneList(ctl);
  if (!zones.length) {
    body.appendChild(h('p', { class: 'control-none' }, 'No zone in the dataset claims this point on this date.'));
  } else {
    if (zones.length > 1) body.appendChild(h('p', { class: 'muted small' }, `${zones.length} zones overlap here; all are listed.`));
    body.appendChild(h('ul', { class: 'zone-list', id: 'control-zones' }, zones.map((z) => withActions(Pop.zoneItem(z, app.actors, true), 'zones', z.id))));
  }
  body.appendChild(h('h3', null, 'Control history at this point'));
  body.appendChild(timeline(api.periodList(hist)));
  body.appendChild(h('p', { class: 'muted small' }, 'Zones are approximate, hand-drawn snapshots; see each zone\'s uncertainty.'));
}

// timeline draws the control history as one strip per actor over time,
// and lists the periods as text.
function timeline(periods) {
  const known = periods.filter((p) => p.zones.length);
  if (!known.length) return h('p', { class: 'muted' }, 'No zone has ever claimed this point in the dataset.');
  const dayOr = (d, alt) => (isDay(d) && d > '1900-01-01' && d < '9000-01-01' ? d : alt);
  const start = known.map((p) => dayOr(p.from, null)).filter(Boolean).sort()[0] || FIRST_DAY;
  const from = start < FIRST_DAY ? FIRST_DAY : start;
  const to = app.range.max > today() ? app.range.max : today();
  const span = Math.max(1, daysBetween(from, to));
  const x = (d) => Math.max(0, Math.min(1, daysBetween(from, d) / span)) * 300;
  const rows = [];
  for (const p of known) {
    for (const z of p.zones) {
      const key = `${z.actor}|${z.status}`;
      let row = rows.find((r) => r.key === key);
      if (!row) rows.push((row = { key, actor: z.actor, status: z.status, spans: [] }));
      row.spans.push([dayOr(p.from, from), dayOr(p.to, to)]);
    }
  }
  const rowH = 16;
  const svg = s('svg', { class: 'timeline', viewBox: `0 0 300 ${rows.length * rowH + 18}`, role: 'img', 'aria-label': 'Control history timeline' });
  rows.forEach((r, i) => {
    const a = app.actors.get(r.actor);
    const st = zoneStyle(a && a.colour, r.status);
    for (const [f, t] of r.spans) {
      svg.appendChild(s('rect', { x: x(f), y: i * rowH + 2, width: Math.max(1.5, x(addDays(t, 1)) - x(f)), height: rowH - 5, rx: 2, fill: st.fillColor, 'fill-opacity': Math.max(st.fillOpacity, 0.6), stroke: st.color, 'stroke-width': 1 },
        s('title', null, `${a ? a.short_name || a.name : r.actor} (${r.status}): ${fmt(f)} – ${fmt(t)}`)));
    }
  });
  const yAxis = rows.length * rowH + 4;
  svg.appendChild(s('line', { x1: 0, x2: 300, y1: yAxis, y2: yAxis, class: 'chart-axis' }));
  const dx = x(app.state.date);
  svg.appendChild(s('line', { x1: dx, x2: dx, y1: 0, y2: yAxis, class: 'timeline-now' }));
  svg.appendChild(s('text', { x: 0, y: yAxis + 12, class: 'chart-label' }, from.slice(0, 4)));
  svg.appendChild(s('text', { x: 300, y: yAxis + 12, 'text-anchor': 'end', class: 'chart-label' }, to.slice(0, 4)));
  const list = h('ol', { class: 'periods' }, known.map((p) => h('li', null,
    h('span', { class: 'period-dates' }, `${isDay(p.from) && p.from > '1900' ? fmt(p.from) : 'before records'} – ${isDay(p.to) && p.to < '9000' ? fmt(p.to) : 'open'}`),
    ' ', p.zones.map((z, i) => [i ? ', ' : '', Pop.actorName(app.actors, z.actor), ` (${z.status})`]))));
  return h('div', { class: 'timeline-box' }, svg, list);
}

function searchBody() {
  const sel = app.selection;
  const st = app.state;
  const body = { datetime: windowInterval() };
  if (st.type) body.type = st.type;
  if (st.actor) body.actor = st.actor;
  if (st.status) body.status = st.status;
  if (st.minFatalities) body.min_fatalities = st.minFatalities;
  if (sel.kind === 'zone') body.zone = sel.id;
  if (sel.kind === 'circle') {
    body.geometry = { type: 'Point', coordinates: sel.center };
    body.radius = Math.round(sel.radius);
  }
  if (sel.kind === 'poly') body.geometry = { type: 'Polygon', coordinates: [ccw(sel.ring)] };
  return body;
}

// ccw closes a ring and orders it counter-clockwise, as RFC 7946 asks of
// an exterior ring.
function ccw(ring) {
  let area = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % ring.length];
    area += x1 * y2 - x2 * y1;
  }
  const r = area < 0 ? [...ring].reverse() : [...ring];
  return [...r, r[0]];
}

// LATEST is how many of an area's incidents the panel lists: the latest.
const LATEST = 100;

// runArea fills the results panel for a drawn area, circle or zone: the
// counts, deaths and charts from POST /api/stats, computed by the server
// over every match (whatever their number), and the latest incidents, the
// end of the API's (date, id) order.
async function runArea() {
  const sel = app.selection;
  const titles = { poly: 'Incidents in the drawn area', circle: `Incidents within ${round(sel.radius / 1000, 1)} km`, zone: 'Incidents in the zone' };
  const body = showResults(titles[sel.kind]);
  body.appendChild(h('p', { class: 'muted' }, 'Searching…'));
  const req = searchBody();
  const [byType, byMonth] = await Promise.all([
    api.post('/api/stats', { ...req, group: 'type' }),
    api.post('/api/stats', { ...req, group: 'month' }),
  ]);
  if (app.selection !== sel) return;
  const matched = byType.numberMatched;
  const page = matched ? await api.post('/api/search', { ...req, limit: LATEST, offset: Math.max(0, matched - LATEST) || undefined }) : { features: [] };
  if (app.selection !== sel) return;
  const latest = [...page.features].reverse();
  app.areaResult = { request: req, matched, latest };
  clear(body);
  const best = (g) => (g.fatalities && g.fatalities.best) || 0;
  const deaths = byType.groups.reduce((t, g) => t + best(g), best(byType.ungrouped));
  if (sel.kind === 'zone') {
    const z = app.zones.find((f) => f.id === sel.id);
    body.appendChild(h('p', { class: 'muted' }, 'Zone: ', z ? z.properties.name || sel.id : sel.id, ' (its shape, whatever date it held).'));
  }
  const windowText = app.state.window === 'all' ? `up to ${fmt(app.state.date)}` : `${fmt(addDays(app.state.date, -(Number(app.state.window) - 1)))} – ${fmt(app.state.date)}`;
  body.appendChild(h('div', { class: 'big-numbers' },
    h('div', null, h('strong', { id: 'area-count', 'data-count': matched }, matched.toLocaleString('en-GB')), h('span', null, matched === 1 ? 'incident' : 'incidents')),
    h('div', null, h('strong', { id: 'area-deaths', 'data-deaths': deaths }, deaths.toLocaleString('en-GB')), h('span', null, 'killed (best estimate)'))));
  body.appendChild(h('p', { class: 'muted small' }, windowText, activeFilterText()));
  body.appendChild(h('div', { class: 'export-row' },
    h('span', { class: 'muted small' }, 'Export:'),
    exportButton('geojson', 'GeoJSON'), exportButton('csv', 'CSV')));
  if (!matched) return;

  const typeRows = [...byType.groups].sort((a, b) => b.count - a.count).map((g) => ({ label: label(TYPE_LABELS, g.key), value: g.count, colour: (TYPE_SYMBOLS[g.key] || {}).colour }));
  body.appendChild(h('h3', null, 'By type'));
  body.appendChild(bars(typeRows, 'Incidents by type'));
  const perMonth = new Map(byMonth.groups.map((g) => [g.key, g.count]));
  const months = [...perMonth.keys()].sort();
  const monthRows = [];
  for (let m = months[0]; m && m <= months[months.length - 1]; m = addMonths(m + '-01', 1).slice(0, 7)) monthRows.push({ label: fmtMonth(m), value: perMonth.get(m) || 0 });
  body.appendChild(h('h3', null, 'By month'));
  body.appendChild(columns(monthRows, 'Incidents by month'));
  body.appendChild(h('details', { class: 'table-details' }, h('summary', null, 'Table'),
    table('Incidents by type', ['Type', 'Incidents'], typeRows.map((r) => [r.label, String(r.value)])),
    table('Incidents by month', ['Month', 'Incidents'], monthRows.filter((r) => r.value).map((r) => [r.label, String(r.value)]))));
  body.appendChild(h('h3', null, matched > latest.length ? `Latest ${latest.length} of ${matched.toLocaleString('en-GB')}` : 'Incidents'));
  body.appendChild(h('ul', { class: 'incident-list' }, latest.map((f) => {
    const p = f.properties;
    return h('li', null, h('button', { type: 'button', class: 'incident-row', 'data-open-incident': f.id },
      symbol(p.type, 14),
      h('span', { class: 'row-date' }, fmt(p.date)),
      h('span', { class: 'row-place' }, p.place || p.governorate || label(TYPE_LABELS, p.type)),
      h('span', { class: 'row-deaths', title: 'killed, best estimate' }, String(p.fatalities_best || 0))));
  })));
}

function activeFilterText() {
  const st = app.state;
  const parts = [];
  if (st.type) parts.push(label(TYPE_LABELS, st.type));
  if (st.actor) parts.push(`actor ${(app.actors.get(st.actor) || {}).short_name || st.actor}`);
  if (st.status) parts.push(st.status);
  if (st.minFatalities) parts.push(`≥ ${st.minFatalities} killed`);
  return parts.length ? ` · filters: ${parts.join(', ')}` : '';
}

function exportButton(kind, text) {
  return h('button', { type: 'button', class: 'small-button', 'data-export': kind }, text);
}

function openIncident(id) {
  const f = app.areaResult && app.areaResult.latest.find((x) => String(x.id) === id);
  if (!f) return;
  const c = f.geometry.coordinates;
  // Its marker's popup when the marker shows (not in a cluster), else a
  // popup of its own at its place.
  const m = app.incidents.markers.find((l) => String(l.feature.id) === id);
  if (m && app.map.hasLayer(m)) {
    m.openPopup();
  } else {
    L.popup({ maxWidth: 380, minWidth: 260, className: 'incident-popup' }).setLatLng(L.GeoJSON.coordsToLatLng(c)).setContent(withActions(Pop.incident(f, app.actors), 'incidents', f.id)).openOn(app.map);
  }
}

function exportName(ext) {
  const sel = app.selection;
  const what = sel.kind === 'zone' ? `zone-${cls(sel.id)}` : sel.kind === 'circle' ? 'circle' : 'area';
  return `frontline-incidents-${what}-${app.state.date}-${app.state.window}d.${ext}`;
}

// exportFeatures fetches every incident of the area, for an export: the
// API's own answer, paged (api.search).
async function exportFeatures() {
  const r = app.areaResult;
  return r && api.search(r.request, Math.max(r.matched, 1));
}

async function exportGeoJSON() {
  const fc = await exportFeatures();
  if (!fc) return;
  // The API's own answer, with the request that produced it.
  download(exportName('geojson'), 'application/geo+json', JSON.stringify({ ...fc, query: app.areaResult.request }, null, 1));
}

async function exportCSV() {
  const fc = await exportFeatures();
  if (fc) download(exportName('csv'), 'text/csv;charset=utf-8', toCSV(fc.features));
}

// ------------------------------------------------------------- editing

// withActions adds to a popup or a zone item the buttons the session
// allows on its feature: its history (viewers, or anyone with
// --public-history) and edit (editors). A click on them is handled by
// onAction, for every popup and panel at once.
function withActions(node, collection, id) {
  const buttons = [];
  const kind = collection === 'zones' ? 'zone' : 'incident';
  if (session.may.edit && app.editor) buttons.push(h('button', { type: 'button', class: 'small-button', 'data-edit': `${collection}/${id}` }, `Edit ${kind}`));
  if (session.may.history) buttons.push(h('button', { type: 'button', class: 'small-button', 'data-history': `${collection}/${id}` }, 'History'));
  if (buttons.length) node.appendChild(h('div', { class: 'feature-actions' }, buttons));
  return node;
}

function onAction(e) {
  const b = e.target.closest('[data-edit], [data-history]');
  if (!b) return;
  const [collection, ...rest] = (b.dataset.edit || b.dataset.history).split('/');
  const id = rest.join('/');
  app.map.closePopup();
  if (b.dataset.edit && app.editor) app.editor.edit(collection, id);
  else if (b.dataset.history) guard(showHistory(editContext(), collection, id));
}

// editContext is what editor.js and history.js use of the page.
function editContext() {
  return {
    map: app.map,
    actors: app.actors,
    date: () => app.state.date,
    panel: (title) => {
      if (app.editor) app.editor.close();
      clearSelection();
      return showResults(title);
    },
    closePanel,
    changed: (collection) => refreshLive(new Set([collection]), document.body.dataset.liveVersion || ''),
    guard,
    setMapClick: (fn) => { app.mapClick = fn; },
  };
}

// initSession shows who is signed in, with the sign-in and sign-out
// buttons; the token field is a password field in a dialog. Signing in or
// out reloads the page, which then reads as the new session (the view is
// in the URL).
function initSession() {
  const dialog = $('sign-in-dialog');
  const input = $('token-input');
  const error = $('sign-in-error');
  $('sign-in').hidden = Boolean(session.name);
  $('who').hidden = !session.name;
  $('sign-out').hidden = !session.name;
  if (session.name) $('who').textContent = `${session.name} · ${session.role}`;
  $('sign-in').addEventListener('click', () => { error.hidden = true; input.value = ''; dialog.showModal(); input.focus(); });
  $('sign-in-cancel').addEventListener('click', () => dialog.close());
  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await signIn(input.value);
    } catch (err) {
      error.textContent = err instanceof SignInError ? err.message : `Could not reach the server: ${err.message}`;
      error.hidden = false;
      input.focus();
      return;
    }
    location.reload();
  });
  $('sign-out').addEventListener('click', () => { signOut(); location.reload(); });
}

// ------------------------------------------------------------ live changes

// refreshLive reloads what shows the collections another editor (or this
// one) just changed: the incidents in view and the area's results, the
// zones and the point's timeline, the sites. body's data-live-version is
// the dataset version last announced, for the tests.
async function refreshLive(collections, version) {
  const jobs = [];
  if (collections.has('incidents')) {
    app.incidents.key = null; // the view's incidents are stale, whatever the view
    jobs.push(loadIncidents(), loadDensity());
    if (app.selection && app.selection.kind !== 'point') jobs.push(runArea());
  }
  if (collections.has('zones')) {
    jobs.push(loadZones());
    if (app.selection && app.selection.kind === 'point') jobs.push(runPoint());
  }
  if (collections.has('sites')) jobs.push(loadSites());
  await guard(Promise.all(jobs));
  document.body.dataset.liveVersion = String(version);
}

// --------------------------------------------------------------- start

async function main() {
  const signedOut = await guard(loadSession());
  initSession();
  if (signedOut) notice(signedOut);
  if (!session.may.read) {
    // --public-read=false: nothing to show until someone signs in.
    document.body.classList.add('needs-sign-in');
    notice('This server\'s data is not public: sign in with your API token to read it.');
    $('sign-in').click();
    document.body.dataset.ready = 'sign-in';
    return;
  }
  let editor = null;
  if (session.may.edit) {
    editor = await import('./editor.js');
    await guard(editor.loadGeoman());
  }
  renderStaticLegend();
  renderPublicationLegend();
  buildMap();
  drawHint(null);
  document.addEventListener('click', (e) => {
    const b = e.target.closest('[data-export]');
    if (b) guard((b.dataset.export === 'csv' ? exportCSV : exportGeoJSON)());
    onAction(e);
  });
  await guard(Promise.all([loadActors(), loadRange(), guard(loadBasemap())]));
  app.state.date = clampDay(app.state.date || today());
  initControls();
  syncLayers();
  await guard(Promise.all([loadZones(), loadIncidents(), loadDensity(), loadSites(), loadGovernorates()]));
  syncLayers();
  writeURL();
  if (editor && window.L && L.PM) app.editor = await guard(editor.start(editContext()));
  if (session.may.admin) {
    $('audit-log').hidden = false;
    $('audit-log').addEventListener('click', () => guard(showAudit(editContext())));
  }
  if (app.state.selection) await select(app.state.selection);
  app.live = follow((collections, version) => refreshLive(collections, version), authHeader);
  document.body.dataset.ready = '1';
}

main();
