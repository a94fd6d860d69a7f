// The wasm module, loaded through the web library, against the native CLI on the same
// bundles and histories: same top-k ids, same scores and reasons (within 1e-4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecommender, HearthError } from '../../web/src/index.js';
import { hearth, trainedBundle, sampleHistories } from './helpers.mjs';

const close = (a, b, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

const expectedModels = {
  als: { mf: 'implicit', sasrec: false, hybridWeight: null },
  bmf: { mf: 'explicit', sasrec: false, hybridWeight: null },
  sasrec: { mf: null, sasrec: true, hybridWeight: null },
};

for (const model of ['als', 'bmf', 'sasrec', 'hybrid']) {
  test(`wasm and native agree on ${model} recommendations and reasons`, async () => {
    const { dir, bundle } = trainedBundle(model);
    const rec = await createRecommender({ bundle });
    try {
      if (model === 'hybrid') {
        assert.equal(rec.models.mf, 'implicit');
        assert.equal(rec.models.sasrec, true);
        assert.ok(rec.models.hybridWeight >= 0 && rec.models.hybridWeight <= 1);
      } else {
        assert.deepEqual(rec.models, expectedModels[model]);
      }
      const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 6);
      histories.push(histories[0].slice(0, 1));  // a one-item history
      for (const history of histories) {
        const text = history.map((h) => `${h.id}:${h.value}`).join(',');
        const native = JSON.parse(hearth('recommend', '--bundle', bundle, '--history', text, '--k', '10', '--json')).items;
        const wasm = await rec.recommend(history, { k: 10 });
        assert.deepEqual(wasm.map((r) => r.id), native.map((r) => r.id));
        for (let i = 0; i < wasm.length; i++) {
          assert.ok(close(wasm[i].score, native[i].score), `score ${wasm[i].score} vs ${native[i].score}`);
          assert.ok(close(wasm[i].base, native[i].base));
          assert.deepEqual(wasm[i].because.map((b) => b.id), native[i].because.map((b) => b.id));
          wasm[i].because.forEach((b, j) => assert.ok(close(b.weight, native[i].because[j].weight)));
          assert.equal(typeof wasm[i].title, 'string');
        }
        const seen = new Set(history.map((h) => h.id));
        assert.ok(wasm.every((r) => !seen.has(r.id)), 'history items are not recommended');
      }
    } finally {
      rec.dispose();
    }
  });

  test(`${model} explain: reasons are true and match native`, async () => {
    const { dir, bundle } = trainedBundle(model);
    const rec = await createRecommender({ bundle });
    try {
      const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
      const [top] = await rec.recommend(history, { k: 1 });
      const e = await rec.explain(history, top.id);
      assert.ok(close(e.score, top.score, 1e-4));
      if (e.additive) {
        const sum = e.contributions.reduce((s, c) => s + c.weight, e.base);
        assert.ok(close(sum, e.score, 1e-4), `sum ${sum} vs score ${e.score}`);
      }
      assert.equal(e.additive, model === 'als' || model === 'bmf');
      const distinct = new Set(history.map((h) => h.id)).size;
      if (model === 'als' || model === 'bmf') assert.equal(e.contributions.length, distinct);
      else assert.ok(e.contributions.length > 0 && e.contributions.length <= distinct);
      if (model === 'sasrec' || model === 'hybrid') assert.ok(e.attention.length > 0);
      const text = history.map((h) => `${h.id}:${h.value}`).join(',');
      const native = JSON.parse(hearth('explain', '--bundle', bundle, '--history', text, '--item', top.id, '--json'));
      assert.ok(close(e.score, native.score));
      assert.equal(e.model, native.model);
      assert.deepEqual(e.contributions.map((c) => c.id), native.contributions.map((c) => c.id));
      e.contributions.forEach((c, j) => assert.ok(close(c.weight, native.contributions[j].weight)));
    } finally {
      rec.dispose();
    }
  });
}

test('exclude, k and a cold start behave', async () => {
  const { bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle: readFileSync(bundle) });
  try {
    const cold = await rec.recommend([], { k: 5 });
    assert.equal(cold.length, 5);
    assert.ok(cold.every((r) => r.because.length === 0 && r.score === r.base));
    const excluded = await rec.recommend([], { k: 5, exclude: [cold[0].id, cold[2].id] });
    assert.ok(!excluded.some((r) => r.id === cold[0].id || r.id === cold[2].id));
    assert.equal((await rec.recommend([], { k: 0 })).length, 0);
    assert.equal((await rec.recommend([], { k: 100000 })).length, rec.size);
  } finally {
    rec.dispose();
  }
});

test('bad input is rejected with a HearthError that says what and where', async () => {
  const { bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  const known = (await rec.recommend([], { k: 1 }))[0].id;
  await assert.rejects(rec.recommend([known, 'no-such-item']), (e) =>
    e instanceof HearthError && e.code === 'unknown-item' && /history\[1\].*no-such-item/.test(e.message));
  assert.equal((await rec.recommend([known, 'no-such-item'], { ignoreUnknown: true, k: 3 })).length, 3);
  await assert.rejects(rec.recommend([{ id: known, value: NaN }]), (e) => e.code === 'argument' && /history\[0\]/.test(e.message));
  await assert.rejects(rec.recommend([known], { k: -1 }), (e) => e.code === 'argument');
  await assert.rejects(rec.explain([known], 'missing'), (e) => e.code === 'unknown-item');
  rec.dispose();
  await assert.rejects(rec.recommend([known]), (e) => e.code === 'disposed');
  // Ids and titles live in the freed wasm memory: reading them throws too.
  assert.throws(() => rec.item(known), (e) => e.code === 'disposed');
  assert.throws(() => rec.catalog(), (e) => e.code === 'disposed');
  rec.dispose();  // twice is harmless
});

test('a corrupt or truncated bundle rejects with the reader\'s message', async () => {
  const { bundle } = trainedBundle('als');
  const bytes = readFileSync(bundle);
  const flipped = Uint8Array.from(bytes);
  flipped[flipped.length - 9] ^= 0x40;  // inside the last section's payload
  await assert.rejects(createRecommender({ bundle: flipped }), (e) =>
    e instanceof HearthError && e.code === 'bundle' && /checksum/.test(e.message) && /section '/.test(e.message));
  await assert.rejects(createRecommender({ bundle: bytes.subarray(0, 1000) }), (e) =>
    e.code === 'bundle' && /truncated|past the end|bytes/.test(e.message));
  await assert.rejects(createRecommender({ bundle: new TextEncoder().encode('not a bundle at all, just text') }), (e) =>
    e.code === 'bundle' && /magic|header/.test(e.message));
  await assert.rejects(createRecommender({ bundle: '/no/such/file.hearth' }), (e) => e.code === 'io');
});

test('repeated recommend calls do not grow wasm memory', async () => {
  const { dir, bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
  for (let i = 0; i < 50; i++) await rec.recommend(history, { k: 10 });
  const memory = rec._inner._module.HEAPU8.buffer.byteLength;
  for (let i = 0; i < 2000; i++) await rec.recommend(history.slice(0, 1 + (i % history.length)), { k: 10 });
  assert.equal(rec._inner._module.HEAPU8.buffer.byteLength, memory);
  rec.dispose();
});

test('a sequence model reads the history in time order and only its last max_len items', async () => {
  const { dir, bundle } = trainedBundle('sasrec');
  const rec = await createRecommender({ bundle });
  try {
    const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
    const ordered = history.map((h, i) => ({ ...h, ts: 1000 + i }));
    const shuffled = [...ordered].reverse();
    const a = await rec.recommend(ordered, { k: 5 });
    const b = await rec.recommend(shuffled, { k: 5 });
    assert.deepEqual(b.map((r) => [r.id, r.score]), a.map((r) => [r.id, r.score]));
    const reversedWithoutTs = await rec.recommend(history.slice().reverse(), { k: 5 });
    assert.notDeepEqual(reversedWithoutTs.map((r) => r.score), a.map((r) => r.score));
    // The test bundle's max_len is 20: a longer history is read as its last 20 items.
    const long = [...history, ...history, ...history].slice(-45);
    const all = await rec.recommend(long, { k: 5, excludeHistory: false });
    const last = await rec.recommend(long.slice(-20), { k: 5, excludeHistory: false });
    assert.deepEqual(all.map((r) => r.id), last.map((r) => r.id));
    const e = await rec.explain(long, a[0].id);
    assert.ok(e.attention.length <= 20);
  } finally {
    rec.dispose();
  }
});
