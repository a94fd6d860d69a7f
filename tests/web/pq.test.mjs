// Product-quantized catalogs (hearth export --int8 --pq M): the wasm module and the native
// CLI run the same integer fast scan over the same codes and re-score the same candidates
// with the same int8 kernel, so their lists agree exactly and their scores to float rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { hearth, sampleHistories } from './helpers.mjs';

const close = (a, b, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

// A catalog several times the default candidate count (max(10 k, 500)), so that the scan
// really chooses.
let world = null;
function synthWorld() {
  if (!world) {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-web-pq-'));
    hearth('synth', '--out', dir, '--items', '3000', '--users', '300', '--seed', '5');
    world = dir;
  }
  return world;
}

for (const model of ['als', 'bmf', 'sasrec', 'hybrid']) {
  test(`PQ ${model}: wasm and native give the same lists`, async () => {
    const dir = synthWorld();
    const bundle = join(dir, `${model}.hearth`);
    const sequence = model === 'sasrec' || model === 'hybrid'
      ? ['--dim', '16', '--heads', '2', '--max-len', '20', '--epochs', '2', '--batch', '64']
      : [];
    hearth('train', '--data', join(dir, 'ratings.csv'), '--items', join(dir, 'items.csv'),
      '--model', model, '--factors', '16', '--iterations', '5', ...sequence, '--out', bundle);
    const pq = join(dir, `${model}-pq.hearth`);
    hearth('export', '--bundle', bundle, '--int8', '--pq', '4', '--out', pq);
    assert.ok(statSync(pq).size < statSync(bundle).size, 'the PQ + int8 bundle is smaller than fp32');
    assert.match(hearth('inspect', pq), /pq_codes/);
    const rec = await createRecommender({ bundle: pq });
    try {
      const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 5);
      for (const history of histories) {
        const text = history.map((h) => `${h.id}:${h.value}`).join(',');
        for (const extra of [[], ['--diversity', '0.3', '--novelty', '0.2']]) {
          const native = JSON.parse(hearth('recommend', '--bundle', pq, '--history', text, '--k', '10', '--json', ...extra)).items;
          const options = extra.length ? { k: 10, diversity: 0.3, novelty: 0.2 } : { k: 10 };
          const wasm = await rec.recommend(history, options);
          assert.equal(wasm.length, 10);
          assert.deepEqual(wasm.map((r) => r.id), native.map((r) => r.id));
          wasm.forEach((r, i) => {
            assert.ok(close(r.score, native[i].score), `score ${r.score} vs ${native[i].score}`);
            assert.deepEqual(r.because.map((b) => b.id), native[i].because.map((b) => b.id));
          });
        }
        // An explanation re-scores its item exactly: the score the list showed.
        const [top] = await rec.recommend(history, { k: 1 });
        const e = await rec.explain(history, top.id);
        assert.ok(close(e.score, top.score, 1e-5), `explain ${e.score} vs recommend ${top.score}`);
      }
    } finally {
      rec.dispose();
    }
  });
}
