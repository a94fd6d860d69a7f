// "For you": onboarding while the history is short, the top recommendations with their
// reasons and the re-ranking controls that moved them, and what the sequence model expects
// next.
import { h, bdi } from './dom.js';
import { t, pct, listText } from './i18n/index.js';
import { itemCard } from './items.js';
import { renderWhy, movedWords, reasonOf, reasonLine } from './why.js';

const ONBOARDING = 8;

// A range input 0..10 for a strength in [0, 1]; the list re-ranks when it is let go.
function slider(ctx, key, label, hint) {
  const value = Math.round(ctx.state.controls[key] * 10);
  const level = (v) => (v ? pct(v / 10) : t('sliderOff'));
  const shown = h('output', { for: key, id: `${key}-value`, class: 'level' }, level(value));
  return h('div', { class: 'control' },
    h('label', { for: key }, label),
    h('input', {
      type: 'range', id: key, min: 0, max: 10, step: 1, value, dataset: { key }, 'aria-describedby': `${key}-hint`,
      oninput: (e) => { shown.textContent = level(Number(e.target.value)); },
      onchange: (e) => { ctx.state.controls[key] = Number(e.target.value) / 10; ctx.refresh(); },
    }),
    shown,
    h('span', { id: `${key}-hint`, class: 'hint' }, hint));
}

function controlsPanel(ctx) {
  const c = ctx.state.controls;
  const hide = h('input', {
    type: 'checkbox', id: 'hide-seen', checked: ctx.state.hideSeen,
    dataset: { key: 'hide-seen' },
    onchange: (e) => { ctx.state.hideSeen = e.target.checked; ctx.refresh(); },
  });
  const mix = h('input', {
    type: 'checkbox', id: 'calibration', checked: c.calibration > 0, dataset: { key: 'calibration' },
    'aria-describedby': 'calibration-hint',
    onchange: (e) => { c.calibration = e.target.checked ? 0.5 : 0; ctx.refresh(); },
  });
  const moods = ctx.moods.map((m) => h('button', {
    type: 'button', class: 'chip mood', 'aria-pressed': String(c.mood === m.name), dataset: { key: `mood:${m.name}` },
    title: listText(Object.entries(m.weights).filter(([, w]) => w > 0).map(([tag]) => tag)),
    onclick: () => { c.mood = c.mood === m.name ? null : m.name; ctx.refresh(); },
  }, bdi(m.name)));
  const on = [c.diversity, c.novelty, c.calibration, c.mood].filter(Boolean).length;
  // Collapsible, closed at first on a phone so that the list is on the first screen.
  return h('details', {
    class: 'controls-box', id: 'controls-box', open: ctx.state.controlsOpen,
    ontoggle: (e) => { ctx.state.controlsOpen = e.target.open; },
  },
  h('summary', { dataset: { key: 'controls-box' } }, on ? t('controlsOn', { count: on }) : t('controls')),
  h('fieldset', { class: 'controls', id: 'controls' },
    h('legend', { class: 'visually-hidden' }, t('controls')),
    h('div', { class: 'control' }, hide, h('label', { for: 'hide-seen' }, t('hideSeen'))),
    slider(ctx, 'diversity', t('diversity'), t('diversityHint')),
    slider(ctx, 'novelty', t('novelty'), t('noveltyHint')),
    h('div', { class: 'control' }, mix, h('label', { for: 'calibration' }, t('mix')),
      h('span', { id: 'calibration-hint', class: 'hint' }, t('mixHint'))),
    moods.length
      ? h('div', { class: 'control moods', role: 'group', 'aria-labelledby': 'moods-label' }, h('span', { id: 'moods-label' }, t('mood')), moods)
      : null,
    h('p', { class: 'note' }, t('controlsNote'))));
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
        await renderWhy(ctx, r, i + 1, panel, prefix === 'next' ? 'sasrec' : 'auto').catch((e) => ctx.fail(e));
      } else ctx.openWhy.delete(panelId);
    },
  }, t('why'));
  const reason = reasonOf(ctx, r);
  const moved = movedWords(ctx, r, i + 1);
  const card = itemCard(ctx, r, {
    prefix,
    extra: [
      reasonLine(reason),
      r.isNew && reason.kind !== 'new' ? h('p', { class: 'new-note' }, t('newNote')) : null,
      moved ? h('p', { class: 'moved' }, moved) : null,
      toggle,
      panel,
    ],
  });
  // A re-render keeps open explanations open (with fresh reasons).
  if (ctx.openWhy.has(panelId)) queueMicrotask(() => toggle.click());
  return h('li', { dataset: { controls: r.controls.map((x) => x.control).join(' ') } }, card);
}

export async function renderForYou(ctx, view) {
  const { rec } = ctx;
  const options = ctx.recommendOptions();
  const onboarding = ctx.events.length < 5;
  const empty = ctx.historyIds.length === 0;
  // One onboarding set, and no item twice on the page: the lists below leave out what the
  // sections above them show.
  const picks = onboarding ? await rec.onboarding({ k: ONBOARDING, exclude: ctx.events.map((e) => e.item) }) : [];
  const shown = picks.map((it) => it.id);
  const withShown = (o) => ({ ...o, exclude: [...(o.exclude || []), ...shown] });
  // The list gets the controls; "Next up" is the sequence model alone (with the filters),
  // and only once there is a history for it to continue.
  const recs = await rec.recommend(withShown({ k: 10, ...options, ...ctx.controlOptions() }));
  const next = rec.models.sasrec && !empty
    ? await rec.recommend({ k: 5, reasons: 2, ...options, model: 'sasrec', exclude: [...(options.exclude || []), ...shown, ...recs.map((r) => r.id)] })
    : [];
  ctx.lastRecs = recs;

  const parts = [];
  if (onboarding) {
    parts.push(h('section', { class: 'onboarding', 'aria-labelledby': 'onb-h' },
      h('h2', { id: 'onb-h' }, ctx.events.length ? t('onboardingMore') : t('onboardingStart')),
      h('p', {}, t('onboardingIntro')),
      h('ul', { class: 'grid' }, picks.map((it) => h('li', {}, itemCard(ctx, it, {
        prefix: 'onb',
        extra: [reasonLine(reasonOf(ctx, it), 'because popular-in')],
      }))))));
  }
  parts.push(controlsPanel(ctx));
  parts.push(h('section', { 'aria-labelledby': 'recs-h' },
    h('h2', { id: 'recs-h', tabindex: '-1' }, empty ? t('recsPopular') : t('recsTop')),
    empty ? h('p', { class: 'note', id: 'recs-why' }, t('recsWhyPopular')) : null,
    recs.length
      ? h('ol', { class: 'grid recs', id: 'recs' }, recs.map((r, i) => recCard(ctx, r, i, 'rec')))
      : h('p', {}, t('recsNone'))));
  if (next.length) {
    parts.push(h('section', { 'aria-labelledby': 'next-h' },
      h('h2', { id: 'next-h' }, t('nextUp')),
      h('p', { class: 'note' }, t('nextNote')),
      h('ol', { class: 'grid next', id: 'next' }, next.map((r, i) => recCard(ctx, r, i, 'next')))));
  }
  view.replaceChildren(...parts);
}
