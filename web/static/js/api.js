// The API client: every request the page makes goes through here, to the
// same origin that served the page. Requests are never aborted (an aborted
// fetch is a failed request); callers drop answers that arrive too late.

const busy = { n: 0 };

function setBusy(delta) {
  busy.n += delta;
  document.body.dataset.busy = String(busy.n);
  document.body.classList.toggle('is-busy', busy.n > 0);
}

// APIError carries the problem+json document of a failed request.
export class APIError extends Error {
  constructor(url, status, problem) {
    const detail = problem && (problem.detail || problem.title);
    super(`${url}: ${status}${detail ? ' ' + detail : ''}`);
    this.status = status;
    this.problem = problem;
  }
}

async function request(url, init) {
  setBusy(+1);
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json, application/geo+json' }, ...init });
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) throw new APIError(url, res.status, body);
    return body;
  } finally {
    setBusy(-1);
  }
}

export function get(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== '' && v !== null && v !== undefined && v !== 0) q.set(k, String(v));
  }
  const qs = q.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
  return request(qs ? `${path}?${qs}` : path);
}

export function post(path, body) {
  return request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/geo+json, application/json' }, body: JSON.stringify(body) });
}

// MAX_PAGE is the API's largest page (limit).
export const MAX_PAGE = 10000;

// items pages through a collection until it has every feature (up to cap),
// calling onPage with each page's features.
export async function items(collection, params, cap = 200000, onPage) {
  const all = [];
  let matched = null;
  for (let offset = 0; offset < cap; offset += MAX_PAGE) {
    const fc = await get(`/api/collections/${collection}/items`, { ...params, limit: MAX_PAGE, offset });
    const fs = (fc && fc.features) || [];
    if (matched === null && typeof fc.numberMatched === 'number') matched = fc.numberMatched;
    all.push(...fs);
    if (onPage) onPage(fs);
    if (fs.length < MAX_PAGE || (matched !== null && all.length >= matched)) break;
  }
  return { features: all, matched: matched ?? all.length };
}

// search posts body to /api/search, paging until every match (up to cap)
// is in; the answer keeps the API's numberMatched.
export async function search(body, cap = 100000) {
  const all = [];
  let matched = null;
  for (let offset = 0; offset < cap; offset += MAX_PAGE) {
    const fc = await post('/api/search', { ...body, limit: MAX_PAGE, offset: offset || undefined });
    const fs = (fc && fc.features) || [];
    if (matched === null) matched = fc.numberMatched;
    all.push(...fs);
    if (fs.length < MAX_PAGE || all.length >= matched) break;
  }
  return { type: 'FeatureCollection', numberMatched: matched ?? all.length, numberReturned: all.length, features: all };
}

// zoneRecord flattens a zone as the API may give it (a GeoJSON feature, or
// an object with the zone's fields) into {id, actor, status, name, ...}.
// The actor may be an ID or an object {id, name, short_name, colour}.
export function zoneRecord(z) {
  if (!z) return null;
  if (z.type === 'Feature') return zoneRecord({ id: z.id, ...(z.properties || {}) });
  if (z.zone) return zoneRecord(z.zone);
  if (z.actor && typeof z.actor === 'object') return { ...z, actor: z.actor.id, actorInfo: z.actor };
  return z;
}

// zoneList finds the list of zones in an answer that may be an array, a
// FeatureCollection, or an object with "zones".
export function zoneList(body) {
  if (!body) return [];
  if (Array.isArray(body)) return body.map(zoneRecord);
  if (Array.isArray(body.zones)) return body.zones.map(zoneRecord);
  if (Array.isArray(body.features)) return body.features.map(zoneRecord);
  return [];
}

// periodList finds the periods of a control history answer.
export function periodList(body) {
  const list = Array.isArray(body) ? body : (body && (body.periods || body.history || body.timeline)) || [];
  return list.map((p) => ({
    from: p.from ?? p.valid_from ?? (p.interval && p.interval.from) ?? null,
    to: p.to ?? p.valid_to ?? (p.interval && p.interval.to) ?? null,
    zones: zoneList(p),
  }));
}
