// The demo's entry: loads the bundle and the stored history, and re-renders the visible
// view after every change to the history (from this tab or another).
import { createRecommender } from '../lib/src/index.js';
import { BUNDLE } from './config.js';
import { startNetLog } from './netlog.js';
import { lastActions } from './items.js';
import { setupTabs } from './tabs.js';
import { renderForYou } from './foryou.js';
import { renderBrowse, BROWSE_PAGE } from './browse.js';
import { renderData } from './data.js';
import { renderAbout } from './about.js';

startNetLog();

const RENDER = { foryou: renderForYou, browse: renderBrowse, data: renderData, about: renderAbout };
const statusEl = document.getElementById('status');
const main = document.getElementById('main');

function say(message) {
  statusEl.textContent = message;
}

function fail(error) {
  console.error(error);
  say(`Something went wrong: ${error.message}`);
}

async function boot() {
  if ('serviceWorker' in navigator) {
    // Scoped to the demo's folder: the worker sees nothing of the origin outside it.
    navigator.serviceWorker.register('sw.js', { scope: './' }).catch((e) => console.warn('offline copy unavailable:', e.message));
  }
  const rec = await createRecommender({
    bundle: BUNDLE.url,
    integrity: BUNDLE.integrity,
    storage: 'auto',
    namespace: 'demo',
    onProgress: ({ loaded, total }) => say(total ? `Loading the model… ${Math.round((100 * loaded) / total)}%` : 'Loading the model…'),
    onWarning: (w) => say(w.message),
  });
  // Every item, most popular first: the order browsing wants.
  const catalog = rec.catalog();

  const ctx = {
    rec,
    catalog,
    byId: new Map(catalog.map((it) => [it.id, it])),
    moods: rec.moods(),
    bundleBytes: BUNDLE.bytes,
    bundleIntegrity: BUNDLE.integrity,
    state: {
      hideSeen: true,
      // The re-ranking controls of "For you" (kept for this visit only).
      controls: { diversity: 0, novelty: 0, calibration: 0, mood: null },
      controlsOpen: window.matchMedia('(min-width: 40rem)').matches,  // phones: closed at first
      browse: { query: '', genre: '', limit: BROWSE_PAGE },
    },
    events: [],
    last: new Map(),
    historyIds: [],
    hidden: { items: [], tags: [], lessTags: [] },  // the not-interested items and tags
    paused: false,
    openWhy: new Set(),
    lastRecs: [],
    view: 'foryou',
    say,
    fail,
    async act(event, message) {
      const r = await rec.record(event).catch(fail);
      if (r && !r.recorded && r.reason === 'paused') say('Recording is paused (Your data): that was not stored');
      else if (r) say(message);
    },
    async notInterested(what, message) {
      await rec.notInterested(what).catch(fail);
      say(message);
    },
    // Options every list uses: hide-seen keeps out every item with any event, not just the
    // ones the model reads (a 2-star rating is not model input, but it is seen).
    recommendOptions() {
      if (!ctx.state.hideSeen) return { excludeHistory: false };
      return { exclude: ctx.events.map((e) => e.item) };
    },
    // The re-ranking controls as recommend() options.
    controlOptions() {
      const c = ctx.state.controls;
      const out = { diversity: c.diversity, novelty: c.novelty, calibration: c.calibration };
      if (c.mood) out.mood = c.mood;
      return out;
    },
    controlsActed() {
      const out = [`Ranked by the ${rec.meta.model ?? 'bundle\'s'} model on this device`];
      const c = ctx.state.controls;
      const set = [];
      if (c.diversity) set.push(`diversity ${Math.round(c.diversity * 100)}%`);
      if (c.novelty) set.push(`surprise me ${Math.round(c.novelty * 100)}%`);
      if (c.calibration) set.push('match my mix');
      if (c.mood) set.push(`mood: ${c.mood}`);
      out.push(set.length ? `Re-ranking: ${set.join(', ')}` : 'Re-ranking: off (the model\'s order)');
      const seen = new Set(ctx.events.map((e) => e.item)).size;
      out.push(ctx.state.hideSeen ? `Hide seen: on (${seen} items you rated or saw are left out)` : 'Hide seen: off');
      const disliked = new Set(ctx.events.filter((e) => e.type === 'dislike').map((e) => e.item)).size;
      if (disliked) out.push(`Dislikes: ${disliked} items kept out`);
      const low = ctx.events.filter((e) => e.type === 'rate' && e.value < 3).length;
      if (low) out.push(`${low} ratings below 3 count as "not for me", not as taste`);
      if (ctx.hidden.items.length) out.push(`Not interested: ${ctx.hidden.items.length} items kept out, items like them shown less`);
      if (ctx.hidden.tags.length) out.push(`Hidden tags: ${ctx.hidden.tags.join(', ')}`);
      if (ctx.hidden.lessTags.length) out.push(`Shown less: ${ctx.hidden.lessTags.join(', ')}`);
      if (ctx.paused) out.push('Recording is paused: new actions are not used');
      return out;
    },
    refresh: () => refresh(),
    rerender: (view) => { if (ctx.view === view) refresh(); },
  };

  let generation = 0;
  let renders = 0;
  async function refresh() {
    const mine = ++generation;
    const [events, not, report] = await Promise.all([rec.history(), rec.store.notInterestedList(), rec.storageReport()]);
    if (mine !== generation) return;  // a newer change is being rendered
    ctx.events = events;
    ctx.last = lastActions(events);
    ctx.historyIds = [...new Set(events.filter((e) => e.type !== 'dislike' && !(e.type === 'rate' && e.value < 3)).map((e) => e.item))];
    ctx.hidden = not;
    ctx.paused = report.paused;
    const view = document.getElementById(`view-${ctx.view}`);
    const focus = focusPlace(view);
    // Render off-screen first so a slow render never shows half a view.
    const scratch = document.createElement('div');
    await RENDER[ctx.view](ctx, scratch);
    if (mine !== generation) return;
    view.replaceChildren(...scratch.childNodes);
    if (focus) restoreFocus(view, focus);
    main.dataset.renders = String(++renders);
  }

  const tabs = setupTabs((name) => { ctx.view = name; refresh().catch(fail); });
  rec.subscribe(() => refresh().catch(fail));
  window.addEventListener('hashchange', () => {
    const name = location.hash.slice(1);
    if (RENDER[name]) tabs.select(name);
  });
  const initial = location.hash.slice(1);
  if (RENDER[initial]) tabs.select(initial);
  else await refresh();
  say(`Ready: ${rec.size} items, ${ctx.events.length} events in your history.`);
  document.documentElement.dataset.ready = 'true';
}

// Where focus is before a re-render: the focused control's key, and the place of its card in
// its list (the card may leave the list: rated, deleted, hidden).
function focusPlace(view) {
  const el = document.activeElement;
  const key = el?.dataset?.key;
  if (!key || !view.contains(el)) return null;
  const card = el.closest('li');
  const list = card?.parentElement;
  const section = list?.closest('section[aria-labelledby]');
  return {
    key,
    action: key.split(':')[0],
    listId: list?.id || null,
    section: section?.getAttribute('aria-labelledby') || null,
    listIndex: section ? [...section.querySelectorAll('ul, ol')].indexOf(list) : -1,
    index: list ? [...list.children].indexOf(card) : -1,
  };
}

function listAt(view, place) {
  if (place.listId) return view.querySelector(`#${CSS.escape(place.listId)}`);
  if (!place.section) return null;
  return view.querySelector(`section[aria-labelledby="${CSS.escape(place.section)}"]`)
    ?.querySelectorAll('ul, ol')[place.listIndex] ?? null;
}

// Focus back on the same control; if it is gone, on the same action of the card now at that
// place in the same list (or its last card), else on a heading of the view, so that focus
// never drops to the page.
function restoreFocus(view, place) {
  let el = [...view.querySelectorAll('[data-key]')].find((e) => e.dataset.key === place.key && e.getClientRects().length);
  const list = el || place.index < 0 ? null : listAt(view, place);
  if (!el && list && list.children.length) {
    const card = list.children[Math.min(place.index, list.children.length - 1)];
    const keyed = [...card.querySelectorAll('[data-key]')];
    el = keyed.find((e) => e.dataset.key.split(':')[0] === place.action && e.tabIndex >= 0) ||
      keyed.find((e) => e.tabIndex >= 0);
  }
  if (!el) {
    el = (list && list.closest('section')?.querySelector('h2, h3')) || view.querySelector('#recs-h, h2, h3');
    if (el) el.tabIndex = -1;
  }
  if (!el) return;
  el.focus();
  if (el.tagName === 'INPUT' && (el.type === 'search' || el.type === 'text')) el.setSelectionRange(el.value.length, el.value.length);
}

boot().catch((e) => {
  fail(e);
  document.documentElement.dataset.ready = 'error';
});
