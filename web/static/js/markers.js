// Incident markers and cluster badges drawn on a canvas: thousands of
// them cost one canvas element, not a DOM node each (500 badges as DOM
// markers took about 200 ms a view to draw on the project's machine). Each
// is a Leaflet CircleMarker, so clicks, tooltips and popups work as with
// any layer, that paints its own symbol instead of a circle.
/* global L */
import { SHAPE_PATHS, SYMBOL_STROKE, fatalitySize, typeSymbol } from './styles.js';

const paths = new Map();

// path2D is the Path2D of a shape name, built once.
function path2D(shape) {
  if (!paths.has(shape)) paths.set(shape, new Path2D(SHAPE_PATHS[shape] || SHAPE_PATHS.circle));
  return paths.get(shape);
}

// IncidentMarker draws at [lat, lng] (Leaflet's order) the symbol of
// options.type, options.size pixels across (fatalitySize).
//
// It reaches into Leaflet 1.9.4's canvas renderer (_drawing, _ctx, the
// layer's _point), as its own CircleMarker does: the vendored version is
// pinned (web/static/vendor/VERSIONS).
const IncidentMarker = L.CircleMarker.extend({
  _updatePath() {
    const r = this._renderer;
    if (!r._drawing || this._empty()) return;
    const { x, y } = this._point;
    const size = this.options.size;
    const sym = typeSymbol(this.options.type);
    const ctx = r._ctx;
    ctx.save();
    ctx.translate(x - size / 2, y - size / 2);
    ctx.scale(size / 24, size / 24);
    ctx.fillStyle = sym.colour;
    ctx.strokeStyle = SYMBOL_STROKE.colour;
    ctx.lineWidth = SYMBOL_STROKE.width;
    ctx.lineJoin = 'round';
    const p = path2D(sym.shape);
    ctx.fill(p);
    ctx.stroke(p);
    ctx.restore();
  },
});

// clusterSize is the diameter in pixels of the badge of a cluster of n
// incidents.
const clusterSize = (n) => (n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 44 : 52);

// clusterLabel is a badge's text: the count, in thousands from 10,000.
const clusterLabel = (n) => (n < 10000 ? String(n) : `${Math.round(n / 1000)}k`);

// ClusterMarker draws at [lat, lng] the badge of options.count incidents:
// a dark disc with a white rim and a halo, the count in white.
const ClusterMarker = L.CircleMarker.extend({
  _updatePath() {
    const r = this._renderer;
    if (!r._drawing || this._empty()) return;
    const { x, y } = this._point;
    const radius = this._radius;
    const ctx = r._ctx;
    ctx.save();
    ctx.beginPath();
    ctx.arc(x, y, radius + 1.5, 0, Math.PI * 2);
    ctx.fillStyle = 'rgba(31, 36, 48, 0.25)';
    ctx.fill();
    ctx.beginPath();
    ctx.arc(x, y, radius - 1.5, 0, Math.PI * 2);
    ctx.fillStyle = 'rgba(31, 36, 48, 0.86)';
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.fillStyle = '#ffffff';
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(clusterLabel(this.options.count), x, y + 0.5);
    ctx.restore();
  },
});

// clusterMarker is the badge of a cluster of count incidents at latlng on
// renderer.
export function clusterMarker(latlng, count, renderer) {
  const size = clusterSize(count);
  return new ClusterMarker(latlng, { renderer, count, radius: size / 2, interactive: true, bubblingMouseEvents: false });
}

// incidentMarker is the marker of an incident feature (GeoJSON, [lon, lat])
// on renderer, or null for a feature without a point.
export function incidentMarker(f, renderer) {
  const c = f.geometry && f.geometry.coordinates;
  if (!c) return null;
  const p = f.properties || {};
  const size = fatalitySize(p.fatalities_best);
  // radius is the click target: the symbol's circumscribed half-width.
  return new IncidentMarker(L.GeoJSON.coordsToLatLng(c), {
    renderer, type: p.type, size, radius: size / 2, interactive: true, bubblingMouseEvents: false,
  });
}
