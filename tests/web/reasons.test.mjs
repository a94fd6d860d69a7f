// The structured reason of each recommendation (web/src/reasons.js): its rules on hand-made
// cases, and on real bundles against an independent reading of explain()'s contributions,
// the catalog's tag kinds and the history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { historyContext, summarizeReason, namedReasons, RELEVANCE, TASTE_SHARE } from '../../web/src/reasons.js';
import { hearth, sampleHistories } from './helpers.mjs';

// A catalog of 6 items: tags 0 Drama (genre), 1 cozy (mood), 2 Saga (series), 3 misc (other).
const kinds = ['genre', 'mood', 'series', 'other'];
const tagNames = ['Drama', 'cozy', 'Saga', 'misc'];
const itemTags = [[0, 2], [0, 2], [0, 2], [0, 1], [1, 3], [0]];
const describe = (i) => ({ id: `i${i}`, title: `Title ${i}` });
const context = (items) => historyContext(items, (i) => itemTags[i], kinds);
const summary = (item, reasons, extra = {}) => summarizeReason({
  itemTags: itemTags[item], reasons, personal: undefined, isNew: false, popularIn: undefined,
  history: context([]), kinds, tagNames, describe, ...extra,
});

test('reasons: each kind by its rule', () => {
  const r = (i, weight) => ({ ...describe(i), weight });
  // Empty history: popular, with the tag it stands for.
  assert.deepEqual(summary(3, [], { popularIn: 'Drama' }), { kind: 'popular', items: [], tags: ['Drama'] });
  assert.deepEqual(summary(3, []), { kind: 'popular', items: [], tags: [] });
  // Series: part 2 after part 0 and 1 were watched; the newest part first.
  const seen = context([0, 1, 4]);
  assert.deepEqual(summary(2, [r(4, 2)], { history: seen }),
    { kind: 'series', items: [{ ...describe(1), weight: 0 }, { ...describe(0), weight: 0 }], tags: ['Saga'] });
  // Liked: named items only above RELEVANCE of the strongest, strongest first, at most 3.
  const liked = summary(3, [r(4, 0.05), r(0, 6), r(1, 0.65), r(5, 0.7), r(2, -3)], { history: context([0, 1, 4, 5]) });
  assert.equal(liked.kind, 'liked');
  assert.deepEqual(liked.items.map((x) => x.id), ['i0', 'i5', 'i1']);
  assert.ok(liked.items.every((x) => x.weight >= RELEVANCE * 6));
  // Taste (MF): three named items carry under 30% of the history's share, and a genre is shared.
  const diffuse = [r(0, 1), r(1, 1), r(5, 1)];
  const history = context([0, 1, 5, 4]);
  assert.deepEqual(summary(3, diffuse, { history, personal: 3 / TASTE_SHARE + 1 }), { kind: 'taste', items: [], tags: ['Drama'] });
  assert.equal(summary(3, diffuse, { history, personal: 3 / TASTE_SHARE - 1 }).kind, 'liked');
  assert.equal(summary(3, diffuse, { history }).kind, 'liked');  // not additive: no taste
  // Shares only a mood: no genre to name, so the items are named instead.
  assert.equal(summary(4, diffuse, { history, personal: 100 }).kind, 'liked');
  // Nothing positive: popular even with a history.
  assert.equal(summary(3, [r(0, -1)], { history }).kind, 'popular');
  // New: the tags it shares with the history, most frequent first.
  assert.deepEqual(summary(3, [r(0, 1)], { history, isNew: true }), { kind: 'new', items: [], tags: ['Drama', 'cozy'] });
  assert.deepEqual(namedReasons([r(0, 1), r(1, 0.09), r(2, 0.1)]).map((x) => x.id), ['i0', 'i2']);
});

// The synthetic world with its tags given kinds: genres (capitalised), moods and the
// series each "NAME, Part N" title belongs to.
function worldWithKinds() {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-reasons-'));
  hearth('synth', '--out', dir, '--items', '600', '--users', '300', '--seed', '7');
  const lines = readFileSync(join(dir, 'items.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  if (!header.includes('tags')) return { dir, items: join(dir, 'items.csv') };  // synth writes kinds itself
  const quote = (s) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out = ['id,title,genres,moods,series'];
  for (const line of lines.slice(1)) {
    const m = line.match(/^([^,]*),("(?:[^"]|"")*"|[^,]*),(.*)$/);
    const title = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/""/g, '"') : m[2];
    const tags = m[3].split('|').filter(Boolean);
    const series = title.match(/^(.*), Part \d+$/)?.[1] ?? '';
    out.push([m[1], quote(title), tags.filter((t) => /^[A-Z]/.test(t)).join('|'),
      tags.filter((t) => !/^[A-Z]/.test(t)).join('|'), quote(series)].join(','));
  }
  const items = join(dir, 'items-kinds.csv');
  writeFileSync(items, `${out.join('\n')}\n`);
  return { dir, items };
}

test('reasons on real bundles agree with explain(), the tag kinds and the history', async () => {
  const { dir, items } = worldWithKinds();
  const rows = readFileSync(items, 'utf8').trim().split('\n').slice(1);
  const seriesOf = new Map();
  for (const row of rows) {
    const [id] = row.split(',');
    const series = row.match(/,("(?:[^"]|"")*"|[^,]*)$/)[1].replace(/^"|"$/g, '').replace(/""/g, '"');
    if (series) seriesOf.set(id, series);
  }
  for (const model of ['als', 'sasrec']) {
    const bundle = join(dir, `${model}.hearth`);
    const sequence = model === 'sasrec' ? ['--dim', '16', '--max-len', '20', '--epochs', '3'] : ['--factors', '16', '--iterations', '6'];
    hearth('train', '--data', join(dir, 'ratings.csv'), '--items', items, '--model', model, ...sequence, '--out', bundle);
    const rec = await createRecommender({ bundle: readFileSync(bundle), storage: 'memory' });
    try {
      // The kinds the item file gave.
      const kinds = rec.tagKinds;
      assert.ok(Object.keys(kinds).length === rec.tags.length);
      for (const [tag, kind] of Object.entries(kinds)) {
        assert.equal(kind, [...seriesOf.values()].includes(tag) ? 'series' : /^[A-Z]/.test(tag) ? 'genre' : 'mood', tag);
      }
      // A new user: popular, in the tag the onboarding gives.
      for (const r of await rec.recommend([], { k: 8 })) {
        assert.deepEqual(r.reason, { kind: 'popular', items: [], tags: r.popularIn ? [r.popularIn] : [] });
      }
      const counts = new Map();
      for (const history of sampleHistories(join(dir, 'ratings.csv'), readFileSync, 40)) {
        const ids = new Set(history.map((h) => h.id));
        const positive = history.filter((h) => h.value > 0);
        for (const r of await rec.recommend(history, { k: 10 })) {
          counts.set(r.reason.kind, (counts.get(r.reason.kind) || 0) + 1);
          const ex = await rec.explain(history, r.id);
          assert.equal(ex.reason.kind, r.reason.kind, `${r.title}: explain() and recommend() tell one reason`);
          const series = seriesOf.get(r.id);
          const watched = series && positive.some((h) => seriesOf.get(h.id) === series);
          if (watched) {
            assert.equal(r.reason.kind, 'series', `${r.title} continues ${series}`);
            assert.deepEqual(r.reason.tags, [series]);
            assert.ok(r.reason.items.every((x) => ids.has(x.id) && seriesOf.get(x.id) === series));
            continue;
          }
          assert.notEqual(r.reason.kind, 'series');
          if (r.reason.kind === 'liked') {
            assert.ok(r.reason.items.length > 0);
            const strongest = r.because[0].weight;
            assert.ok(r.reason.items.every((x) => x.weight >= RELEVANCE * strongest && ids.has(x.id)));
          }
          if (model === 'als' && (r.reason.kind === 'taste' || r.reason.kind === 'liked')) {
            // Independently: the three largest exact contributions against the whole personal part.
            const top = ex.contributions.map((c) => c.weight).filter((w) => w > 0).sort((a, b) => b - a);
            const named = top.filter((w) => w >= RELEVANCE * top[0]).slice(0, 3).reduce((s, w) => s + w, 0);
            const personal = ex.score - ex.base;
            const sharesGenre = r.tags.some((t) => kinds[t] === 'genre' && history.some((h) => rec.item(h.id).tags.includes(t)));
            assert.equal(r.reason.kind === 'taste', named < TASTE_SHARE * personal && sharesGenre, r.title);
          }
          if (r.reason.kind === 'taste') assert.ok(r.reason.tags.every((t) => kinds[t] === 'genre' && r.tags.includes(t)));
        }
      }
      assert.ok((counts.get('liked') || 0) > 0, `${model}: ${[...counts]}`);
      if (model === 'als') assert.ok((counts.get('taste') || 0) > 0, `als: ${[...counts]}`);
      // A sequence model without reasons gives no first line rather than a wrong one.
      if (model === 'sasrec') {
        const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
        for (const r of await rec.recommend(history, { explain: false })) {
          assert.ok(r.reason === undefined || r.reason.kind === 'series' || r.reason.kind === 'new', r.reason?.kind);
        }
      }
    } finally {
      rec.dispose();
    }
  }
});
