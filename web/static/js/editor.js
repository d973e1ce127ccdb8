// editor.js: editing in the page, for a signed-in editor. Incidents are
// added from the Edit card or edited from their popup; zones are drawn
// (Leaflet-Geoman, vendored) or edited from the point panel, and a moved
// line becomes a successor zone from a date. Every save of an existing
// feature sends If-Match with the ETag it was loaded with; a 412 opens the
// conflict view, which shows the other editor's version beside this one
// field by field and reapplies this one's changes on top of it.
//
// app.js starts it with a context: {map, actors, date(), panel(title),
// closePanel(), changed(collection), guard(promise), setMapClick(fn)}.
/* global L */
import * as api from './api.js';
import { h } from './dom.js';
import { changes, reapply, table, DERIVED } from './diff.js';
import { field, value, clearErrors, showProblem, sourcesEditor, actorsEditor, actorIndex, formShell } from './forms.js';
import { session } from './session.js';
import { STATUS_LABELS, TYPE_LABELS, ZONE_STATUSES, label } from './styles.js';

// GEOMAN is the vendored Leaflet-Geoman (docs/web.md): loaded only for
// editors, before the map is built, so that the map has its pm handler.
export const GEOMAN = 'vendor/leaflet-geoman-free-2.20.2/';

const PRECISIONS = ['day', 'week', 'month', 'year'];
const INCIDENT_STATUSES = ['reported', 'confirmed', 'disputed'];
const ROLES = ['perpetrator', 'target', 'other'];
const EDIT_STYLE = { color: '#b45309', weight: 2.5, fillColor: '#f59e0b', fillOpacity: 0.15, pane: 'selection' };

// loadGeoman adds the editing plugin's script and style to the page, and
// resolves when the script has run. Layers opt in to editing
// (pmIgnore: false), so the map's own layers carry none of it.
export function loadGeoman() {
  if (window.L && L.PM) return Promise.resolve();
  document.head.appendChild(h('link', { rel: 'stylesheet', href: `${GEOMAN}leaflet-geoman.css` }));
  return new Promise((resolve, reject) => {
    const script = h('script', { src: `${GEOMAN}leaflet-geoman.min.js` });
    script.addEventListener('load', () => { L.PM.setOptIn(true); resolve(); });
    script.addEventListener('error', () => reject(new Error('the editing plugin did not load')));
    document.head.appendChild(script);
  });
}

// start wires the editor into the page and returns its handle.
export async function start(ctx) {
  const q = await api.get('/api/collections/incidents/queryables');
  const props = (q && q.properties) || {};
  const taxonomy = {
    types: (props.type && props.type.enum) || [],
    subTypes: (props.sub_type && props.sub_type['x-type-of']) || {},
  };
  const ed = new Editor(ctx, taxonomy);
  const card = document.getElementById('edit-card');
  card.hidden = false;
  document.getElementById('add-incident').addEventListener('click', () => ctx.guard(ed.incident({})));
  document.getElementById('draw-zone').addEventListener('click', () => ed.drawZone('Polygon'));
  document.getElementById('draw-zone-circle').addEventListener('click', () => ed.drawZone('Circle'));
  document.getElementById('draw-zone-cancel').addEventListener('click', () => ed.stopDrawing());
  return ed;
}

class Editor {
  constructor(ctx, taxonomy) {
    this.ctx = ctx;
    this.taxonomy = taxonomy;
    this.actorIndex = actorIndex(ctx.actors);
    this.layers = L.layerGroup().addTo(ctx.map);
    this.ctx.map.pm.setGlobalOptions({ snappable: false, tooltips: false, allowSelfIntersection: false, pmIgnore: false });
  }

  // edit opens the form of a feature of collection.
  edit(collection, id) {
    const open = collection === 'zones' ? this.zone({ id }) : this.incident({ id });
    return this.ctx.guard(open);
  }

  // close drops what an open form put on the map.
  close() {
    this.layers.clearLayers();
    this.ctx.setMapClick(null);
    this.stopDrawing();
  }

  // panel opens the results panel for a form, dropping an earlier form's
  // layers.
  panel(title) {
    this.close();
    return this.ctx.panel(title);
  }

  // ------------------------------------------------------------ incidents

  // incident opens the incident form: {id} loads and edits a stored one;
  // values (a feature) prefill it, base and etag are what it was loaded
  // as (for a reapplied conflict); note is shown above the form.
  async incident({ id, values, base, etag, note }) {
    if (id && !base) ({ feature: base, etag } = await api.feature('incidents', id));
    const f = values || base || null;
    const p = (f && f.properties) || { date: this.ctx.date(), date_precision: 'day', status: 'reported', precision_m: 1000, fatalities_low: 0, fatalities_best: 0, fatalities_high: 0 };
    const body = this.panel(id ? 'Edit incident' : 'Add incident');
    if (note) body.appendChild(note);
    const form = formShell('incident-form', id ? `Edit incident ${id}` : 'Add an incident');
    const F = {
      date: field({ label: 'Date (or first day)', name: 'date', type: 'date', value: p.date, required: true }),
      dateEnd: field({ label: 'Last day (for a range)', name: 'date_end', type: 'date', value: p.date_end && p.date_end !== p.date ? p.date_end : '' }),
      precision: field({ label: 'Date known to the', name: 'date_precision', type: 'select', value: p.date_precision || 'day', options: PRECISIONS.map((x) => [x, x]) }),
      type: field({ label: 'Type', name: 'type', type: 'select', value: p.type || '', required: true, options: [['', '— choose —'], ...this.taxonomy.types.map((t) => [t, label(TYPE_LABELS, t)])] }),
      subType: field({ label: 'Sub-type', name: 'sub_type', type: 'select', value: '', options: [] }),
      status: field({ label: 'Status', name: 'status', type: 'select', value: p.status || 'reported', options: INCIDENT_STATUSES.map((x) => [x, x === 'disputed' ? 'disputed (sources disagree)' : x]) }),
      low: field({ label: 'Killed, low', name: 'fatalities_low', type: 'number', value: p.fatalities_low, attrs: { min: 0, step: 1, inputmode: 'numeric' } }),
      best: field({ label: 'Killed, best estimate', name: 'fatalities_best', type: 'number', value: p.fatalities_best, attrs: { min: 0, step: 1, inputmode: 'numeric' } }),
      high: field({ label: 'Killed, high', name: 'fatalities_high', type: 'number', value: p.fatalities_high, attrs: { min: 0, step: 1, inputmode: 'numeric' } }),
      civilians: field({ label: 'Of them civilians', name: 'fatalities_civilians', type: 'number', value: p.fatalities_civilians, attrs: { min: 0, step: 1, inputmode: 'numeric' } }),
      lon: field({ label: 'Longitude', name: 'geometry', type: 'number', value: f && f.geometry ? f.geometry.coordinates[0] : '', required: true, attrs: { step: 'any', min: -180, max: 180 } }),
      lat: field({ label: 'Latitude', name: 'lat', type: 'number', value: f && f.geometry ? f.geometry.coordinates[1] : '', required: true, attrs: { step: 'any', min: -90, max: 90 } }),
      precisionM: field({ label: 'Location precision, m', name: 'precision_m', type: 'number', value: p.precision_m, attrs: { min: 0, step: 1, inputmode: 'numeric' }, hint: 'How far the true place may be from the point; drawn as a circle.' }),
      place: field({ label: 'Place', name: 'place', value: p.place }),
      description: field({ label: 'Description', name: 'description', type: 'textarea', value: p.description }),
      publish: field({
        label: 'Publish to readers who are not editors', name: 'publish', type: 'select', value: p.publish || '',
        options: [['', 'by the publication policy'], ['exact', 'exact, at once'], ['coarse', 'coarsened'], ['withheld', 'never (withheld)']],
        hint: 'Overrides the server\'s publication policy for this incident: embargo, coarsened position, withheld properties.',
      }),
    };
    const subTypes = () => {
      const t = F.type.input.value;
      const keep = F.subType.input.value || p.sub_type || '';
      const list = Object.entries(this.taxonomy.subTypes).filter(([, of]) => of === t).map(([s]) => s).sort();
      F.subType.input.replaceChildren(h('option', { value: '' }, '— none —'), ...list.map((s) => h('option', { value: s }, label({}, s))));
      F.subType.input.value = list.includes(keep) ? keep : '';
    };
    F.type.input.addEventListener('change', subTypes);
    subTypes();
    const actors = actorsEditor(p.actors || [], this.actorIndex, ROLES);
    const sources = sourcesEditor(p.sources || []);

    // The location: typed, or a click on the map, or the marker dragged;
    // the precision circle follows.
    const marker = L.marker([0, 0], { draggable: true, keyboard: true, title: 'The incident\'s location (drag to move)', alt: 'Incident location',
      icon: L.divIcon({ className: 'edit-point', iconSize: [18, 18] }), pane: 'sites' });
    const ring = L.circle([0, 0], { radius: 1, ...EDIT_STYLE, interactive: false });
    const place = () => {
      const lon = value(F.lon.input);
      const lat = value(F.lat.input);
      const ok = Number.isFinite(lon) && Number.isFinite(lat) && lon !== null && lat !== null;
      if (!ok) { this.layers.removeLayer(marker); this.layers.removeLayer(ring); return; }
      marker.setLatLng([lat, lon]);
      ring.setLatLng([lat, lon]);
      ring.setRadius(Math.max(1, value(F.precisionM.input) || 1));
      this.layers.addLayer(ring).addLayer(marker);
    };
    const setPoint = (ll) => {
      F.lon.input.value = String(Math.round(ll.lng * 1e5) / 1e5);
      F.lat.input.value = String(Math.round(ll.lat * 1e5) / 1e5);
      place();
    };
    marker.on('dragend', () => setPoint(marker.getLatLng()));
    for (const el of [F.lon.input, F.lat.input, F.precisionM.input]) el.addEventListener('change', place);
    this.ctx.setMapClick((ll) => setPoint(ll));

    const save = h('button', { type: 'submit', class: 'button primary' }, id ? 'Save changes' : 'Add incident');
    const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
    cancel.addEventListener('click', () => this.ctx.closePanel());
    form.append(
      h('fieldset', null, h('legend', null, 'When'), F.date, F.dateEnd, F.precision),
      h('fieldset', null, h('legend', null, 'What'), F.type, F.subType, F.status),
      actors,
      h('fieldset', { class: 'grid-fields' }, h('legend', null, 'Fatalities'), F.low, F.best, F.high, F.civilians),
      h('fieldset', null, h('legend', null, 'Where'),
        h('p', { class: 'muted small' }, 'Click the map to place the incident, drag its marker, or type the coordinates.'),
        h('div', { class: 'grid-fields' }, F.lon, F.lat), F.precisionM, F.place),
      F.description,
      sources,
      F.publish,
      h('div', { class: 'form-buttons' }, save, cancel));
    if (id) form.appendChild(this.deleteBox('incidents', id, () => etag));
    body.appendChild(form);
    place();
    F.date.input.focus();

    const build = () => {
      const props = { ...((f && f.properties) || {}) };
      for (const k of DERIVED) delete props[k];
      const set = (k, v) => { if (v === '' || v === null || v === undefined) delete props[k]; else props[k] = v; };
      set('date', value(F.date.input));
      set('date_end', value(F.dateEnd.input));
      set('date_precision', value(F.precision.input));
      set('type', value(F.type.input));
      set('sub_type', value(F.subType.input));
      set('status', value(F.status.input));
      set('fatalities_low', value(F.low.input));
      set('fatalities_best', value(F.best.input));
      set('fatalities_high', value(F.high.input));
      set('fatalities_civilians', value(F.civilians.input));
      set('precision_m', value(F.precisionM.input));
      set('place', value(F.place.input));
      set('description', value(F.description.input));
      set('publish', value(F.publish.input));
      props.actors = actors.get();
      props.sources = sources.get();
      const lon = value(F.lon.input);
      const lat = value(F.lat.input);
      return {
        type: 'Feature', ...(id ? { id } : {}),
        geometry: lon === null || lat === null ? null : { type: 'Point', coordinates: [lon, lat] },
        properties: props,
      };
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const mine = build();
      this.ctx.guard(this.save(form, save, 'incidents', id, mine, base, etag, (args) => this.incident(args)));
    });
  }

  // save writes a feature (POST without id, else PUT with If-Match etag)
  // and shows what was stored; a 412 opens the conflict view, any other
  // error goes next to its fields.
  async save(form, button, collection, id, mine, base, etag, reopen) {
    clearErrors(form);
    if (id && !changes(base, mine).some((c) => !DERIVED.has(c.field))) {
      // A version that changes nothing would only clutter the history.
      showProblem(form, { message: 'Nothing changed, so nothing was saved.' });
      return;
    }
    button.disabled = true;
    try {
      const saved = id ? await api.write('PUT', collection, id, mine, etag) : await api.write('POST', collection, null, mine);
      this.ctx.changed(collection);
      this.saved(collection, saved);
    } catch (err) {
      button.disabled = false;
      if (err.status === 412 && id) await this.conflict(collection, id, base, mine, reopen);
      else showProblem(form, err);
    }
  }

  // saved shows a stored feature's confirmation, with its version.
  saved(collection, { feature, etag }, what = 'Saved') {
    const body = this.panel(what);
    const kind = collection === 'zones' ? 'zone' : 'incident';
    const again = h('button', { type: 'button', class: 'button', 'data-edit': `${collection}/${feature.id}` }, `Edit this ${kind}`);
    const hist = h('button', { type: 'button', class: 'button', 'data-history': `${collection}/${feature.id}` }, 'History');
    body.append(
      h('p', { class: 'saved', role: 'status' }, `${what}: ${kind} ${feature.id}, version ${String(etag || '').replace(/"/g, '')}.`),
      h('div', { class: 'form-buttons' }, again, hist));
    again.focus();
  }

  // deleteBox is a delete button that asks for confirmation first; etag()
  // gives the version loaded.
  deleteBox(collection, id, etag) {
    const kind = collection === 'zones' ? 'zone' : 'incident';
    const ask = h('button', { type: 'button', class: 'button danger' }, `Delete this ${kind}…`);
    const yes = h('button', { type: 'button', class: 'button danger' }, 'Yes, delete it');
    const no = h('button', { type: 'button', class: 'button' }, 'Keep it');
    const confirm = h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': `Delete the ${kind}?`, hidden: true },
      h('p', null, `Delete ${kind} ${id}? It becomes a tombstone in its history; `, session.may.admin ? 'you can restore it from its history.' : 'an admin can restore it.'),
      yes, no);
    const err = h('p', { class: 'field-error', role: 'alert', hidden: true });
    ask.addEventListener('click', () => { confirm.hidden = false; ask.hidden = true; no.focus(); });
    no.addEventListener('click', () => { confirm.hidden = true; ask.hidden = false; ask.focus(); });
    yes.addEventListener('click', () => this.ctx.guard((async () => {
      yes.disabled = true;
      try {
        await api.write('DELETE', collection, id, undefined, etag());
      } catch (e) {
        yes.disabled = false;
        err.textContent = e.status === 412 ? 'Someone changed it since you opened it: reload it before deleting.' : e.message;
        err.hidden = false;
        return;
      }
      this.ctx.changed(collection);
      const body = this.panel('Deleted');
      const hist = h('button', { type: 'button', class: 'button', 'data-history': `${collection}/${id}` }, 'History');
      body.append(h('p', { class: 'saved', role: 'status' }, `Deleted ${kind} ${id}. Its history stays; `, session.may.admin ? 'restore a version there.' : 'an admin can restore it.'), hist);
      hist.focus();
    })()));
    return h('div', { class: 'delete-box' }, ask, confirm, err);
  }

  // ------------------------------------------------------------ conflicts

  // conflict shows why a save was refused: another editor's version
  // (theirs, now stored) beside this one (mine), field by field, marking
  // what each changed from the version this one started from (base). It
  // offers to reapply this one's changes on top of theirs (a form
  // prefilled with the merge, to review and save with their ETag), or to
  // start again from theirs.
  async conflict(collection, id, base, mine, reopen) {
    let theirs;
    let etag;
    try {
      ({ feature: theirs, etag } = await api.feature(collection, id));
    } catch (err) {
      if (err.status !== 404) throw err;
      const body = this.panel('Someone else deleted it');
      body.append(h('p', { class: 'disputed-note', role: 'alert' }, `${id} was deleted while you edited it; your changes were not saved.`),
        h('button', { type: 'button', class: 'button', 'data-history': `${collection}/${id}` }, 'History'));
      return;
    }
    let who = null;
    try {
      const doc = await api.get(`/api/collections/${collection}/items/${encodeURIComponent(id)}/versions`);
      who = doc.versions[doc.versions.length - 1];
    } catch {
      who = null;
    }
    const { merged, conflicts } = reapply(base, mine, theirs);
    const mineChanged = new Set(changes(base, mine).map((c) => c.field));
    const theirsChanged = new Set(changes(base, theirs).map((c) => c.field));
    const rows = changes(theirs, mine).filter((c) => !DERIVED.has(c.field))
      .map((c) => ({ field: c.field, cells: [c.before, c.after] }));
    const body = this.panel('Someone else saved first');
    const version = String(etag).replace(/"/g, '');
    body.append(
      h('p', { class: 'conflict-note', role: 'alert' },
        who ? `${who.author || 'Another editor'} saved version ${version} at ${new Date(who.committed).toISOString().slice(0, 16).replace('T', ' ')} UTC` : `Version ${version} was saved`,
        ' while you were editing. Nothing of yours was stored. Their version and yours, where they differ:'),
      rows.length
        ? table('Their version and yours', [`Theirs (version ${version})`, 'Yours'], rows, (r) => {
          const both = conflicts.includes(r.field);
          return both ? 'diff-both' : mineChanged.has(r.field) ? 'diff-mine' : theirsChanged.has(r.field) ? 'diff-theirs' : null;
        })
        : h('p', null, 'Your version and theirs are the same.'),
      h('p', { class: 'muted small' }, 'Marked: fields you changed, fields they changed, and fields you both changed (your value would replace theirs).'));
    const again = h('button', { type: 'button', class: 'button primary', 'data-reapply': '1' }, 'Reapply my changes on top of theirs');
    const fresh = h('button', { type: 'button', class: 'button' }, 'Discard mine, edit theirs');
    again.addEventListener('click', () => this.ctx.guard(reopen({
      id, values: merged, base: theirs, etag,
      note: h('p', { class: 'conflict-note' }, `Your changes, reapplied on version ${version}.`,
        conflicts.length ? ` Both of you changed: ${conflicts.join(', ')}; yours are shown.` : '', ' Review, then save.'),
    })));
    fresh.addEventListener('click', () => this.ctx.guard(reopen({ id, base: theirs, etag })));
    body.appendChild(h('div', { class: 'form-buttons' }, again, fresh));
    again.focus();
  }

  // --------------------------------------------------------------- zones

  // drawZone lets the editor draw a new zone's polygon or circle with
  // Leaflet-Geoman, then opens its form.
  drawZone(shape) {
    this.close();
    this.ctx.closePanel();
    const map = this.ctx.map;
    this.ctx.setMapClick(() => {});
    document.body.classList.add('is-drawing-zone');
    document.getElementById('draw-zone-cancel').hidden = false;
    document.getElementById('draw-zone-hint').textContent = shape === 'Circle'
      ? 'Click the centre, then click the edge. Esc cancels.'
      : 'Click each corner; click the first corner to finish. Esc cancels.';
    map.pm.enableDraw(shape, { pathOptions: EDIT_STYLE, templineStyle: EDIT_STYLE, hintlineStyle: { ...EDIT_STYLE, dashArray: '4 4' } });
    this.drawing = (e) => {
      const layer = e.layer;
      const geo = shape === 'Circle'
        ? { circle: { center: [round(layer.getLatLng().lng), round(layer.getLatLng().lat)], radius_m: Math.round(layer.getRadius()) } }
        : { geometry: layer.toGeoJSON().geometry };
      layer.remove();
      this.stopDrawing();
      this.ctx.guard(this.zone({ drawn: geo }));
    };
    map.once('pm:create', this.drawing);
    this.escape = (e) => { if (e.key === 'Escape') this.stopDrawing(); };
    document.addEventListener('keydown', this.escape);
  }

  stopDrawing() {
    const map = this.ctx.map;
    if (this.drawing) map.off('pm:create', this.drawing);
    if (this.escape) document.removeEventListener('keydown', this.escape);
    this.drawing = null;
    this.escape = null;
    if (map.pm.globalDrawModeEnabled()) map.pm.disableDraw();
    document.body.classList.remove('is-drawing-zone');
    const cancel = document.getElementById('draw-zone-cancel');
    if (cancel) cancel.hidden = true;
    const hint = document.getElementById('draw-zone-hint');
    if (hint) hint.textContent = '';
  }

  // zone opens the zone form: {id} edits a stored zone, {drawn} a new one
  // with the geometry or circle drawn; values, base, etag and note as for
  // incident.
  async zone({ id, drawn, values, base, etag, note }) {
    if (id && !base) ({ feature: base, etag } = await api.feature('zones', id));
    const f = values || base || null;
    const p = (f && f.properties) || { status: 'control', valid_from: this.ctx.date(), approximate: true };
    let circle = drawn ? drawn.circle || null : p.circle || null;
    let geometry = drawn ? drawn.geometry || null : (circle ? null : f && f.geometry);
    const body = this.panel(id ? 'Edit zone' : 'New zone');
    if (note) body.appendChild(note);
    const form = formShell('zone-form', id ? `Edit zone ${id}` : 'A new zone');
    const actors = [...this.ctx.actors.values()].sort((a, b) => (a.short_name || a.name).localeCompare(b.short_name || b.name));
    const F = {
      name: field({ label: 'Name', name: 'name', value: p.name }),
      actor: field({ label: 'Actor', name: 'actor', type: 'select', value: p.actor || '', required: true, options: [['', '— choose —'], ...actors.map((a) => [a.id, this.actorIndex.display(a.id)])] }),
      status: field({ label: 'Status', name: 'status', type: 'select', value: p.status || 'control', options: ZONE_STATUSES.map((s) => [s, label(STATUS_LABELS, s)]) }),
      from: field({ label: 'Valid from', name: 'valid_from', type: 'date', value: p.valid_from, required: true }),
      to: field({ label: 'Valid to (empty: still holds)', name: 'valid_to', type: 'date', value: p.valid_to }),
      approximate: field({ label: 'Approximate (drawn from reports, not surveyed)', name: 'approximate', type: 'checkbox', value: p.approximate }),
      uncertainty: field({ label: 'Edge uncertainty, m', name: 'uncertainty_m', type: 'number', value: p.uncertainty_m, attrs: { min: 0, step: 1, inputmode: 'numeric' } }),
      notes: field({ label: 'Notes', name: 'notes', type: 'textarea', value: p.notes }),
    };
    const sources = sourcesEditor(p.sources || []);

    // The shape on the map, editable: Geoman's vertex handles on a polygon,
    // centre and edge on a circle. The typed fields follow it and it
    // follows them.
    const shapeBox = h('fieldset', { class: 'shape', 'data-field': 'geometry', tabindex: '-1', id: `zone-shape-${Date.now()}` }, h('legend', null, 'Shape'));
    shapeBox.append(h('p', { class: 'field-error', id: `${shapeBox.id}-error`, role: 'alert', hidden: true }));
    let layer = null;
    let syncText = () => {};
    if (circle) {
      const cx = field({ label: 'Centre longitude', name: 'circle.center', type: 'number', value: circle.center[0], attrs: { step: 'any' } });
      const cy = field({ label: 'Centre latitude', name: 'circle.center.lat', type: 'number', value: circle.center[1], attrs: { step: 'any' } });
      const r = field({ label: 'Radius, m', name: 'circle.radius_m', type: 'number', value: circle.radius_m, attrs: { min: 1, step: 1 } });
      layer = L.circle([circle.center[1], circle.center[0]], { radius: circle.radius_m, ...EDIT_STYLE, pmIgnore: false });
      const fromInputs = () => {
        circle = { center: [value(cx.input), value(cy.input)], radius_m: value(r.input) };
        if (circle.center.every(Number.isFinite) && circle.radius_m > 0) { layer.setLatLng([circle.center[1], circle.center[0]]); layer.setRadius(circle.radius_m); }
      };
      for (const x of [cx, cy, r]) x.input.addEventListener('change', fromInputs);
      layer.on('pm:edit pm:markerdragend', () => {
        const c = layer.getLatLng();
        circle = { center: [round(c.lng), round(c.lat)], radius_m: Math.round(layer.getRadius()) };
        cx.input.value = circle.center[0];
        cy.input.value = circle.center[1];
        r.input.value = circle.radius_m;
      });
      shapeBox.append(h('p', { class: 'muted small' }, 'A geodesic circle: drag its centre or its edge, or type them.'), h('div', { class: 'grid-fields' }, cx, cy, r));
    } else if (geometry) {
      const levels = geometry.type === 'MultiPolygon' ? 2 : 1;
      layer = L.polygon(L.GeoJSON.coordsToLatLngs(geometry.coordinates, levels), { ...EDIT_STYLE, pmIgnore: false });
      const text = field({ label: 'Geometry as GeoJSON ([lon, lat])', name: 'geometry.text', type: 'textarea', value: '', attrs: { rows: 4, spellcheck: 'false' },
        hint: 'Follows the shape on the map; paste a Polygon or MultiPolygon here to replace it.' });
      syncText = () => { text.input.value = JSON.stringify(geometry); };
      syncText();
      text.input.addEventListener('change', () => {
        try {
          const g = JSON.parse(text.input.value);
          if (!g || !['Polygon', 'MultiPolygon'].includes(g.type)) throw new Error('not a Polygon or MultiPolygon');
          geometry = g;
          layer.setLatLngs(L.GeoJSON.coordsToLatLngs(g.coordinates, g.type === 'MultiPolygon' ? 2 : 1));
          layer.pm.disable();
          layer.pm.enable();
        } catch (err) {
          showProblem(form, { problem: { errors: [{ field: 'geometry.text', reason: `is not GeoJSON geometry: ${err.message}` }] } });
        }
      });
      layer.on('pm:edit pm:markerdragend pm:vertexremoved pm:vertexadded', () => { geometry = layer.toGeoJSON().geometry; syncText(); });
      shapeBox.append(h('p', { class: 'muted small' }, 'Drag a corner to move it, drag a middle point to add one, right-click a corner to remove it.'),
        h('details', null, h('summary', null, 'Geometry as GeoJSON'), text));
    }
    if (layer) {
      this.layers.addLayer(layer);
      layer.pm.enable({ allowSelfIntersection: false, snappable: false });
      this.ctx.map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 11, animate: false });
      this.editLayer = layer;
    }
    this.ctx.setMapClick(() => {});

    const save = h('button', { type: 'submit', class: 'button primary' }, id ? 'Save (corrects it over its whole validity)' : 'Add zone');
    const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
    cancel.addEventListener('click', () => this.ctx.closePanel());
    form.append(
      h('fieldset', null, h('legend', null, 'Who and how'), F.name, F.actor, F.status),
      h('fieldset', null, h('legend', null, 'Valid'), h('div', { class: 'grid-fields' }, F.from, F.to)),
      shapeBox,
      h('fieldset', null, h('legend', null, 'Accuracy'), F.approximate, F.uncertainty),
      F.notes, sources,
      h('div', { class: 'form-buttons' }, save, cancel));

    const build = () => {
      const props = { ...p };
      const set = (k, v) => { if (v === '' || v === null || v === undefined) delete props[k]; else props[k] = v; };
      set('name', value(F.name.input));
      set('actor', value(F.actor.input));
      set('status', value(F.status.input));
      set('valid_from', value(F.from.input));
      props.valid_to = value(F.to.input) || null;
      props.approximate = value(F.approximate.input);
      set('uncertainty_m', value(F.uncertainty.input));
      set('notes', value(F.notes.input));
      props.sources = sources.get();
      if (circle) props.circle = circle;
      else delete props.circle;
      return { type: 'Feature', ...(id ? { id } : {}), geometry: circle ? null : geometry, properties: props };
    };

    if (id) {
      // This line moved on a date: the zone ends the day before, and a
      // successor with this form's shape and fields starts on it.
      const moved = field({ label: 'The line moved on', name: 'date', type: 'date', value: '',
        hint: 'Ends this zone the day before, and starts a new zone on this day with the shape and fields above; the map of every earlier day stays as it was.' });
      const move = h('button', { type: 'button', class: 'button primary', 'data-successor': '1' }, 'Save as a move on that date');
      move.addEventListener('click', () => this.ctx.guard(this.succeed(form, move, id, build(), moved.input, base, etag)));
      form.appendChild(h('fieldset', { class: 'moved' }, h('legend', null, 'The line moved'), moved, move));
      form.appendChild(this.deleteBox('zones', id, () => etag));
    }
    body.appendChild(form);
    F.name.input.focus();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.ctx.guard(this.save(form, save, 'zones', id, build(), base, etag, (args) => this.zone(args)));
    });
  }

  // succeed saves the form as the zone's successor from the date in
  // dateInput (POST .../successor with If-Match): the patch is every field
  // of the form but valid_from, which is the date.
  async succeed(form, button, id, mine, dateInput, base, etag) {
    clearErrors(form);
    const props = { ...mine.properties };
    delete props.valid_from;
    if (!props.circle) props.circle = null;
    const patch = { geometry: mine.geometry, properties: props };
    button.disabled = true;
    try {
      const { body } = await api.send(`/api/collections/zones/items/${encodeURIComponent(id)}/successor`, { date: value(dateInput), patch }, etag);
      this.ctx.changed('zones');
      this.saved('zones', body.successor, `The line moved on ${value(dateInput)}`);
    } catch (err) {
      button.disabled = false;
      if (err.status === 412) await this.conflict('zones', id, base, mine, (args) => this.zone(args));
      else showProblem(form, err);
    }
  }
}

const round = (v) => Math.round(v * 1e6) / 1e6;
