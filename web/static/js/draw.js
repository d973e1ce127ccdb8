// A small drawing tool for area queries: a polygon by clicks (finish on the
// first vertex, by double-click, Enter or the Finish button; Backspace
// removes the last vertex, Escape cancels) or a circle by two clicks
// (centre, then a point on the edge). Written here rather than vendored: it
// needs 150 lines, not a 300 KB editing library.
/* global L */

const CLOSE_PX = 12;

export class DrawTool {
  constructor(map, { onDone, onCancel, onChange }) {
    this.map = map;
    this.onDone = onDone;
    this.onCancel = onCancel || (() => {});
    this.onChange = onChange || (() => {});
    this.mode = null;
    this.layer = L.layerGroup();
    this.style = { color: '#1d4ed8', weight: 2.5, dashArray: '6 4', fillColor: '#3b82f6', fillOpacity: 0.12, interactive: false };
    this._click = (e) => this.click(e);
    this._move = (e) => this.move(e);
    this._key = (e) => this.key(e);
    this._dbl = (e) => { if (this.mode === 'polygon') { L.DomEvent.stop(e); this.finish(); } };
  }

  get active() {
    return this.mode !== null;
  }

  start(mode) {
    this.cancel(true);
    this.mode = mode;
    this.points = [];
    this.center = null;
    this.layer.addTo(this.map);
    this.map.doubleClickZoom.disable();
    this.map.getContainer().classList.add('is-drawing');
    this.map.on('click', this._click);
    this.map.on('mousemove', this._move);
    this.map.on('dblclick', this._dbl);
    document.addEventListener('keydown', this._key);
    this.onChange(this);
  }

  stop() {
    this.map.off('click', this._click);
    this.map.off('mousemove', this._move);
    this.map.off('dblclick', this._dbl);
    document.removeEventListener('keydown', this._key);
    this.map.getContainer().classList.remove('is-drawing');
    // Re-enable after the click that ended the drawing has been handled.
    setTimeout(() => this.map.doubleClickZoom.enable(), 400);
    this.layer.clearLayers();
    this.layer.remove();
    this.mode = null;
    this.onChange(this);
  }

  cancel(quiet) {
    if (!this.mode) return;
    this.stop();
    if (!quiet) this.onCancel();
  }

  click(e) {
    if (this.mode === 'polygon') {
      const pts = this.points;
      if (pts.length >= 3 && this.map.latLngToContainerPoint(pts[0]).distanceTo(e.containerPoint) <= CLOSE_PX) {
        this.finish();
        return;
      }
      const last = pts[pts.length - 1];
      if (last && this.map.latLngToContainerPoint(last).distanceTo(e.containerPoint) < 4) return;
      pts.push(e.latlng);
      this.redraw(e.latlng);
    } else if (this.mode === 'circle') {
      if (!this.center) {
        this.center = e.latlng;
        this.redraw(e.latlng);
      } else {
        this.radius = this.map.distance(this.center, e.latlng);
        this.finish();
      }
    }
    this.onChange(this);
  }

  move(e) {
    if (this.mode) this.redraw(e.latlng);
  }

  key(e) {
    if (e.key === 'Escape') this.cancel();
    else if (e.key === 'Enter' && this.mode === 'polygon' && this.points.length >= 3) { e.preventDefault(); this.finish(); }
    else if (e.key === 'Backspace' && this.mode === 'polygon' && this.points.length && !/INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName)) {
      e.preventDefault();
      this.points.pop();
      this.redraw(null);
      this.onChange(this);
    }
  }

  redraw(cursor) {
    this.layer.clearLayers();
    if (this.mode === 'polygon') {
      const pts = cursor ? [...this.points, cursor] : this.points;
      if (pts.length >= 2) L.polygon(pts, this.style).addTo(this.layer);
      this.points.forEach((p, i) => L.circleMarker(p, { radius: i === 0 ? 6 : 4, color: '#1d4ed8', weight: 2, fillColor: '#fff', fillOpacity: 1, interactive: false, className: i === 0 ? 'draw-first' : 'draw-vertex' }).addTo(this.layer));
    } else if (this.mode === 'circle' && this.center) {
      const r = cursor ? this.map.distance(this.center, cursor) : 0;
      if (r > 0) L.circle(this.center, { ...this.style, radius: r }).addTo(this.layer);
      L.circleMarker(this.center, { radius: 4, color: '#1d4ed8', weight: 2, fillColor: '#fff', fillOpacity: 1, interactive: false }).addTo(this.layer);
    }
  }

  // finish ends the drawing and hands over the shape in [lon, lat] order:
  // {kind: 'poly', ring} (first vertex not repeated) or
  // {kind: 'circle', center, radius} (metres).
  finish() {
    let shape = null;
    if (this.mode === 'polygon' && this.points.length >= 3) {
      shape = { kind: 'poly', ring: this.points.map((p) => [p.lng, p.lat]) };
    } else if (this.mode === 'circle' && this.center && this.radius > 0) {
      shape = { kind: 'circle', center: [this.center.lng, this.center.lat], radius: this.radius };
    }
    if (!shape) return;
    this.stop();
    this.onDone(shape);
  }
}
