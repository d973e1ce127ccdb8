// forms.js: the pieces of the editor's forms. Every input has a label and
// a data-field naming the API field it edits (such as "sources[1].url", as
// the API's problem+json errors name them), so a 400's errors show next
// to their fields. All text goes through dom.js (never HTML).
import { h, clear } from './dom.js';

let seq = 0;
const uid = (name) => `f-${name.replace(/[^a-z0-9]+/gi, '-')}-${++seq}`;

// field is a labelled input: {label, name (the API field), type ('text',
// 'number', 'date', 'textarea', 'select', 'checkbox'), value, options
// ([value, text] pairs for a select), required, hint, attrs}. It returns
// the wrapper; wrapper.input is the control.
export function field({ label, name, type = 'text', value, options, required, hint, attrs = {} }) {
  const id = uid(name);
  const errId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const common = { id, 'data-field': name, 'aria-describedby': [hintId, errId].filter(Boolean).join(' '), required: required || null, ...attrs };
  let input;
  if (type === 'textarea') {
    input = h('textarea', { ...common, rows: attrs.rows || 3 });
    input.value = value ?? '';
  } else if (type === 'select') {
    input = h('select', common, (options || []).map(([v, t]) => h('option', { value: v }, t)));
    input.value = value ?? '';
  } else if (type === 'checkbox') {
    input = h('input', { ...common, type: 'checkbox' });
    input.checked = Boolean(value);
  } else {
    input = h('input', { ...common, type, autocomplete: 'off' });
    input.value = value ?? '';
  }
  const lab = h('label', { for: id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
  const wrap = h('div', { class: `field field-${type}` },
    type === 'checkbox' ? [input, ' ', lab] : [lab, input],
    hint ? h('p', { class: 'field-hint muted small', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errId, role: 'alert', hidden: true }));
  wrap.input = input;
  return wrap;
}

// value reads a control: a number (or null) for type=number, a boolean
// for a checkbox, else the trimmed text ('' when empty).
export function value(input) {
  if (input.type === 'checkbox') return input.checked;
  const v = input.value.trim();
  if (input.type === 'number') return v === '' ? null : Number(v);
  return v;
}

// clearErrors hides every field error of form and its summary.
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const summary = form.querySelector('.form-errors');
  if (summary) { clear(summary); summary.hidden = true; }
}

// showProblem puts an API error next to its fields: each of the problem's
// errors goes under the control whose data-field is its field (or, for a
// field the form has no control of, such as "geometry" of a zone drawn on
// the map, in the form's summary), and the first such control gets focus.
// A problem without errors (a 403, a 409) shows its detail in the summary.
export function showProblem(form, err) {
  clearErrors(form);
  const summary = form.querySelector('.form-errors');
  const problem = err && err.problem;
  const errors = (problem && Array.isArray(problem.errors) && problem.errors) || [];
  let first = null;
  const general = [];
  for (const e of errors) {
    const input = findField(form, e.field);
    if (!input) { general.push(`${e.field}: ${e.reason}`); continue; }
    const box = document.getElementById(`${input.id}-error`);
    box.textContent = box.textContent ? `${box.textContent}; ${e.reason}` : e.reason;
    box.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    first = first || input;
  }
  if (!errors.length) general.push(problem ? problem.detail || problem.title : (err && err.message) || 'The save failed.');
  if (general.length && summary) {
    const lead = !problem ? null : errors.length ? 'The server also says:' : 'The server refused the save:';
    if (lead) summary.append(h('p', null, lead));
    summary.append(h('ul', null, general.map((g) => h('li', null, g))));
    summary.hidden = false;
  }
  if (first) first.focus();
  else if (summary && general.length) summary.focus();
}

// findField finds the control of an API field name: exactly, or the
// nearest enclosing one ("sources[1]" for "sources[1].published.year").
function findField(form, name) {
  if (!name) return null;
  for (let n = name.replace(/^properties\./, ''); n; n = n.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
    const el = [...form.querySelectorAll('[data-field]')].find((x) => x.dataset.field === n);
    if (el) return el;
    if (!/(\.[^.[\]]*|\[\d+\])$/.test(n)) break;
  }
  return null;
}

// sourcesEditor edits a list of sources: publisher (required), title, URL,
// publication date and what the source claims (its note). get() returns
// the list as the API takes it.
export function sourcesEditor(list) {
  const rows = h('div', { class: 'rows' });
  const box = h('fieldset', { class: 'sources-editor', 'data-field': 'sources', tabindex: '-1', id: uid('sources') },
    h('legend', null, 'Sources'),
    h('p', { class: 'muted small' }, 'Every source the record rests on. Where sources disagree, say what each claims.'),
    rows,
    h('p', { class: 'field-error', id: null, role: 'alert', hidden: true }));
  box.lastChild.id = `${box.id}-error`;
  const add = h('button', { type: 'button', class: 'small-button', 'data-add': 'source' }, 'Add a source');
  box.appendChild(add);
  const renumber = () => {
    [...rows.children].forEach((row, i) => {
      row.querySelector('legend').textContent = `Source ${i + 1}`;
      for (const el of row.querySelectorAll('[data-key]')) el.dataset.field = `sources[${i}].${el.dataset.key}`;
      row.querySelector('[data-remove]').setAttribute('aria-label', `Remove source ${i + 1}`);
    });
  };
  const addRow = (src = {}) => {
    const parts = [
      field({ label: 'Publisher', name: 'publisher', value: src.publisher, required: true }),
      field({ label: 'Title', name: 'title', value: src.title }),
      field({ label: 'URL', name: 'url', type: 'url', value: src.url, attrs: { inputmode: 'url', placeholder: 'https://' } }),
      field({ label: 'Published', name: 'published', type: 'date', value: src.published }),
      field({ label: 'What it claims (a figure, a claim)', name: 'note', value: src.note }),
    ];
    for (const p of parts) p.input.dataset.key = p.input.dataset.field;
    const remove = h('button', { type: 'button', class: 'link-button', 'data-remove': '1' }, 'Remove');
    const row = h('fieldset', { class: 'source-row' }, h('legend', null, ''), parts, remove);
    remove.addEventListener('click', () => { row.remove(); renumber(); add.focus(); });
    rows.appendChild(row);
    renumber();
    return parts[0].input;
  };
  add.addEventListener('click', () => addRow().focus());
  for (const src of list && list.length ? list : [{}]) addRow(src);
  box.get = () => [...rows.children].map((row) => {
    const src = {};
    for (const el of row.querySelectorAll('[data-key]')) {
      const v = value(el);
      if (v !== '') src[el.dataset.key] = v;
    }
    return src;
  }).filter((src) => Object.keys(src).length);
  return box;
}

// actorIndex maps every way of naming an actor (ID, name, short name,
// Arabic name, aliases; case-insensitive) to its ID, and lists the names
// a datalist offers.
export function actorIndex(actors) {
  const byName = new Map();
  const options = [];
  for (const a of actors.values()) {
    const display = a.short_name && a.short_name !== a.name ? `${a.short_name} — ${a.name}` : a.name;
    options.push([display, a.id]);
    for (const n of [a.id, a.name, a.short_name, a.name_ar, display, ...(a.aliases || [])]) {
      if (n) byName.set(n.trim().toLowerCase(), a.id);
    }
    for (const n of [a.name_ar, ...(a.aliases || [])]) if (n) options.push([n, a.id]);
  }
  return { resolve: (text) => byName.get(String(text).trim().toLowerCase()) || null, options, display: (id) => {
    const a = actors.get(id);
    return a ? (a.short_name && a.short_name !== a.name ? `${a.short_name} — ${a.name}` : a.name) : id;
  } };
}

// actorsEditor edits an incident's actors: each picked by name, short
// name, Arabic name or alias (a datalist offers them), with a role and the
// name a source used. get() returns [{actor, role, name}]; an entry that
// names no known actor is sent as typed, and the API's error says so.
export function actorsEditor(list, index, roles) {
  const listId = uid('actor-names');
  const datalist = h('datalist', { id: listId }, index.options.map(([text, id]) => h('option', { value: text }, index.display(id))));
  const rows = h('div', { class: 'rows' });
  const box = h('fieldset', { class: 'actors-editor', 'data-field': 'actors', tabindex: '-1', id: uid('actors') },
    h('legend', null, 'Actors'), datalist, rows, h('p', { class: 'field-error', role: 'alert', hidden: true }));
  box.lastChild.id = `${box.id}-error`;
  const add = h('button', { type: 'button', class: 'small-button', 'data-add': 'actor' }, 'Add an actor');
  box.appendChild(add);
  const renumber = () => {
    [...rows.children].forEach((row, i) => {
      row.querySelector('legend').textContent = `Actor ${i + 1}`;
      for (const el of row.querySelectorAll('[data-key]')) el.dataset.field = `actors[${i}].${el.dataset.key}`;
      row.querySelector('[data-remove]').setAttribute('aria-label', `Remove actor ${i + 1}`);
    });
  };
  const addRow = (a = {}) => {
    const who = field({ label: 'Actor (name, alias or Arabic name)', name: 'actor', value: a.actor ? index.display(a.actor) : '', attrs: { list: listId } });
    const resolved = h('p', { class: 'muted small resolved', 'aria-live': 'polite' });
    const show = () => {
      const id = index.resolve(who.input.value);
      resolved.textContent = !who.input.value.trim() ? '' : id ? `→ ${index.display(id)} (${id})` : 'No actor by that name in the actor table.';
    };
    who.input.addEventListener('input', show);
    show();
    const role = field({ label: 'Role', name: 'role', type: 'select', value: a.role || 'perpetrator', options: roles.map((r) => [r, r]) });
    const name = field({ label: 'Name in the source (optional)', name: 'name', value: a.name });
    for (const p of [who, role, name]) p.input.dataset.key = p.input.dataset.field;
    const remove = h('button', { type: 'button', class: 'link-button', 'data-remove': '1' }, 'Remove');
    const row = h('fieldset', { class: 'actor-row' }, h('legend', null, ''), who, resolved, role, name, remove);
    remove.addEventListener('click', () => { row.remove(); renumber(); add.focus(); });
    rows.appendChild(row);
    renumber();
    return who.input;
  };
  add.addEventListener('click', () => addRow().focus());
  for (const a of list || []) addRow(a);
  box.get = () => [...rows.children].map((row) => {
    const get = (k) => value(row.querySelector(`[data-key="${k}"]`));
    const text = get('actor');
    if (!text) return null;
    const out = { actor: index.resolve(text) || text, role: get('role') };
    if (get('name')) out.name = get('name');
    return out;
  }).filter(Boolean);
  return box;
}

// formShell is a form with its error summary and its buttons row.
export function formShell(className, label) {
  const form = h('form', { class: `edit-form ${className}`, 'aria-label': label, novalidate: true },
    h('div', { class: 'form-errors', role: 'alert', tabindex: '-1', hidden: true }));
  return form;
}
