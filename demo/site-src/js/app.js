// The demo's entry: loads the bundle and the stored history, and re-renders the visible
// view after every change to the history (from this tab or another) or of the language.
import { createRecommender } from '../lib/src/index.js';
import { BUNDLE } from './config.js';
import { LANGUAGES, initialLanguage, setLanguage, language, direction, t, tp, pct, listText } from './i18n/index.js';
import { modelName } from './why.js';
import { tagList } from './tags.js';
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

// The status line says its last message again in a new language: it keeps the key and the
// args (a function is worded when shown, nodes are copied so they can be shown again).
let lastSaid = ['loading', {}];
function say(key, args = {}) {
  lastSaid = [key, args];
  const now = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, typeof v === 'function' ? v() : v]));
  statusEl.replaceChildren(...[tp(key, now)].flat(Infinity).map((p) => (p instanceof Node ? p.cloneNode(true) : String(p))));
}

function fail(error) {
  console.error(error);
  say('failed', { message: error.message });
}

// The words of the page outside the views (index.html): each element names its message in
// data-i18n, an attribute's in data-i18n-ATTRIBUTE.
function translatePage() {
  const root = document.documentElement;
  root.lang = language();
  root.dir = direction();
  document.title = t('pageTitle');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const button of document.querySelectorAll('#language button')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === language()));
  }
}

// The language switch: the page's words change at once, the choice is remembered.
let onLanguage = () => {};
function setupLanguage() {
  const group = document.getElementById('language');
  for (const button of group.querySelectorAll('button')) {
    button.lang = button.dataset.lang;
    button.textContent = LANGUAGES[button.dataset.lang].name;
    button.addEventListener('click', () => {
      if (button.dataset.lang === language()) return;
      setLanguage(button.dataset.lang, { remember: true });
      translatePage();
      say(...lastSaid);
      onLanguage();
    });
  }
  setLanguage(initialLanguage());
  translatePage();
  say('loading');
}

const WARNINGS = { cache: 'warnCache', threads: 'warnThreads', fallback: 'warnFallback' };

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
    onProgress: ({ loaded, total }) => (total ? say('loadingPercent', { percent: () => pct(loaded / total) }) : say('loading')),
    onWarning: (w) => (WARNINGS[w.code] ? say(WARNINGS[w.code]) : say('warnOther', { message: w.message })),
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
      browse: { query: '', genre: '', mood: '', limit: BROWSE_PAGE },
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
    async act(event, key, args) {
      const r = await rec.record(event).catch(fail);
      if (r && !r.recorded && r.reason === 'paused') say('notStoredPaused');
      else if (r) say(key, args);
    },
    async notInterested(what, key, args) {
      await rec.notInterested(what).catch(fail);
      say(key, args);
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
    // The controls that acted, each as one line (text, or parts with the tags isolated).
    controlsActed() {
      const out = [rec.meta.model ? t('actedRanked', { model: modelName(rec.meta.model) }) : t('actedRankedBundle')];
      const c = ctx.state.controls;
      const set = [];
      if (c.diversity) set.push(t('actedDiversity', { percent: pct(c.diversity) }));
      if (c.novelty) set.push(t('actedNovelty', { percent: pct(c.novelty) }));
      if (c.calibration) set.push(t('actedCalibration'));
      if (c.mood) set.push(t('actedMood', { mood: c.mood }));
      out.push(set.length ? t('actedRerank', { controls: listText(set) }) : t('actedRerankOff'));
      const seen = new Set(ctx.events.map((e) => e.item)).size;
      out.push(ctx.state.hideSeen ? t('actedHideSeenOn', { count: seen }) : t('actedHideSeenOff'));
      const disliked = new Set(ctx.events.filter((e) => e.type === 'dislike').map((e) => e.item)).size;
      if (disliked) out.push(t('actedDislikes', { count: disliked }));
      const low = ctx.events.filter((e) => e.type === 'rate' && e.value < 3).length;
      if (low) out.push(t('actedLowRatings', { count: low }));
      if (ctx.hidden.items.length) out.push(t('actedNotInterested', { count: ctx.hidden.items.length }));
      if (ctx.hidden.tags.length) out.push(tp('actedHiddenTags', { tags: tagList(ctx.hidden.tags) }));
      if (ctx.hidden.lessTags.length) out.push(tp('actedLessTags', { tags: tagList(ctx.hidden.lessTags) }));
      if (ctx.paused) out.push(t('actedPaused'));
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
  // A new language re-renders the view on screen; the others, emptied, render when shown.
  onLanguage = () => {
    for (const name of Object.keys(RENDER)) if (name !== ctx.view) document.getElementById(`view-${name}`).replaceChildren();
    refresh().catch(fail);
  };
  rec.subscribe(() => refresh().catch(fail));
  window.addEventListener('hashchange', () => {
    const name = location.hash.slice(1);
    if (RENDER[name]) tabs.select(name);
  });
  const initial = location.hash.slice(1);
  if (RENDER[initial]) tabs.select(initial);
  else await refresh();
  const events = ctx.events.length;
  say('ready', { items: () => t('nItems', { count: rec.size }), events: () => t('nEvents', { count: events }) });
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

setupLanguage();
boot().catch((e) => {
  fail(e);
  document.documentElement.dataset.ready = 'error';
});
