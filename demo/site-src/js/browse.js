// Browse and search the whole catalog (in popularity order), with the same actions as
// everywhere else. The query lives in ctx.state so a re-render after an action keeps it.
// The genre and mood filters list the bundle's tags of that kind, in the language's order.
import { h } from './dom.js';
import { t, sorted, language } from './i18n/index.js';
import { itemCard } from './items.js';
import { tagsOfKind } from './tags.js';

const PAGE = 24;

function matches(item, words, filters) {
  if (filters.some((tag) => tag && !item.tags.includes(tag))) return false;
  const text = `${item.title} ${item.tags.join(' ')}`.toLocaleLowerCase(language());
  return words.every((w) => text.includes(w));
}

function filter(ctx, { id, label, all, tags, value, set }) {
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', {
      id, dataset: { key: id },
      onchange: (e) => { set(e.target.value); ctx.state.browse.limit = PAGE; ctx.rerender('browse'); },
    }, h('option', { value: '' }, all), tags.map((tag) => h('option', { value: tag, selected: tag === value }, tag))));
}

export function renderBrowse(ctx, view) {
  const st = ctx.state.browse;
  const tags = [...new Set(ctx.catalog.flatMap((it) => it.tags))];
  const genres = sorted(tagsOfKind(ctx, tags, 'genre'));
  const moods = sorted(tagsOfKind(ctx, tags, 'mood'));
  const words = st.query.toLocaleLowerCase(language()).split(/\s+/).filter(Boolean);
  const found = ctx.catalog.filter((it) => matches(it, words, [st.genre, st.mood]));
  const shown = found.slice(0, st.limit);

  const search = h('input', {
    type: 'search', id: 'search', value: st.query, autocomplete: 'off', dataset: { key: 'search' },
    oninput: (e) => { st.query = e.target.value; st.limit = PAGE; ctx.rerender('browse'); },
  });

  view.replaceChildren(
    h('h2', {}, t('browseTitle')),
    h('div', { class: 'filters', role: 'search' },
      h('div', { class: 'field' }, h('label', { for: 'search' }, t('searchLabel')), search),
      genres.length ? filter(ctx, { id: 'genre', label: t('genre'), all: t('allGenres'), tags: genres, value: st.genre, set: (v) => { st.genre = v; } }) : null,
      moods.length ? filter(ctx, { id: 'mood-filter', label: t('mood'), all: t('allMoods'), tags: moods, value: st.mood, set: (v) => { st.mood = v; } }) : null),
    h('p', { class: 'count', 'aria-live': 'polite' }, t('browseCount', { found: found.length, total: t('nItems', { count: ctx.catalog.length }) })),
    h('ul', { class: 'grid', id: 'catalog' }, shown.map((it) => h('li', {}, itemCard(ctx, it, { prefix: 'cat' })))),
    found.length > shown.length ? h('button', {
      type: 'button', class: 'more-button', dataset: { key: 'more' },
      onclick: () => { st.limit += PAGE; ctx.rerender('browse'); },
    }, t('showMore', { count: found.length - shown.length })) : null);
}

export const BROWSE_PAGE = PAGE;
