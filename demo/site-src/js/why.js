// The "Why?" panel: the real reasons for one recommendation, from rec.explain(). Each
// history item's signed weight (its exact MF share, or its SASRec leave-one-out
// influence, or the hybrid's blend of the two) is drawn as a bar from a zero line.
import { h, s, fmt } from './dom.js';

const MAX_ROWS = 8;
// A reason is named only when it carries at least this share of the strongest one: a
// +0.009 next to a +6.091 explains nothing.
const RELEVANCE = 0.1;

/** The reasons worth naming: positive, and not negligible beside the strongest. */
export function relevant(reasons) {
  const top = Math.max(0, ...reasons.map((r) => r.weight));
  return reasons.filter((r) => r.weight > 0 && r.weight >= RELEVANCE * top);
}

/** Titles as separate, direction-isolated elements: "A", "A and B", "A, B and C". */
export function titleList(titles) {
  const out = [];
  titles.forEach((t, i) => {
    if (i > 0) out.push(i === titles.length - 1 ? ' and ' : ', ');
    out.push(h('bdi', { class: 'title-ref' }, t));
  });
  return out;
}

/** The first line of a reason, in plain words: "Because you enjoyed A and B". */
export function becauseLine(reasons, fallback) {
  const named = relevant(reasons);
  return named.length
    ? h('p', { class: 'because' }, 'Because you enjoyed ', titleList(named.map((r) => r.title)))
    : h('p', { class: 'because' }, fallback);
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
    case 'diversity': return 'diversity';
    case 'calibration': return '"match my mix"';
    case 'novelty': return '"surprise me"';
    case 'mood': return ctx.state.controls.mood ? `the ${ctx.state.controls.mood} mood` : 'the mood';
    case 'feedback': return 'your "not interested" choices';
    default: return control;
  }
}

function joinWords(words) {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
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
  const by = joinWords(r.controls.map((c) => controlName(ctx, c.control)));
  if (r.modelRank > position) return `Moved up from #${r.modelRank} by ${by}`;
  if (r.modelRank < position) return `Moved down from #${r.modelRank} by ${by}`;
  return `Kept at #${position} by ${by}`;
}

/** The note on a content-placed ("new") item: the tags it shares with what the person liked. */
export function newWords(ctx, item) {
  const liked = new Set(ctx.historyIds.flatMap((id) => ctx.byId.get(id)?.tags || []));
  const shared = item.tags.filter((t) => liked.has(t));
  return shared.length
    ? `New: shares tags with items you liked (${shared.join(', ')})`
    : 'New: placed by its tags, no one has rated it yet';
}

function modelWords(explanation) {
  if (explanation.model === 'mf') return 'Matrix factorisation: each weight is that item\'s exact share of the score (base + weights = score).';
  if (explanation.model === 'sasrec') return 'Sequence model: each weight is how much the score drops when that item is taken out of your history.';
  return 'Hybrid: each weight blends the item\'s exact MF share with its leave-one-out influence in the sequence model, as the scores are blended.';
}

/**
 * Fills `panel` with the explanation of `item` for the stored history.
 * @param {object} ctx app context (rec, byId, controlsActed)
 * @param {{ id: string, title: string, tags: string[], controls?: object[], modelRank?: number, isNew?: boolean }} item
 * @param {number} position its 1-based place in the list
 * @param {HTMLElement} panel
 */
export async function renderWhy(ctx, item, position, panel, model) {
  panel.replaceChildren(h('p', {}, 'Working out the reasons…'));
  const ex = await ctx.rec.explain(item.id, model === 'auto' ? {} : { model });
  // The chart: the history items that moved the score noticeably, up or down.
  const strongest = Math.max(0, ...ex.contributions.map((r) => Math.abs(r.weight)));
  const rows = [...ex.contributions].filter((r) => Math.abs(r.weight) >= RELEVANCE * strongest)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, MAX_ROWS);
  const left = ex.contributions.length - rows.length;
  const scale = Math.max(0, ...rows.map((r) => Math.abs(r.weight)));
  const mine = new Set(item.tags);

  const reasons = rows.length
    ? h('ul', { class: 'reasons', 'aria-label': `History items behind ${item.title}` }, rows.map((r) => {
      const shared = (ctx.byId.get(r.id)?.tags || []).filter((t) => mine.has(t));
      return h('li', { class: 'reason', dataset: { item: r.id } },
        h('bdi', { class: 'rname' }, r.title),
        bar(r.weight, scale),
        h('span', { class: ['rweight', r.weight >= 0 ? 'up' : 'down'] }, `${r.weight >= 0 ? '+' : '−'}${fmt(Math.abs(r.weight))}`),
        shared.length ? h('span', { class: 'rshared' }, `shares ${shared.join(', ')}`) : null);
    }))
    : h('p', {}, item.popularIn
      ? `Nothing in your history drives this one yet: it is among the most popular in ${item.popularIn}.`
      : 'Nothing in your history drives this one: it is here because it is popular with everyone (its base score).');
  const moved = movedWords(ctx, item, position);

  // Tags of this item that also run through the history, with how many history items carry them.
  const counts = new Map();
  for (const id of ctx.historyIds) for (const t of ctx.byId.get(id)?.tags || []) if (mine.has(t)) counts.set(t, (counts.get(t) || 0) + 1);
  const shared = [...counts].sort((a, b) => b[1] - a[1]);

  // replaceChildren() would show a null as the text "null": leave the absent parts out.
  panel.replaceChildren(...[
    h('h4', {}, 'Why ', h('bdi', {}, item.title), '?'),
    becauseLine(ex.contributions, item.popularIn ? `Popular in ${item.popularIn}` : 'Popular with everyone'),
    reasons,
    left > 0 ? h('p', { class: 'note' }, `${left} more history item${left > 1 ? 's' : ''} changed the score too little to show.`) : null,
    item.isNew ? h('p', { class: 'new-note' }, newWords(ctx, item),
      '. No one has interacted with it yet, so the model placed it from its tags.') : null,
    h('h5', {}, 'Re-ranking'),
    h('p', { class: 'moved' }, moved
      ? `${moved}. By score alone it would be #${item.modelRank}.`
      : item.popularIn
        ? `Picked for a first screen that covers the genres and moods (#${item.modelRank} by popularity alone).`
        : `#${item.modelRank ?? position} by the model's score alone: no control moved it.`),
    h('h5', {}, 'Shared tags'),
    shared.length
      ? h('p', { class: 'tags' }, shared.map(([t, n]) => h('span', { class: 'tag' }, `${t} (${n} in your history)`)))
      : h('p', {}, 'None of its tags appear in your history.'),
    h('h5', {}, 'Controls that acted'),
    h('ul', { class: 'controls-acted' }, ctx.controlsActed().map((c) => h('li', {}, c))),
    h('details', { class: 'how' },
      h('summary', {}, 'How was this computed?'),
      h('p', { class: 'note' }, modelWords(ex)),
      h('p', { class: 'note' }, `Model ${ex.model}: score ${fmt(ex.score)}, base ${fmt(ex.base)}` +
        (item.modelRank ? `, #${item.modelRank} by score alone.` : '.')),
      ex.attention?.length ? h('p', { class: 'note' },
        'The sequence model\'s attention is also available, but attention is not an explanation, so it is not shown as one.') : null),
  ].filter(Boolean));
}
