// live.js follows the dataset's changes: GET /api/live, Server-Sent Events
// that say only that a new dataset version exists and which collections
// changed. follow calls onChange with the set of collections changed, once
// per burst: QUIET ms after the first announcement, with every collection
// announced meanwhile. EventSource reconnects by itself with
// Last-Event-ID, so what changed while the connection was down is
// announced when it is back.

export const QUIET = 100;

export function follow(onChange) {
  if (typeof EventSource === 'undefined') return null;
  const source = new EventSource('/api/live');
  let pending = new Set();
  let timer = null;
  source.addEventListener('dataset', (e) => {
    let d;
    try {
      d = JSON.parse(e.data);
    } catch {
      return;
    }
    for (const c of d.collections || []) pending.add(c);
    if (timer) return;
    timer = setTimeout(() => {
      const changed = pending;
      pending = new Set();
      timer = null;
      onChange(changed, d.version);
    }, QUIET);
  });
  return source;
}
