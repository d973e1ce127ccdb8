// live.js follows the dataset's changes: GET /api/live, Server-Sent Events
// that say only that a new dataset version exists and which collections
// changed. follow calls onChange with the set of collections changed, once
// per burst: QUIET ms after the first announcement, with every collection
// announced meanwhile.
//
// The stream is read with fetch rather than EventSource so that it can
// carry the signed-in token (EventSource sends no Authorization header,
// and a server with --public-read=false needs one). Like EventSource it
// reconnects RETRY ms after the stream ends, with Last-Event-ID, so what
// changed while it was down is announced as soon as it is back.

export const QUIET = 100;
export const RETRY = 2000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// eventParser returns a function that takes a Server-Sent Events stream
// chunk by chunk and calls onEvent(type, data, id) for each event with
// data (comments and retry lines are skipped).
export function eventParser(onEvent) {
  let buf = '';
  return (chunk) => {
    buf = (buf + chunk).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let type = 'message';
      let id = null;
      const data = [];
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon === 0) continue;
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (data.length) onEvent(type, data.join('\n'), id);
    }
  };
}

// follow reads /api/live until the page goes, with headers() (the
// session's Authorization) on each connection.
export function follow(onChange, headers = () => ({})) {
  let pending = new Set();
  let timer = null;
  let lastID = null;
  const onEvent = (type, data, id) => {
    if (id !== null) lastID = id;
    if (type !== 'dataset') return;
    let d;
    try {
      d = JSON.parse(data);
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
  };
  (async () => {
    for (;;) {
      try {
        const h = { Accept: 'text/event-stream', ...headers() };
        if (lastID !== null) h['Last-Event-ID'] = lastID;
        const res = await fetch('/api/live', { headers: h, cache: 'no-store' });
        if (res.ok && res.body) {
          const parse = eventParser(onEvent);
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parse(value);
          }
        }
      } catch {
        // The connection dropped (or the page is going): try again.
      }
      await sleep(RETRY);
    }
  })();
  return { lastID: () => lastID };
}
