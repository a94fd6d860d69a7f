// int8 catalogs (hearth export --int8): the wasm module and the native CLI score them with
// the same integer kernel, so lists agree exactly and scores to float rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { hearth, trainedBundle, sampleHistories } from './helpers.mjs';

const close = (a, b, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

for (const model of ['als', 'bmf', 'hybrid']) {
  test(`int8 ${model}: wasm and native agree, and the bundle shrinks`, async () => {
    const { dir, bundle } = trainedBundle(model);
    const int8 = join(dir, `${model}-int8.hearth`);
    hearth('export', '--bundle', bundle, '--int8', '--out', int8);
    assert.ok(statSync(int8).size < statSync(bundle).size, 'int8 bundle is smaller');
    assert.match(hearth('inspect', int8), /factors_i8|item_emb_i8/);
    const rec = await createRecommender({ bundle: int8 });
    try {
      const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 5);
      for (const history of histories) {
        const text = history.map((h) => `${h.id}:${h.value}`).join(',');
        for (const extra of [[], ['--diversity', '0.3', '--novelty', '0.2']]) {
          const native = JSON.parse(hearth('recommend', '--bundle', int8, '--history', text, '--k', '10', '--json', ...extra)).items;
          const options = extra.length ? { k: 10, diversity: 0.3, novelty: 0.2 } : { k: 10 };
          const wasm = await rec.recommend(history, options);
          assert.deepEqual(wasm.map((r) => r.id), native.map((r) => r.id));
          wasm.forEach((r, i) => {
            assert.ok(close(r.score, native[i].score), `score ${r.score} vs ${native[i].score}`);
            assert.deepEqual(r.because.map((b) => b.id), native[i].because.map((b) => b.id));
          });
        }
        if (model !== 'hybrid') {
          const [top] = await rec.recommend(history, { k: 1 });
          const e = await rec.explain(history, top.id);
          const sum = e.contributions.reduce((s, c) => s + c.weight, e.base);
          // Additive up to the user vector's int16 rounding in the scoring kernel.
          assert.ok(close(sum, e.score, 2e-3), `sum ${sum} vs score ${e.score}`);
          assert.ok(close(e.score, top.score, 1e-6));
        }
      }
      const [first] = await rec.recommend(histories[0], { k: 1 });
      const similar = await rec.similar(first.id, { k: 5 });
      assert.equal(similar.length, 5);
    } finally {
      rec.dispose();
    }
  });
}
