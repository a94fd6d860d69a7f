// The re-ranking controls through the web library: the wasm module against the native CLI
// on the same bundle, history and controls (same ids in order, model ranks and control
// names), hard filters that never leak, page-defined moods, option validation, the stored
// not-interested lists as controls, onboarding, and worker parity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecommender, createMemoryAdapter, historyFromEvents, HearthError } from '../../web/src/index.js';
import { hearth, trainedBundle, sampleHistories } from './helpers.mjs';

const close = (a, b, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

// The CLI flags for recommend() options.
function cliArgs(options) {
  const args = [];
  for (const [option, flag] of [['diversity', '--diversity'], ['calibration', '--calibration'], ['novelty', '--novelty'],
    ['moodStrength', '--mood-strength'], ['feedback', '--feedback']]) {
    if (options[option] !== undefined) args.push(flag, String(options[option]));
  }
  if (options.mood !== undefined) args.push('--mood', options.mood);
  if (options.avoid) args.push('--avoid', options.avoid.join(','));
  if (options.avoidTags) args.push('--avoid-tag', options.avoidTags.join(','));
  if (options.blockTags) args.push('--block-tag', options.blockTags.join(','));
  return args;
}

function native(bundle, history, options) {
  const text = history.map((h) => `${h.id}:${h.value}`).join(',');
  return JSON.parse(hearth('recommend', '--bundle', bundle, '--history', text, '--k', String(options.k ?? 10), '--json', ...cliArgs(options))).items;
}

function assertSameAsNative(wasm, cli, what) {
  assert.deepEqual(wasm.map((r) => r.id), cli.map((r) => r.id), `${what}: ids in order`);
  assert.deepEqual(wasm.map((r) => r.modelRank), cli.map((r) => r.model_rank + 1), `${what}: model ranks`);
  assert.deepEqual(wasm.map((r) => r.controls.map((c) => c.control)), cli.map((r) => r.controls), `${what}: controls`);
  assert.deepEqual(wasm.map((r) => r.popularIn ?? null), cli.map((r) => r.popular_in ?? null), `${what}: popular in`);
  wasm.forEach((r, i) => {
    assert.ok(close(r.score, cli[i].score), `${what}: score ${r.score} vs ${cli[i].score}`);
    assert.ok(r.controls.every((c) => c.fromRank === r.modelRank), `${what}: fromRank is the model rank`);
  });
}

/** The control combinations checked against the CLI, for one history. */
function combinations(history, top, tags) {
  const someTag = top[0].tags[0];
  const otherTag = top[1].tags.find((t) => t !== someTag) ?? tags.find((t) => t !== someTag);
  return [
    {},
    { diversity: 0.5 },
    { diversity: 1 },
    { calibration: 0.6 },
    { novelty: 0.5 },
    { mood: 'cozy' },
    { mood: 'dark', moodStrength: 1 },
    { avoid: [top[0].id, top[3].id] },
    { avoid: [top[0].id], feedback: 1 },
    { avoid: [top[0].id], feedback: 0 },
    { avoidTags: [someTag] },
    { blockTags: [someTag, otherTag] },
    { diversity: 0.4, calibration: 0.3, novelty: 0.3, mood: 'thrilling', moodStrength: 0.7, feedback: 0.8,
      avoid: [top[1].id], avoidTags: [otherTag], blockTags: [someTag], k: 15 },
  ];
}

for (const model of ['als', 'hybrid']) {
  test(`wasm and native agree on every control (${model})`, async () => {
    const { dir, bundle } = trainedBundle(model);
    const rec = await createRecommender({ bundle });
    try {
      const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, model === 'als' ? 3 : 2);
      let moved = 0;
      for (const history of histories) {
        const top = await rec.recommend(history, { k: 10 });
        for (const options of combinations(history, top, rec.tags)) {
          const what = `${model} ${JSON.stringify(options)}`;
          const wasm = await rec.recommend(history, options);
          assertSameAsNative(wasm, native(bundle, history, options), what);
          moved += wasm.filter((r) => r.controls.length > 0).length;
        }
      }
      assert.ok(moved > 0, 'the controls moved some items');
      // A new user: the onboarding set, each item standing for a tag.
      for (const options of [{}, { k: 12 }, { diversity: 0.2 }, { blockTags: ['Drama'] }]) {
        const wasm = await rec.recommend([], options);
        assertSameAsNative(wasm, native(bundle, [], options), `${model} onboarding ${JSON.stringify(options)}`);
        assert.ok(wasm.every((r) => typeof r.popularIn === 'string' && r.tags.includes(r.popularIn)), 'popularIn is one of its tags');
        assert.ok(new Set(wasm.map((r) => r.popularIn)).size >= wasm.length / 2, 'spread over the tags');
      }
    } finally {
      rec.dispose();
    }
  });
}

test('hard filters never leak: blocked tags, avoided items, the history', async () => {
  const { dir, bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  try {
    const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 4);
    histories.push([]);
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const history of histories) {
      const top = await rec.recommend(history, { k: 40 });
      for (let round = 0; round < 8; round++) {
        const avoid = top.filter(() => random() < 0.3).map((r) => r.id);
        const blockTags = rec.tags.filter(() => random() < 0.15);
        const options = {
          k: 20, avoid, blockTags, diversity: random(), calibration: random(), novelty: random(),
          mood: rec.moods()[round % rec.moods().length].name, feedback: random(),
        };
        const list = await rec.recommend(history, options);
        const seen = new Set(history.map((h) => h.id));
        for (const r of list) {
          assert.ok(!avoid.includes(r.id), `avoided item ${r.id} shown`);
          assert.ok(!seen.has(r.id), `history item ${r.id} shown`);
          assert.ok(!r.tags.some((t) => blockTags.includes(t)), `${r.id} has a blocked tag (${r.tags})`);
        }
        assert.equal(new Set(list.map((r) => r.id)).size, list.length, 'no duplicates');
      }
    }
  } finally {
    rec.dispose();
  }
});

test('moods: the bundle\'s, by name or as weights; a page-defined mood lifts its tags', async () => {
  const { dir, bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  try {
    const moods = rec.moods();
    const names = moods.map((m) => m.name);
    assert.ok(names.includes('cozy') && names.includes('dark'), `bundle moods: ${names}`);
    // The same list as the bundle's mood.names section, in order.
    const section = hearth('inspect', bundle).match(/mood\.names\s+strings\s+(\d+)/);
    assert.ok(section && Number(section[1]) === moods.length, 'every mood of the bundle is listed');
    for (const m of moods) {
      assert.ok(Object.keys(m.weights).length > 0);
      for (const [tag, w] of Object.entries(m.weights)) assert.ok(rec.tags.includes(tag) && w >= -1 && w <= 1 && w !== 0);
    }
    const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
    // A bundle mood by name equals the same weights given as an object.
    const cozy = moods.find((m) => m.name === 'cozy');
    assert.deepEqual(await rec.recommend(history, { mood: cozy.weights, moodStrength: 0.8 }), await rec.recommend(history, { mood: 'cozy', moodStrength: 0.8 }));
    // A page-defined mood lifts the items with its positive tags.
    const count = (list, tag) => list.filter((r) => r.tags.includes(tag)).length;
    const plain = await rec.recommend(history, { k: 20 });
    const tag = rec.tags.find((t) => count(plain, t) <= 3 && t !== t.toLowerCase()) ?? 'Comedy';
    const lifted = await rec.recommend(history, { k: 20, mood: { [tag]: 1 }, moodStrength: 1 });
    assert.ok(count(lifted, tag) > count(plain, tag), `${tag}: ${count(lifted, tag)} vs ${count(plain, tag)} of 20`);
    assert.ok(lifted.some((r) => r.tags.includes(tag) && r.controls.some((c) => c.control === 'mood' && c.fromRank > 20)), 'mood named as the control that moved them');
    const lowered = await rec.recommend(history, { k: 20, mood: { [plain[0].tags[0]]: -1 }, moodStrength: 1 });
    assert.ok(count(lowered, plain[0].tags[0]) < count(plain, plain[0].tags[0]));
  } finally {
    rec.dispose();
  }
});

test('a page mood on the very first call (empty history, nothing staged yet) is read correctly', async () => {
  const { bundle } = trainedBundle('als');
  const a = await createRecommender({ bundle });
  const b = await createRecommender({ bundle });
  try {
    const mood = { Comedy: 1, Drama: -1 };
    const first = await a.recommend([], { k: 10, mood, moodStrength: 1 });
    await b.recommend(['1001', '1002', '1003'], { k: 3 });  // stages a buffer first
    assert.deepEqual(first, await b.recommend([], { k: 10, mood, moodStrength: 1 }));
    assert.ok(first.filter((r) => r.tags.includes('Comedy')).length > (await a.recommend([], { k: 10 })).filter((r) => r.tags.includes('Comedy')).length);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('createRecommender({ moods }) adds and overrides moods by name; moods() lists them', async () => {
  const { dir, bundle } = trainedBundle('als');
  const page = { cozy: { Comedy: 1, Horror: -1 }, 'date night': { Romance: 1, romantic: 0.8 } };
  const rec = await createRecommender({ bundle, moods: page });
  const plain = await createRecommender({ bundle });
  try {
    const moods = rec.moods();
    assert.deepEqual(moods.find((m) => m.name === 'cozy').weights, page.cozy, 'the page overrides the bundle\'s cozy');
    assert.deepEqual(moods.find((m) => m.name === 'date night').weights, page['date night']);
    assert.equal(moods.length, plain.moods().length + 1);
    assert.ok(plain.moods().find((m) => m.name === 'cozy').weights.cozy > 0, 'the bundle\'s own cozy is untouched elsewhere');
    const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
    assert.deepEqual(await rec.recommend(history, { mood: 'date night', k: 8 }), await plain.recommend(history, { mood: page['date night'], k: 8 }));
    assert.deepEqual(await rec.recommend(history, { mood: 'cozy', k: 8 }), await plain.recommend(history, { mood: page.cozy, k: 8 }));
    assert.deepEqual(await rec.recommend(history, { mood: 'dark', k: 8 }), await plain.recommend(history, { mood: 'dark', k: 8 }));
  } finally {
    await rec.dispose();
    await plain.dispose();
  }
  await assert.rejects(createRecommender({ bundle, moods: { odd: { 'No Such Tag': 1 } } }), (e) =>
    e instanceof HearthError && e.code === 'argument' && /moods\['odd'\].*'No Such Tag' is not a tag/.test(e.message));
  await assert.rejects(createRecommender({ bundle, moods: { odd: { Comedy: 2 } } }), (e) => e.code === 'argument' && /\[-1, 1\]/.test(e.message));
  await assert.rejects(createRecommender({ bundle, moods: [] }), (e) => e.code === 'argument' && /moods/.test(e.message));
});

test('bad controls are rejected with a HearthError naming the option', async () => {
  const { bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  try {
    const [first] = await rec.recommend([], { k: 1 });
    const history = [first.id];
    const cases = [
      [{ diversity: 1.5 }, /^diversity must be a number in \[0, 1\], got 1\.5/],
      [{ diversity: -0.1 }, /^diversity must/],
      [{ calibration: '0.5' }, /^calibration must be a number in \[0, 1\]/],
      [{ novelty: NaN }, /^novelty must be a number in \[0, 1\], got NaN/],
      [{ feedback: 2 }, /^feedback must/],
      [{ mood: 'cozy', moodStrength: 3 }, /^moodStrength must/],
      [{ mood: 'no-such-mood' }, /mood 'no-such-mood' is not a mood of this bundle \(one of 'cozy'/],
      [{ mood: { 'No Such Tag': 1 } }, /^mood: 'No Such Tag' is not a tag of this catalog/],
      [{ mood: { Comedy: 1.5 } }, /^mood: the weight of 'Comedy' must be a number in \[-1, 1\]/],
      [{ mood: 42 }, /^mood must be a mood name or an object/],
      [{ mood: ['cozy'] }, /^mood must be a mood name or an object/],
      [{ avoid: 'x' }, /^avoid must be an array of item ids/],
      [{ avoid: [1] }, /^avoid\[0\] must be a string/],
      [{ avoidTags: ['Nope'] }, /^avoidTags: 'Nope' is not a tag of this catalog/],
      [{ blockTags: 'Comedy' }, /^blockTags must be an array of tag names/],
      [{ blockTags: ['Comedy', 'Nope'] }, /^blockTags: 'Nope' is not a tag of this catalog/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(rec.recommend(history, options), (e) => e instanceof HearthError && e.code === 'argument' && message.test(e.message),
        `${JSON.stringify(options)} should fail with ${message}`);
    }
    // Unknown avoided ids are skipped, as for exclude (a stored list may outlive a catalog).
    assert.deepEqual(await rec.recommend(history, { avoid: ['no-such-item'] }), await rec.recommend(history));
    // A failed call leaves nothing behind: the next one has no controls.
    assert.deepEqual((await rec.recommend(history, { k: 5 })).map((r) => r.controls), [[], [], [], [], []]);
  } finally {
    rec.dispose();
  }
});

test('results keep their fields and gain modelRank, controls, isNew, reason; catalog() marks new items', async () => {
  const { dir, bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  try {
    const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
    const [r] = await rec.recommend(history, { k: 1, diversity: 0.3 });
    assert.deepEqual(Object.keys(r), ['id', 'title', 'tags', 'model', 'score', 'base', 'because', 'modelRank', 'controls', 'isNew', 'reason']);
    const catalog = rec.catalog();
    assert.equal(catalog.length, rec.size);
    assert.ok(catalog.every((c, i) => i === 0 || c.popularity <= catalog[i - 1].popularity), 'most popular first');
    const fresh = catalog.filter((c) => c.isNew);
    const section = hearth('inspect', bundle).match(/content\.items\s+u32\s+(\d+)/);
    assert.equal(fresh.length, section ? Number(section[1]) : 0, 'the content-placed items are new');
    assert.ok(fresh.length > 0, 'the synthetic world has items without interactions');
    // A content-placed item, when recommended, says so.
    const all = await rec.recommend(history, { k: rec.size });
    const newIds = new Set(fresh.map((c) => c.id));
    assert.ok(all.every((x) => x.isNew === newIds.has(x.id)));
  } finally {
    rec.dispose();
  }
});

for (const worker of [false, true]) {
  test(`the stored not-interested lists act as controls; onboarding()${worker ? ' (worker)' : ''}`, async () => {
    const { dir, bundle } = trainedBundle('hybrid');
    const rec = await createRecommender({ bundle, storage: createMemoryAdapter(), worker, moods: { mine: { Comedy: 1 } } });
    try {
      const onboarding = await rec.onboarding({ k: 8 });
      assert.equal(onboarding.length, 8);
      assert.ok(onboarding.every((r) => typeof r.popularIn === 'string'), 'every onboarding item says what it is popular in');
      assert.deepEqual(onboarding, await rec.recommend([], { k: 8 }));

      const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
      let ts = 1000;
      for (const h of history) await rec.record({ type: 'rate', item: h.id, value: h.value, ts: ts++ });
      const given = historyFromEvents(await rec.history(), rec.models);
      const before = await rec.recommend({ k: 10 });
      await rec.notInterested(before[0].id);
      const hidden = before[1].tags[0];
      const less = before[2].tags.find((t) => t !== hidden) ?? before[3].tags.find((t) => t !== hidden);
      await rec.notInterested({ tag: hidden });
      await rec.notInterested({ tag: less, mode: 'less' });
      await rec.notInterested({ tag: 'a tag of another catalog' });
      await rec.record({ type: 'dislike', item: before[4].id, ts: ts++ });
      const stored = await rec.recommend({ k: 10, diversity: 0.3, mood: 'mine' });
      const explicit = await rec.recommend(given, {
        k: 10, diversity: 0.3, mood: { Comedy: 1 }, avoid: [before[0].id], blockTags: [hidden], avoidTags: [less], exclude: [before[4].id],
      });
      assert.deepEqual(stored, explicit, 'items avoided, hidden tags blocked, tags shown less avoided, dislikes excluded');
      assert.ok(!stored.some((r) => r.id === before[0].id || r.id === before[4].id || r.tags.includes(hidden)));
      // Onboarding keeps the stored filters.
      const cold = await rec.onboarding({ k: 10 });
      assert.ok(!cold.some((r) => r.id === before[0].id || r.tags.includes(hidden)));
    } finally {
      await rec.dispose();
    }
  });
}

test('worker mode gives exactly the in-thread results with controls', async () => {
  const { dir, bundle } = trainedBundle('hybrid');
  const moods = { mine: { Comedy: 1, dark: -0.5 } };
  const local = await createRecommender({ bundle, moods });
  const remote = await createRecommender({ bundle, moods, worker: true });
  try {
    assert.deepEqual(remote.moods(), local.moods());
    assert.deepEqual(remote.tags, local.tags);
    assert.deepEqual(remote.catalog(), local.catalog());
    const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 3);
    histories.push([]);
    for (const history of histories) {
      const top = await local.recommend(history, { k: 10 });
      for (const options of [...combinations(history, top, local.tags), { mood: 'mine', k: 7 }, { mood: { Drama: 0.5 }, model: 'mf' }]) {
        assert.deepEqual(await remote.recommend(history, options), await local.recommend(history, options), JSON.stringify(options));
      }
    }
    assert.deepEqual(await remote.onboarding({ k: 6 }), await local.onboarding({ k: 6 }));
    await assert.rejects(remote.recommend([], { diversity: 9 }), (e) => e instanceof HearthError && e.code === 'argument' && /^diversity/.test(e.message));
    await assert.rejects(remote.recommend([], { blockTags: ['Nope'] }), (e) => e.code === 'argument' && /blockTags/.test(e.message));
  } finally {
    await local.dispose();
    await remote.dispose();
  }
});

test('controls do not grow wasm memory over many calls', async () => {
  const { dir, bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  try {
    const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
    const top = await rec.recommend(history, { k: 30 });
    const options = (i) => ({
      k: 10, diversity: (i % 5) / 5, calibration: (i % 3) / 3, novelty: (i % 4) / 4, feedback: (i % 2) / 2,
      mood: i % 2 ? rec.moods()[i % rec.moods().length].name : { Comedy: (i % 7) / 7 },
      avoid: top.slice(0, i % 6).map((r) => r.id), avoidTags: rec.tags.slice(0, i % 3), blockTags: rec.tags.slice(3, 3 + (i % 2)),
    });
    for (let i = 0; i < 60; i++) await rec.recommend(history.slice(0, 1 + (i % history.length)), options(i));
    const memory = rec._inner._module.HEAPU8.buffer.byteLength;
    for (let i = 0; i < 1500; i++) await rec.recommend(i % 10 ? history.slice(0, 1 + (i % history.length)) : [], options(i));
    assert.equal(rec._inner._module.HEAPU8.buffer.byteLength, memory);
  } finally {
    rec.dispose();
  }
});
