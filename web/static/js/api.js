// The API client: every request the page makes goes through here, to the
// same origin that served the page, with the signed-in token (session.js).
// Requests are never aborted (an aborted fetch is a failed request);
// callers drop answers that arrive too late.
import { authHeader } from './session.js';

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

// exchange sends a request and resolves to {body, status, etag,
// location}; an answer that is not 2xx throws an APIError with its
// problem document.
async function exchange(url, init = {}) {
  setBusy(+1);
  try {
    const headers = { Accept: 'application/json, application/geo+json', ...authHeader(), ...(init.headers || {}) };
    const res = await fetch(url, { ...init, headers, cache: init.cache || (init.method && init.method !== 'GET' ? 'no-store' : 'default') });
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) throw new APIError(url, res.status, body);
    return { body, status: res.status, etag: res.headers.get('ETag'), location: res.headers.get('Location') };
  } finally {
    setBusy(-1);
  }
}

async function request(url, init) {
  return (await exchange(url, init)).body;
}

const itemPath = (collection, id) => `/api/collections/${collection}/items${id ? '/' + encodeURIComponent(id) : ''}`;

// feature reads one feature with its ETag, the version a write of it sends
// back in If-Match: {feature, etag}.
export async function feature(collection, id) {
  const r = await exchange(itemPath(collection, id), { cache: 'no-store' });
  return { feature: r.body, etag: r.etag };
}

// write sends a feature write: method POST (create, id null), PUT, PATCH
// (a merge patch) or DELETE, with If-Match etag for all but POST. It
// resolves to {feature, etag} of the stored version (feature null for a
// DELETE).
export async function write(method, collection, id, body, etag) {
  const headers = {};
  if (etag) headers['If-Match'] = etag;
  if (body !== undefined) headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/geo+json';
  const r = await exchange(itemPath(collection, method === 'POST' ? null : id), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { feature: r.body, etag: r.etag };
}

// send is a POST of a JSON body to any other route (restore, a zone's
// successor), with If-Match when etag is given; it resolves to the
// answer's body and ETag.
export async function send(path, body, etag) {
  const headers = { 'Content-Type': 'application/json' };
  if (etag) headers['If-Match'] = etag;
  const r = await exchange(path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { body: r.body, etag: r.etag };
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
