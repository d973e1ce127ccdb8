// session.js: who the page is signed in as. The API token is kept in
// sessionStorage (this tab, until it closes) and sent as
// "Authorization: Bearer …" by api.js and live.js; it is never put in a
// URL, a cookie or localStorage. GET /api/session says whose token it is
// and what the server lets it do (docs/api.md).

const KEY = 'frontline.token';

// The session as GET /api/session answered: {name, role, may: {read,
// history, edit, admin}, public_read, public_history, editable}.
export const session = { name: null, role: null, may: { read: true, history: false, edit: false, admin: false } };

function stored() {
  try {
    return sessionStorage.getItem(KEY) || '';
  } catch {
    return '';
  }
}

// authHeader is the Authorization header of the signed-in token, or none.
export function authHeader() {
  const t = stored();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

// SignInError says why a token was not accepted, in words for the form.
export class SignInError extends Error {}

// ask sends GET /api/session with token (none for ''); it resolves to the
// session or throws a SignInError.
async function ask(token) {
  const res = await fetch('/api/session', {
    headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    cache: 'no-store',
  });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status === 401) throw new SignInError('That token is not valid: it is unknown, revoked or mistyped.');
  if (res.status === 429) throw new SignInError('Too many failed attempts from here; wait a minute and try again.');
  if (!res.ok) throw new SignInError(`The server answered ${res.status}${body && body.detail ? ': ' + body.detail : ''}.`);
  return body;
}

// load asks the server who the stored token is. A token the server no
// longer accepts (revoked, or the server was reset) is dropped, and the
// page goes on signed out; reason says why, for a notice.
export async function load() {
  const token = stored();
  let reason = '';
  let body;
  try {
    body = await ask(token);
  } catch (err) {
    if (!token || !(err instanceof SignInError)) throw err;
    sessionStorage.removeItem(KEY);
    reason = 'You were signed out: the server no longer accepts your token.';
    body = await ask('');
  }
  Object.assign(session, body);
  return reason;
}

// signIn checks token with the server and keeps it for this tab; it throws
// a SignInError when the server refuses it.
export async function signIn(token) {
  const t = token.trim();
  if (!t) throw new SignInError('Paste your API token (frontline token create).');
  const body = await ask(t);
  sessionStorage.setItem(KEY, t);
  Object.assign(session, body);
}

// signOut forgets the token.
export function signOut() {
  sessionStorage.removeItem(KEY);
}
