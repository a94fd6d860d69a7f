// One catalog item as a card with the actions a user can take on it. Every button carries
// a data-key (`action:item`) so that focus can be put back on it, or on the same action of
// the card that takes its place, after the view re-renders.
import { h, bdi } from './dom.js';
import { t } from './i18n/index.js';
import { tagChip } from './tags.js';

const RATINGS = [1, 2, 3, 4, 5];

/** What the user last did with each item, for the card's "you rated 4" line. */
export function lastActions(events) {
  const last = new Map();
  for (const e of events) last.set(e.item, e);
  return last;
}

function describe(event) {
  if (!event) return null;
  if (event.type === 'rate') return t('youRated', { value: event.value });
  if (event.type === 'like') return t('youLiked');
  if (event.type === 'dislike') return t('youDisliked');
  return t('youDid', { event: eventName(event) });
}

/** What one history event was, in a word or two: "rated 4", "liked". */
export function eventName(event) {
  let name;
  try {
    name = t(`event_${event.type}`, { value: event.value ?? '' });
  } catch {
    name = event.type;  // a type this page has no word for (from an imported file)
  }
  return event.value !== undefined && event.type !== 'rate' ? t('eventWithValue', { event: name, value: event.value }) : name;
}

/**
 * @param {object} ctx the app context (act, last)
 * @param {{ id: string, title: string, tags: string[] }} item
 * @param {{ extra?: Node[], heading?: string }} [options]
 */
export function itemCard(ctx, item, options = {}) {
  const headingId = `t-${options.prefix || 'i'}-${item.id}`;
  const last = ctx.last.get(item.id);
  const title = item.title;
  // Stars as buttons in one toolbar: a single tab stop, the arrow keys move between the stars
  // without recording anything, and only Enter, Space or a click records a rating.
  const rated = last?.type === 'rate' ? last.value : 0;
  const stars = RATINGS.map((r) => h('button', {
    type: 'button', class: 'star',
    'aria-label': t('stars', { count: r }),
    'aria-pressed': String(rated === r),
    tabindex: r === (rated || 1) ? '0' : '-1',
    dataset: { key: `rate:${item.id}:${r}` },
    onclick: () => ctx.act({ type: 'rate', item: item.id, value: r }, 'statusRated', { title: bdi(title, 'title-ref'), value: r }),
  }, '★'));
  const rate = h('div', {
    class: 'stars', role: 'toolbar', 'aria-label': t('rateTitle', { title }),
    onkeydown: (e) => {
      const at = stars.indexOf(document.activeElement);
      const to = { ArrowRight: at + 1, ArrowUp: at + 1, ArrowLeft: at - 1, ArrowDown: at - 1, Home: 0, End: stars.length - 1 }[e.key];
      if (at < 0 || to === undefined) return;
      e.preventDefault();
      const next = stars[Math.max(0, Math.min(stars.length - 1, to))];
      for (const star of stars) star.tabIndex = star === next ? 0 : -1;
      next.focus();
    },
  }, stars);
  // Not into a tag: hide every item with it, or just show them less (down-weighted).
  const tagChoices = item.tags.map((tag) => h('div', { class: 'tag-choice', role: 'group', 'aria-label': t('notIntoTag', { tag }) },
    tagChip(tag),
    h('button', {
      type: 'button', class: 'chip',
      dataset: { key: `nitag:${tag}` },
      'aria-label': t('hideTagged', { tag }),
      onclick: () => ctx.notInterested({ tag }, 'statusHideTag', { tag: bdi(tag) }),
    }, t('hide')),
    h('button', {
      type: 'button', class: 'chip',
      dataset: { key: `niless:${tag}` },
      'aria-label': t('showLessTagged', { tag }),
      onclick: () => ctx.notInterested({ tag, mode: 'less' }, 'statusLessTag', { tag: bdi(tag) }),
    }, t('showLess'))));
  return h('article', { class: 'item', 'aria-labelledby': headingId, dataset: { item: item.id } },
    h(options.heading || 'h3', { id: headingId, class: 'title' }, bdi(title)),
    h('p', { class: 'tags' },
      item.isNew ? h('span', { class: 'badge-new', title: t('newBadgeTitle') }, t('newBadge')) : null,
      item.tags.map(tagChip)),
    options.extra || null,
    last ? h('p', { class: 'mine' }, describe(last)) : null,
    h('div', { class: 'actions', role: 'group', 'aria-label': t('actionsFor', { title }) },
      h('button', {
        type: 'button', class: 'like', 'aria-pressed': String(last?.type === 'like'),
        dataset: { key: `like:${item.id}` },
        onclick: () => ctx.act({ type: 'like', item: item.id }, 'statusLiked', { title: bdi(title, 'title-ref') }),
      }, t('like')),
      h('button', {
        type: 'button', class: 'dislike', 'aria-pressed': String(last?.type === 'dislike'),
        dataset: { key: `dislike:${item.id}` },
        onclick: () => ctx.act({ type: 'dislike', item: item.id }, 'statusDisliked', { title: bdi(title, 'title-ref') }),
      }, t('dislike')),
      rate,
      h('button', {
        type: 'button', class: 'quiet',
        dataset: { key: `ni:${item.id}` },
        onclick: () => ctx.notInterested(item.id, 'statusNotInterested', { title: bdi(title, 'title-ref') }),
      }, t('notInterested')),
      item.tags.length ? h('details', { class: 'more' },
        h('summary', {}, t('notIntoATag')),
        h('div', { class: 'chips' }, tagChoices)) : null));
}
