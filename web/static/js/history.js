// history.js: a feature's versions, each with its author, time and what
// it changed field by field; admins restore one. And the audit log, as a
// table, for admins. Needs the history role (a viewer token, or a server
// with --public-history); restoring and the audit log need an admin.
import * as api from './api.js';
import { h } from './dom.js';
import { changes, table } from './diff.js';
import { session } from './session.js';

const when = (t) => (t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '');
const collectionLabel = { incidents: 'incident', zones: 'zone', sites: 'site' };

// showHistory fills panel (ctx.panel(title) returns its body) with the
// versions of a feature, newest first, each diffed with the one before.
export async function showHistory(ctx, collection, id) {
  const body = ctx.panel(`History of the ${collectionLabel[collection] || 'feature'}`);
  body.append(h('p', { class: 'muted small' }, id), h('p', { class: 'muted' }, 'Loading…'));
  const doc = await api.get(`/api/collections/${collection}/items/${encodeURIComponent(id)}/versions`);
  body.lastChild.remove();
  const versions = doc.versions || [];
  const last = versions[versions.length - 1];
  const list = h('ol', { class: 'versions', reversed: true });
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i];
    const prev = i > 0 ? versions[i - 1] : null;
    const diff = changes(prev && prev.feature, v.feature);
    const what = v.deleted ? 'deleted' : i === 0 ? 'created' : `${diff.length} field${diff.length === 1 ? '' : 's'} changed`;
    const item = h('li', { class: 'version', 'data-version': v.version },
      h('div', { class: 'version-head' },
        h('strong', null, `Version ${v.version}`), ' · ', h('span', null, when(v.committed)), ' · by ', h('span', { class: 'author' }, v.author || 'unknown'),
        ' · ', h('span', { class: v.deleted ? 'badge badge-disputed' : 'muted' }, what),
        v === last ? h('span', { class: 'badge badge-status' }, 'current') : null));
    if (!v.deleted && diff.length) {
      const shown = i === 0 ? diff.filter((d) => d.after !== null && d.after !== undefined) : diff;
      item.appendChild(h('details', { class: 'version-diff', open: i === versions.length - 1 || null },
        h('summary', null, i === 0 ? 'Its fields' : 'What changed'),
        table(`Version ${v.version} against version ${prev ? prev.version : 0}`, i === 0 ? ['Value'] : ['Before', 'After'],
          shown.map((d) => ({ field: d.field, cells: i === 0 ? [d.after] : [d.before, d.after] })))));
    }
    if (session.may.admin && !v.deleted && (v !== last || last.deleted)) {
      const btn = h('button', { type: 'button', class: 'small-button', 'data-restore': v.version }, `Restore version ${v.version}`);
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
          await api.send(`/api/collections/${collection}/items/${encodeURIComponent(id)}/versions/${v.version}/restore`);
          ctx.changed(collection);
          await showHistory(ctx, collection, id);
        } catch (err) {
          btn.disabled = false;
          item.appendChild(h('p', { class: 'field-error', role: 'alert' }, err.message));
        }
      });
      item.appendChild(btn);
    }
    list.appendChild(item);
  }
  body.appendChild(list);
  if (last && last.deleted) body.prepend(h('p', { class: 'disputed-note' }, 'This feature is deleted (a tombstone). ', session.may.admin ? 'Restore a version to bring it back.' : 'An admin can restore it.'));
}

// showAudit fills the panel with the audit log, newest first: who did
// what to which feature, and when. A row's feature opens its history.
export async function showAudit(ctx, filter = {}) {
  const body = ctx.panel('Audit log');
  const collection = h('select', { id: 'audit-collection' }, ['', 'incidents', 'zones', 'sites', 'actors', 'boundaries', 'statistics'].map((c) => h('option', { value: c }, c || 'all collections')));
  collection.value = filter.collection || '';
  collection.addEventListener('change', () => ctx.guard(showAudit(ctx, { collection: collection.value })));
  body.appendChild(h('div', { class: 'row' }, h('label', { for: 'audit-collection', class: 'inline-label' }, 'Collection'), collection));
  const doc = await api.get('/api/audit', { limit: 200, collection: filter.collection || '' });
  const entries = doc.entries || [];
  body.appendChild(h('p', { class: 'muted small' }, `The latest ${entries.length} entries.`));
  const rows = entries.map((e) => {
    const editable = ['incidents', 'zones', 'sites'].includes(e.collection);
    const idCell = editable
      ? h('button', { type: 'button', class: 'link-button', 'data-history': `${e.collection}/${e.id}` }, e.id)
      : h('span', null, e.id);
    return h('tr', null, h('td', null, when(e.at)), h('td', null, e.who), h('td', null, e.action), h('td', null, e.collection), h('td', null, idCell),
      h('td', null, `${e.version_before} → ${e.version_after}`));
  });
  const tbl = h('table', { class: 'audit-table' },
    h('caption', { class: 'sr-only' }, 'Audit log, newest first'),
    h('thead', null, h('tr', null, ['When', 'Who', 'What', 'Collection', 'Feature', 'Versions'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows));
  tbl.addEventListener('click', (e) => {
    const b = e.target.closest('[data-history]');
    if (!b) return;
    const [c, ...rest] = b.dataset.history.split('/');
    ctx.guard(showHistory(ctx, c, rest.join('/')));
  });
  body.appendChild(h('div', { class: 'table-scroll' }, tbl));
}

