// Browse and search the whole catalog (in popularity order), with the same actions as
// everywhere else. The query lives in ctx.state so a re-render after an action keeps it.
import { h, isGenre } from './dom.js';
import { itemCard } from './items.js';

const PAGE = 24;

function matches(item, words, genre) {
  if (genre && !item.tags.includes(genre)) return false;
  const text = `${item.title} ${item.tags.join(' ')}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export function renderBrowse(ctx, view) {
  const st = ctx.state.browse;
  const genres = [...new Set(ctx.catalog.flatMap((it) => it.tags.filter(isGenre)))].sort();
  const words = st.query.toLowerCase().split(/\s+/).filter(Boolean);
  const found = ctx.catalog.filter((it) => matches(it, words, st.genre));
  const shown = found.slice(0, st.limit);

  const search = h('input', {
    type: 'search', id: 'search', value: st.query, autocomplete: 'off', dataset: { key: 'search' },
    oninput: (e) => { st.query = e.target.value; st.limit = PAGE; ctx.rerender('browse'); },
  });
  const genre = h('select', {
    id: 'genre', dataset: { key: 'genre' },
    onchange: (e) => { st.genre = e.target.value; st.limit = PAGE; ctx.rerender('browse'); },
  }, h('option', { value: '' }, 'All genres'), genres.map((g) => h('option', { value: g, selected: g === st.genre }, g)));

  view.replaceChildren(
    h('h2', {}, 'Browse the catalog'),
    h('div', { class: 'filters', role: 'search' },
      h('div', { class: 'field' }, h('label', { for: 'search' }, 'Search titles and tags'), search),
      h('div', { class: 'field' }, h('label', { for: 'genre' }, 'Genre'), genre)),
    h('p', { class: 'count', 'aria-live': 'polite' }, `${found.length} of ${ctx.catalog.length} items`),
    h('ul', { class: 'grid', id: 'catalog' }, shown.map((it) => h('li', {}, itemCard(ctx, it, { prefix: 'cat' })))),
    found.length > shown.length ? h('button', {
      type: 'button', class: 'more-button', dataset: { key: 'more' },
      onclick: () => { st.limit += PAGE; ctx.rerender('browse'); },
    }, `Show more (${found.length - shown.length} left)`) : null);
}

export const BROWSE_PAGE = PAGE;
