// The contents of popups and panels, built with DOM calls only: every value
// from the data is a text node or a checked http(s) link.
import { h, link, names } from './dom.js';
import { fmt } from './dates.js';
import { TYPE_LABELS, STATUS_LABELS, SITE_KINDS, label, symbol, zoneSwatch } from './styles.js';

const n = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-GB') : '–');

export function km(m) {
  if (!(m > 0)) return '';
  return m >= 1000 ? `±${Math.round(m / 100) / 10} km` : `±${Math.round(m)} m`;
}

export function actorName(actors, id, fallback) {
  const a = actors.get(id);
  if (!a) return names(fallback || id || 'unknown actor', null);
  return names(a.short_name || a.name, a.name_ar);
}

function dateText(p) {
  const range = p.date_end && p.date_end !== p.date ? `${fmt(p.date)} – ${fmt(p.date_end)}` : fmt(p.date);
  return p.date_precision && p.date_precision !== 'day' ? `${range} (known to the ${p.date_precision})` : range;
}

function sources(list) {
  if (!Array.isArray(list) || !list.length) return h('p', { class: 'muted' }, 'No source listed.');
  return h('ol', { class: 'sources' }, list.map((src) => h('li', null,
    h('span', { class: 'publisher' }, src.publisher || 'Unknown publisher'),
    src.published ? h('span', { class: 'muted' }, ` · ${fmt(src.published)}`) : null,
    src.title || src.url ? h('div', null, link(src.url, src.title || src.url)) : null,
    src.note ? h('div', { class: 'note' }, src.note) : null)));
}

function statusBadge(status) {
  const text = status === 'disputed' ? 'Disputed' : status === 'confirmed' ? 'Confirmed' : status === 'reported' ? 'Reported' : status || 'unknown';
  return h('span', { class: `badge badge-${['disputed', 'confirmed', 'reported'].includes(status) ? status : 'other'}` }, text);
}

// incident is the popup of an incident feature.
export function incident(f, actors) {
  const p = f.properties || {};
  const typeLine = [label(TYPE_LABELS, p.type), p.sub_type ? label({}, p.sub_type) : null].filter(Boolean).join(' · ');
  const body = h('article', { class: 'popup incident-popup-body', 'data-id': f.id },
    h('header', null, symbol(p.type, 18), h('h3', null, typeLine), statusBadge(p.status)),
    p.status === 'disputed' ? h('p', { class: 'disputed-note' }, 'Disputed: the sources disagree, or the only source is of low credibility. The figures below are claims.') : null,
    h('dl', { class: 'facts' },
      h('dt', null, 'Date'), h('dd', null, dateText(p)),
      h('dt', null, 'Place'), h('dd', null, p.place || '–', p.precision_m ? h('span', { class: 'muted' }, ` (${km(p.precision_m)})`) : null),
      h('dt', null, 'Governorate'), h('dd', null, p.governorate || '–'),
      h('dt', null, 'Actors'), h('dd', null, Array.isArray(p.actors) && p.actors.length
        ? h('ul', { class: 'actors' }, p.actors.map((a) => h('li', null, actorName(actors, a.actor, a.name),
          a.name && actors.get(a.actor) ? h('span', { class: 'muted' }, ` — ${a.name}`) : null,
          a.role ? h('span', { class: 'role' }, a.role) : null)))
        : '–'),
      h('dt', null, 'Fatalities'), h('dd', null, h('span', { class: 'fatalities' },
        h('span', { title: 'low estimate' }, `low ${n(p.fatalities_low)}`), ' · ',
        h('strong', { title: 'best estimate' }, `best ${n(p.fatalities_best)}`), ' · ',
        h('span', { title: 'high estimate' }, `high ${n(p.fatalities_high)}`)),
      p.fatalities_civilians ? h('div', { class: 'muted' }, `of which civilians: ${n(p.fatalities_civilians)}`) : null)),
    p.publication ? publicationNote(p.publication) : null,
    p.description ? h('p', { class: 'description' }, p.description) : null,
    h('h4', null, 'Sources'), sources(p.sources),
    h('p', { class: 'muted small' }, `${p.origin || 'frontline'}${p.origin_id && p.origin_id !== f.id ? ':' + p.origin_id : ''} · ${f.id}`));
  return body;
}

// publicationNote says what the published view did to an incident
// (properties.publication): where its exact position was moved from, what
// was withheld, and by which rules.
function publicationNote(pub) {
  const where = pub.coarsened === 'grid'
    ? `The exact position is not published: the point is the centre of its ${pub.cell_km} km grid cell, outlined on the map, and the event happened somewhere in that cell.`
    : pub.coarsened === 'governorate'
      ? 'The exact position is not published: the point is its governorate\'s centre, and the event happened somewhere in the governorate.'
      : '';
  const withheld = pub.withheld && pub.withheld.length ? `Not published: ${pub.withheld.map((f) => f.replace('_', ' ')).join(', ')}.` : '';
  const rules = pub.rules && pub.rules.length ? `By the publication policy (${pub.rules.join(', ')}).` : '';
  return h('p', { class: 'publication-note' }, [where, withheld, rules].filter(Boolean).join(' '));
}

// site is the popup of a site feature.
export function site(f) {
  const p = f.properties || {};
  return h('article', { class: 'popup' },
    h('header', null, h('h3', null, names(p.name, p.name_ar))),
    h('p', null, label(SITE_KINDS, p.kind), p.governorate ? ` · ${p.governorate} governorate` : ''),
    Array.isArray(p.alt_names) && p.alt_names.length ? h('p', { class: 'muted' }, 'Also: ', p.alt_names.join(', ')) : null,
    p.notes ? h('p', { class: 'note' }, p.notes) : null,
    h('h4', null, 'Sources'), sources(p.sources));
}

// zoneItem is one zone in the control panel.
export function zoneItem(z, actors, onPick) {
  const a = actors.get(z.actor);
  const valid = `${z.valid_from ? fmt(z.valid_from) : 'open'} – ${z.valid_to ? fmt(z.valid_to) : 'open'}`;
  return h('li', { class: 'zone-item', 'data-actor': z.actor, 'data-status': z.status, 'data-zone': z.id },
    zoneSwatch(a && a.colour, z.status, 22),
    h('div', null,
      h('div', { class: 'zone-actor' }, actorName(actors, z.actor), ' ', h('span', { class: `badge badge-status` }, label(STATUS_LABELS, z.status))),
      z.name ? h('div', { class: 'zone-name' }, z.name) : null,
      h('div', { class: 'muted small' }, `valid ${valid}`, z.approximate ? ` · approximate ${km(z.uncertainty_m)}` : ''),
      onPick ? h('button', { type: 'button', class: 'link-button', 'data-pick-zone': z.id }, 'Incidents in this zone') : null));
}

export { sources };
