// CSV of incident features, built in the browser from the API's GeoJSON
// answer, so the CSV and the GeoJSON export always hold the same rows.
// RFC 4180 quoting; text cells that a spreadsheet would run as a formula
// (starting with = + - @ or a tab) are prefixed with an apostrophe.

export const CSV_COLUMNS = [
  'id', 'date', 'date_end', 'date_precision', 'type', 'sub_type', 'status',
  'lon', 'lat', 'precision_m', 'place', 'governorate', 'actors',
  'fatalities_low', 'fatalities_best', 'fatalities_high', 'fatalities_civilians',
  'origin', 'origin_id', 'description', 'sources',
];

function cell(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let t = String(v);
  if (/^[=+\-@\t\r]/.test(t)) t = "'" + t;
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function toCSV(features) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const f of features) {
    const p = f.properties || {};
    const c = (f.geometry && f.geometry.coordinates) || [];
    const row = {
      ...p,
      id: f.id,
      lon: c[0],
      lat: c[1],
      // An actor known only by name (UCDP and ACLED names such as "Civilians") has no id.
      actors: (p.actors || []).map((a) => `${a.actor || a.name || ''}${a.role ? ':' + a.role : ''}`).join('; '),
      sources: (p.sources || []).map((s) => [s.publisher, s.published, s.url].filter(Boolean).join(' | ')).join('; '),
    };
    lines.push(CSV_COLUMNS.map((k) => cell(row[k])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
