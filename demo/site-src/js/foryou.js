// "For you": onboarding while the history is short, the top recommendations with their
// reasons, and what the sequence model expects next.
import { h, fmt } from './dom.js';
import { itemCard } from './items.js';
import { renderWhy } from './why.js';

const ONBOARDING = 8;

/** Popular items spread over genres: round-robin over each genre's most popular. */
export function onboardingSet(catalog, n, isGenre) {
  const byGenre = new Map();
  for (const item of catalog) {  // catalog is in popularity order
    const g = item.tags.find(isGenre) || item.tags[0] || '';
    if (!byGenre.has(g)) byGenre.set(g, []);
    byGenre.get(g).push(item);
  }
  const queues = [...byGenre.values()];
  const picked = [];
  for (let round = 0; picked.length < n && queues.some((q) => q.length > round); round++) {
    for (const q of queues) if (q[round] && picked.length < n) picked.push(q[round]);
  }
  return picked;
}

function controlsPanel(ctx) {
  const hide = h('input', {
    type: 'checkbox', id: 'hide-seen', checked: ctx.state.hideSeen,
    dataset: { key: 'hide-seen' },
    onchange: (e) => { ctx.state.hideSeen = e.target.checked; ctx.refresh(); },
  });
  const later = 'Coming in a later version';
  return h('fieldset', { class: 'controls' },
    h('legend', {}, 'Controls'),
    h('div', { class: 'control' }, hide, h('label', { for: 'hide-seen' }, 'Hide items I have already rated or seen')),
    h('div', { class: 'control disabled' },
      h('label', { for: 'diversity' }, 'Diversity'),
      h('input', { type: 'range', id: 'diversity', min: 0, max: 10, value: 0, disabled: true, 'aria-describedby': 'later-note' })),
    h('div', { class: 'control disabled', role: 'group', 'aria-label': 'Mood' },
      h('span', {}, 'Mood'),
      ['cozy', 'thrilling', 'funny'].map((m) => h('button', { type: 'button', class: 'chip', disabled: true }, m))),
    h('div', { class: 'control disabled' },
      h('input', { type: 'checkbox', id: 'novelty', disabled: true, 'aria-describedby': 'later-note' }),
      h('label', { for: 'novelty' }, 'Prefer less-known items')),
    h('p', { id: 'later-note', class: 'note' }, `Diversity, mood and novelty: ${later}.`));
}

function recCard(ctx, r, i, prefix) {
  const panelId = `why-${prefix}-${r.id}`;
  const panel = h('div', { id: panelId, class: 'why', hidden: true });
  const toggle = h('button', {
    type: 'button', class: 'why-toggle', 'aria-expanded': 'false', 'aria-controls': panelId,
    dataset: { key: `why:${prefix}:${r.id}` },
    onclick: async () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      panel.hidden = !open;
      if (open) {
        ctx.openWhy.add(panelId);
        await renderWhy(ctx, r, panel, prefix === 'next' ? 'sasrec' : 'auto').catch((e) => ctx.fail(e));
      } else ctx.openWhy.delete(panelId);
    },
  }, 'Why?');
  const because = r.because.length
    ? `Because of ${r.because.map((b) => b.title).join(', ')}`
    : 'Popular with everyone';
  const card = itemCard(ctx, r, {
    prefix,
    extra: [
      h('p', { class: 'because' }, because),
      h('p', { class: 'score' }, `#${i + 1} · ${r.model} score ${fmt(r.score)}`),
      toggle,
      panel,
    ],
  });
  // A re-render keeps open explanations open (with fresh reasons).
  if (ctx.openWhy.has(panelId)) queueMicrotask(() => toggle.click());
  return h('li', {}, card);
}

export async function renderForYou(ctx, view) {
  const { rec } = ctx;
  const options = ctx.recommendOptions();
  const [recs, next] = await Promise.all([
    rec.recommend({ k: 10, ...options }),
    rec.models.sasrec ? rec.recommend({ k: 5, reasons: 2, ...options, model: 'sasrec' }) : [],
  ]);
  ctx.lastRecs = recs;

  const parts = [];
  if (ctx.events.length < 5) {
    const seen = new Set(ctx.events.map((e) => e.item));
    const picks = ctx.onboarding.filter((it) => !seen.has(it.id)).slice(0, ONBOARDING);
    parts.push(h('section', { class: 'onboarding', 'aria-labelledby': 'onb-h' },
      h('h2', { id: 'onb-h' }, ctx.events.length ? 'Rate a few more' : 'Start here: rate a few'),
      h('p', {}, 'Popular picks from across the genres. Rate or like what you know; your ratings stay in this browser.'),
      h('ul', { class: 'grid' }, picks.map((it) => h('li', {}, itemCard(ctx, it, { prefix: 'onb' }))))));
  }
  parts.push(controlsPanel(ctx));
  parts.push(h('section', { 'aria-labelledby': 'recs-h' },
    h('h2', { id: 'recs-h' }, ctx.historyIds.length ? 'Top picks for you' : 'Popular right now'),
    recs.length
      ? h('ol', { class: 'grid recs', id: 'recs' }, recs.map((r, i) => recCard(ctx, r, i, 'rec')))
      : h('p', {}, 'Nothing left to recommend with these filters.')));
  if (rec.models.sasrec) {
    parts.push(h('section', { 'aria-labelledby': 'next-h' },
      h('h2', { id: 'next-h' }, 'Next up'),
      h('p', { class: 'note' }, 'What the sequence model (SASRec) expects you to pick next, from the order of your history.'),
      h('ol', { class: 'grid next', id: 'next' }, next.map((r, i) => recCard(ctx, r, i, 'next')))));
  }
  view.replaceChildren(...parts);
}
