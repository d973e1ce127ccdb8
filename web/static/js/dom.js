// DOM helpers. Every piece of data reaches the page through textContent or
// setAttribute on a fixed attribute name, never through innerHTML, so text
// from the data (descriptions, source titles, names) is never parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

// h builds an element: h('p', {class: 'x'}, 'text', child, ...). Attributes
// whose name starts with "on" are refused (no inline handlers); children are
// strings (added as text nodes), nodes, or arrays of either; null and
// undefined are skipped.
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// s builds an SVG element the same way.
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (/^on/i.test(k)) throw new Error(`dom: refusing inline handler attribute ${k}`);
    if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// safeURL returns url when it is an absolute http or https URL, else null:
// javascript:, data: and relative URLs from the data are never linked.
export function safeURL(url) {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// link is an external link that opens in a new tab without giving it a
// handle on this page, or plain text when url is not http(s).
export function link(url, text) {
  const href = safeURL(url);
  if (!href) return h('span', null, text);
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text);
}

// names renders an English name and, when the data has one, its Arabic
// form, marked up with lang and dir so it shapes and reads correctly.
export function names(en, ar) {
  return h('span', { class: 'names' }, h('span', null, en),
    ar ? [' ', h('span', { class: 'ar', lang: 'ar', dir: 'rtl' }, ar)] : null);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// download offers text as a file, without a server round trip.
export function download(filename, mime, text) {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = h('a', { href: url, download: filename });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
