// What a tag is (a genre, a mood, a series or anything else) comes from the bundle
// (rec.tagKinds), so it holds in any language. Only without kinds (an older library, or a
// bundle whose tags are all 'other') does the page fall back to the old guess from the
// spelling: capitalised tags are genres (as in MovieLens), the rest moods.
import { bdi } from './dom.js';
import { listParts } from './i18n/index.js';

const known = new WeakMap();  // rec -> its kinds, or null when it has none worth the name

function kindsOf(rec) {
  if (!known.has(rec)) {
    const kinds = rec.tagKinds;
    known.set(rec, kinds && Object.values(kinds).some((k) => k !== 'other') ? kinds : null);
  }
  return known.get(rec);
}

/** @returns {'genre' | 'mood' | 'series' | 'other'} */
export function tagKind(ctx, tag) {
  const kinds = kindsOf(ctx.rec);
  if (kinds) return kinds[tag] ?? 'other';
  return tag.length > 0 && tag[0] !== tag[0].toLowerCase() ? 'genre' : 'mood';
}

/** The tags among `tags` of one kind, in their order. */
export function tagsOfKind(ctx, tags, kind) {
  return tags.filter((t) => tagKind(ctx, t) === kind);
}

/** A tag as shown on a card: text from the data, isolated. */
export function tagChip(tag) {
  return bdi(tag, 'tag');
}

/** Tags in a sentence: each its own isolated element, joined as the language lists things. */
export function tagList(tags) {
  return listParts(tags.map((t) => bdi(t, 'tag-ref')));
}

/** Titles in a sentence, the same way: "A and B", "A和B". */
export function titleList(titles) {
  return listParts(titles.map((t) => bdi(t, 'title-ref')));
}
