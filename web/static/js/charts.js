// Two small SVG charts for the area statistics, drawn by hand: a chart
// library would be more code than the charts. Labels are SVG text nodes, so
// data never reaches markup.
import { s, h } from './dom.js';

// bars is a horizontal bar chart of rows [{label, value, colour}].
export function bars(rows, title) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowH = 22, labelW = 150, barW = 120, width = labelW + barW + 44;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${rows.length * rowH + 4}`, role: 'img', 'aria-label': title });
  rows.forEach((r, i) => {
    const y = i * rowH + 2;
    const w = Math.max(r.value > 0 ? 2 : 0, (r.value / max) * barW);
    svg.appendChild(s('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end', class: 'chart-label' }, r.label));
    svg.appendChild(s('rect', { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 2, fill: r.colour || '#4b5563' }));
    svg.appendChild(s('text', { x: labelW + w + 5, y: y + 14, class: 'chart-value' }, String(r.value)));
  });
  return svg;
}

// columns is a column chart of [{label, value}] in order (months), with
// the first and last labels and the maximum marked.
export function columns(rows, title) {
  const n = Math.max(rows.length, 1);
  const width = 300, height = 96, top = 14, bottom = 18;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const gap = n > 40 ? 0.5 : 1.5;
  const colW = width / n;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  svg.appendChild(s('line', { x1: 0, x2: width, y1: height - bottom + 0.5, y2: height - bottom + 0.5, class: 'chart-axis' }));
  rows.forEach((r, i) => {
    const hgt = (r.value / max) * (height - top - bottom);
    const rect = s('rect', { x: i * colW + gap / 2, y: height - bottom - hgt, width: Math.max(0.5, colW - gap), height: hgt, fill: '#2563eb' },
      s('title', null, `${r.label}: ${r.value}`));
    svg.appendChild(rect);
  });
  svg.appendChild(s('text', { x: 0, y: 10, class: 'chart-value' }, `max ${max}`));
  if (rows.length) {
    svg.appendChild(s('text', { x: 0, y: height - 4, class: 'chart-label' }, rows[0].label));
    if (rows.length > 1) svg.appendChild(s('text', { x: width, y: height - 4, 'text-anchor': 'end', class: 'chart-label' }, rows[rows.length - 1].label));
  }
  return svg;
}

// table is the same numbers as a table, for screen readers and copying.
export function table(caption, head, rows) {
  return h('table', { class: 'data-table' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))));
}
