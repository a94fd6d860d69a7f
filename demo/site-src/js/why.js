// Reasons in plain words, and the "Why?" panel: the real reasons for one recommendation,
// from rec.explain(). Each history item's signed weight (its exact MF share, or its SASRec
// leave-one-out influence, or the hybrid's blend of the two) is drawn as a bar from a zero
// line.
import { h, s, bdi } from './dom.js';
import { t, tp, num, listText } from './i18n/index.js';
import { tagChip, tagList, titleList } from './tags.js';

const MAX_ROWS = 8;
// A reason is named only when it carries at least this share of the strongest one: a
// +0.009 next to a +6.091 explains nothing.
const RELEVANCE = 0.1;
const KINDS = new Set(['liked', 'series', 'taste', 'popular', 'new']);

/** The reasons worth naming: positive, and not negligible beside the strongest. */
export function relevant(reasons) {
  const top = Math.max(0, ...reasons.map((r) => r.weight));
  return reasons.filter((r) => r.weight > 0 && r.weight >= RELEVANCE * top);
}

// The tags of an item that also run through the liked part of the history.
function sharedWithLiked(ctx, item) {
  const liked = new Set(ctx.historyIds.flatMap((id) => ctx.byId.get(id)?.tags || []));
  return item.tags.filter((tag) => liked.has(tag));
}

/**
 * The structured reason of a recommendation or explanation: the library's `reason` when it
 * gives one, else the same structure worked out here from `because` (or an explanation's
 * contributions), `popularIn` and `isNew`.
 * @returns {{ kind: 'liked' | 'series' | 'taste' | 'popular' | 'new', items: { id: string, title: string, weight: number }[], tags: string[] }}
 */
export function reasonOf(ctx, item, found = item) {
  if (found.reason && KINDS.has(found.reason.kind)) {
    return { items: [], tags: [], ...found.reason };
  }
  if (item.isNew) return { kind: 'new', items: [], tags: sharedWithLiked(ctx, item) };
  const named = relevant(found.because || found.contributions || []);
  if (named.length) return { kind: 'liked', items: named.map(({ id, title, weight }) => ({ id, title, weight })), tags: [] };
  return { kind: 'popular', items: [], tags: item.popularIn ? [item.popularIn] : [] };
}

/** A reason as a sentence, each title and tag its own isolated element. */
export function reasonWords(reason) {
  const titles = reason.items.map((i) => i.title);
  switch (reason.kind) {
    case 'liked':
      return titles.length ? tp('reasonLiked', { titles: titleList(titles) }) : [t('reasonPopular')];
    case 'series':
      if (reason.tags.length) return tp('reasonSeries', { series: bdi(reason.tags[0], 'title-ref') });
      return titles.length ? tp('reasonSeries', { series: titleList(titles) }) : [t('reasonPopular')];
    case 'taste':
      return reason.tags.length ? tp('reasonTaste', { tags: tagList(reason.tags) }) : [t('reasonTasteAny')];
    case 'new':
      return reason.tags.length ? tp('reasonNew', { tags: tagList(reason.tags) }) : [t('reasonNewNone')];
    default:
      return reason.tags.length ? tp('reasonPopularIn', { tag: tagList(reason.tags) }) : [t('reasonPopular')];
  }
}

/** The first line of a card or a panel: the reason in plain words. */
export function reasonLine(reason, cls = 'because') {
  return h('p', { class: cls, dataset: { kind: reason.kind } }, reasonWords(reason));
}

function bar(weight, scale) {
  const half = 60;
  const len = scale > 0 ? Math.max(1, Math.round((Math.abs(weight) / scale) * half)) : 0;
  const x = weight >= 0 ? half : half - len;
  return s('svg', { class: 'bar', viewBox: '0 0 120 12', width: 120, height: 12, 'aria-hidden': 'true', focusable: 'false' },
    s('line', { x1: half, x2: half, y1: 0, y2: 12, class: 'zero' }),
    s('rect', { x, y: 2, width: len, height: 8, class: weight >= 0 ? 'pos' : 'neg' }));
}

// How each re-ranking control is called on the page.
function controlName(ctx, control) {
  switch (control) {
    case 'diversity': return t('controlDiversity');
    case 'calibration': return t('controlCalibration');
    case 'novelty': return t('controlNovelty');
    case 'mood': return ctx.state.controls.mood ? t('controlMoodNamed', { mood: ctx.state.controls.mood }) : t('controlMood');
    case 'feedback': return t('controlFeedback');
    default: return control;
  }
}

/**
 * "Moved up from #14 by diversity": which controls put a recommendation where it is, or
 * null when it is at its place by score alone.
 * @param {object} ctx
 * @param {{ controls: { control: string, fromRank: number }[], modelRank: number }} r
 * @param {number} position 1-based place in the list
 */
export function movedWords(ctx, r, position) {
  if (!r.controls || r.controls.length === 0) return null;
  const controls = listText(r.controls.map((c) => controlName(ctx, c.control)));
  if (r.modelRank > position) return t('movedUp', { rank: r.modelRank, controls });
  if (r.modelRank < position) return t('movedDown', { rank: r.modelRank, controls });
  return t('keptAt', { rank: position, controls });
}

/** A model's name as the page calls it ('hybrid' -> 'Hybrid'); unknown names as they are. */
export function modelName(name) {
  try {
    return t(`model_${name}`);
  } catch {
    return String(name);
  }
}

function modelWords(explanation) {
  if (explanation.model === 'mf') return t('explainMf');
  if (explanation.model === 'sasrec') return t('explainSasrec');
  return t('explainHybrid');
}

const signed = (w) => `${w >= 0 ? '+' : '−'}${num(Math.abs(w), 3)}`;

/**
 * Fills `panel` with the explanation of `item` for the stored history.
 * @param {object} ctx app context (rec, byId, controlsActed)
 * @param {{ id: string, title: string, tags: string[], controls?: object[], modelRank?: number, isNew?: boolean }} item
 * @param {number} position its 1-based place in the list
 * @param {HTMLElement} panel
 */
export async function renderWhy(ctx, item, position, panel, model) {
  panel.replaceChildren(h('p', {}, t('workingOut')));
  const ex = await ctx.rec.explain(item.id, model === 'auto' ? {} : { model });
  // The chart: the history items that moved the score noticeably, up or down.
  const strongest = Math.max(0, ...ex.contributions.map((r) => Math.abs(r.weight)));
  const rows = [...ex.contributions].filter((r) => Math.abs(r.weight) >= RELEVANCE * strongest)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, MAX_ROWS);
  const left = ex.contributions.length - rows.length;
  const scale = Math.max(0, ...rows.map((r) => Math.abs(r.weight)));
  const mine = new Set(item.tags);

  const reasons = rows.length
    ? h('ul', { class: 'reasons', 'aria-label': t('historyBehind', { title: item.title }) }, rows.map((r) => {
      const shared = (ctx.byId.get(r.id)?.tags || []).filter((tag) => mine.has(tag));
      return h('li', { class: 'reason', dataset: { item: r.id } },
        bdi(r.title, 'rname'),
        bar(r.weight, scale),
        h('span', { class: ['rweight', r.weight >= 0 ? 'up' : 'down'] }, signed(r.weight)),
        shared.length ? h('span', { class: 'rshared' }, tp('sharesTags', { tags: tagList(shared) })) : null);
    }))
    : h('p', {}, item.popularIn
      ? tp('nothingDrivesIn', { tag: bdi(item.popularIn, 'tag-ref') })
      : t('nothingDrives'));
  const moved = movedWords(ctx, item, position);

  // Tags of this item that also run through the history, with how many history items carry them.
  const counts = new Map();
  for (const id of ctx.historyIds) for (const tag of ctx.byId.get(id)?.tags || []) if (mine.has(tag)) counts.set(tag, (counts.get(tag) || 0) + 1);
  const shared = [...counts].sort((a, b) => b[1] - a[1]);
  const reason = reasonOf(ctx, item, { ...ex, because: ex.contributions });

  // replaceChildren() would show a null as the text "null": leave the absent parts out.
  panel.replaceChildren(...[
    h('h4', {}, tp('whyTitle', { title: bdi(item.title, 'title-ref') })),
    reasonLine(reason),
    reasons,
    left > 0 ? h('p', { class: 'note' }, t('tooLittle', { count: left })) : null,
    item.isNew ? h('p', { class: 'new-note' }, t('newNote')) : null,
    h('h5', {}, t('reranking')),
    h('p', { class: 'moved' }, moved
      ? t('movedByScore', { moved, rank: item.modelRank })
      : item.popularIn
        ? t('pickedForFirstScreen', { rank: item.modelRank })
        : t('byScoreAlone', { rank: item.modelRank ?? position })),
    h('h5', {}, t('sharedTags')),
    shared.length
      ? h('p', { class: 'tags' }, shared.map(([tag, n]) => h('span', { class: 'tag' }, tp('tagInHistory', { tag: bdi(tag), count: n }))))
      : h('p', {}, t('noSharedTags')),
    h('h5', {}, t('controlsActed')),
    h('ul', { class: 'controls-acted' }, ctx.controlsActed().map((c) => h('li', {}, c))),
    h('details', { class: 'how' },
      h('summary', {}, t('howComputed')),
      h('p', { class: 'note' }, modelWords(ex)),
      h('p', { class: 'note' }, item.modelRank
        ? t('modelNumbersRank', { model: modelName(ex.model), score: num(ex.score, 3), base: num(ex.base, 3), rank: item.modelRank })
        : t('modelNumbers', { model: modelName(ex.model), score: num(ex.score, 3), base: num(ex.base, 3) })),
      ex.attention?.length ? h('p', { class: 'note' }, t('attentionNote')) : null),
  ].filter(Boolean));
}
