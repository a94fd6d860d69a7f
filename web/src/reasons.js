// The first line of a recommendation's "why", as a structure: what kind of reason, which
// history items and which tags. The library decides what is true; a page words it in its
// own language (see web/README.md, "Reasons in plain words").
//
// Kinds, in the order they are tried:
//   new      placed by its tags alone (no one has interacted with it): tags it shares with the history
//   series   it belongs to a series (a tag of kind 'series') the history already has parts of
//   popular  nothing in the history drives it (or there is no history): tags = [popularIn] if any
//   taste    MF only: the named items carry under 30% of the history's share of the score, so the
//            whole history (a taste) drives it; tags = the genres it shares with the history
//   liked    the history items that drove it, strongest first

/** A reason is named only when it carries at least this share of the strongest one. */
export const RELEVANCE = 0.1;
/** Below this share of the history's part of an MF score, the named items do not explain it. */
export const TASTE_SHARE = 0.3;
const MAX_ITEMS = 3;
const MAX_TAGS = 2;

/**
 * What the history holds, once per call: the tag counts over its items and, per series
 * tag, its items newest first.
 * @param {number[]} historyItems item indices, oldest first
 * @param {(i: number) => number[]} tagsOf tag indices of an item
 * @param {string[]} kinds kind of each tag index
 */
export function historyContext(historyItems, tagsOf, kinds) {
  const tagCounts = new Map();
  const series = new Map();
  for (let j = historyItems.length - 1; j >= 0; j--) {
    const i = historyItems[j];
    for (const t of tagsOf(i)) {
      tagCounts.set(t, (tagCounts.get(t) || 0) + 1);
      if (kinds[t] === 'series') {
        const list = series.get(t) || [];
        if (!list.includes(i)) list.push(i);
        series.set(t, list);
      }
    }
  }
  return { size: historyItems.length, tagCounts, series };
}

/** Positive reasons worth naming: at least RELEVANCE of the strongest, strongest first. */
export function namedReasons(reasons) {
  const positive = reasons.filter((r) => r.weight > 0).sort((a, b) => b.weight - a.weight);
  const top = positive.length ? positive[0].weight : 0;
  return positive.filter((r) => r.weight >= RELEVANCE * top);
}

/**
 * @param {object} a
 * @param {number[]} a.itemTags tag indices of the recommended item
 * @param {{ id: string, title: string, weight: number }[]} a.reasons the history items' weights
 * @param {number | undefined} a.personal MF: score - base (the sum of every history item's share); else undefined
 * @param {boolean} a.isNew
 * @param {string | undefined} a.popularIn
 * @param {ReturnType<typeof historyContext>} a.history
 * @param {string[]} a.kinds kind of each tag index
 * @param {string[]} a.tagNames
 * @param {(i: number) => { id: string, title: string }} a.describe
 * @returns {{ kind: 'new' | 'series' | 'popular' | 'taste' | 'liked', items: { id: string, title: string, weight: number }[], tags: string[] }}
 */
export function summarizeReason(a) {
  const { history, kinds, tagNames } = a;
  const shared = a.itemTags.filter((t) => history.tagCounts.has(t))
    .sort((x, y) => history.tagCounts.get(y) - history.tagCounts.get(x) || x - y);
  if (a.isNew) return { kind: 'new', items: [], tags: shared.slice(0, MAX_TAGS).map((t) => tagNames[t]) };

  const seriesTag = a.itemTags.find((t) => kinds[t] === 'series' && history.series.has(t));
  if (seriesTag !== undefined) {
    const weightOf = new Map(a.reasons.map((r) => [r.id, r.weight]));
    const items = history.series.get(seriesTag).slice(0, MAX_ITEMS).map((i) => {
      const d = a.describe(i);
      return { id: d.id, title: d.title, weight: weightOf.get(d.id) ?? 0 };
    });
    return { kind: 'series', items, tags: [tagNames[seriesTag]] };
  }

  const named = history.size > 0 ? namedReasons(a.reasons) : [];
  if (named.length === 0) return { kind: 'popular', items: [], tags: a.popularIn ? [a.popularIn] : [] };

  const genres = shared.filter((t) => kinds[t] === 'genre');
  const carried = named.slice(0, MAX_ITEMS).reduce((sum, r) => sum + r.weight, 0);
  if (a.personal !== undefined && a.personal > 0 && carried < TASTE_SHARE * a.personal && genres.length > 0) {
    return { kind: 'taste', items: [], tags: genres.slice(0, MAX_TAGS).map((t) => tagNames[t]) };
  }
  return { kind: 'liked', items: named.slice(0, MAX_ITEMS), tags: [] };
}
