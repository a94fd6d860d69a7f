// createRecommender with the stored history: events recorded, then used, filtered and
// explained; in-thread and in a worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecommender, createMemoryAdapter, historyFromEvents } from '../../web/src/index.js';
import { trainedBundle, sampleHistories } from './helpers.mjs';

for (const worker of [false, true]) {
  test(`recommend() without a history uses the stored one${worker ? ' (worker)' : ''}`, async () => {
    const { dir, bundle } = trainedBundle('hybrid');
    const rec = await createRecommender({ bundle, storage: createMemoryAdapter(), worker });
    try {
      const [history] = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 1);
      let ts = 1000;
      for (const h of history) await rec.record({ type: 'rate', item: h.id, value: h.value, ts: ts++ });
      const stored = await rec.recommend({ k: 8 });
      const events = await rec.history();
      const given = await rec.recommend(historyFromEvents(events, rec.models), { k: 8 });
      assert.deepEqual(stored.map((r) => r.id), given.map((r) => r.id));

      // Not interested in the top item, a tag of the second, and a dislike of the third.
      await rec.notInterested(stored[0].id);
      const tag = stored[1].tags[0];
      await rec.notInterested({ tag });
      await rec.record({ type: 'dislike', item: stored[2].id, ts: ts++ });
      const after = await rec.recommend({ k: 8 });
      assert.equal(after.length, 8);
      assert.ok(!after.some((r) => r.id === stored[0].id || r.id === stored[2].id));
      assert.ok(!after.some((r) => r.tags.includes(tag)));

      const why = await rec.explain(after[0].id);
      assert.ok(why.contributions.length > 0);
      const like = await rec.similar(after[0].id, { k: 5 });
      assert.equal(like.length, 5);
      assert.ok(like.every((s, i) => s.id !== after[0].id && (i === 0 || s.similarity <= like[i - 1].similarity)));

      await rec.clear();
      assert.equal((await rec.history()).length, 0);
      const cold = await rec.recommend({ k: 3 });
      assert.ok(cold.every((r) => r.because.length === 0));
    } finally {
      await rec.dispose();
    }
  });
}

test('similar() ranks by cosine of the item embeddings', async () => {
  const { bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle });
  try {
    const [first] = await rec.recommend([], { k: 1 });
    const like = await rec.similar(first.id, { k: 3 });
    assert.equal(like.length, 3);
    assert.ok(like[0].similarity <= 1.0001 && like[0].similarity >= like[2].similarity);
    assert.ok(like.every((s) => s.sharedTags.every((t) => first.tags.includes(t))));
    await assert.rejects(rec.similar('nope'), (e) => e.code === 'unknown-item');
  } finally {
    await rec.dispose();
  }
});

test('recording and recommending thousands of times does not grow wasm memory', async () => {
  const { bundle } = trainedBundle('als');
  const rec = await createRecommender({ bundle, storage: createMemoryAdapter(), maxEvents: 1500 });
  try {
    const ids = (await rec.recommend([], { k: 300 })).map((r) => r.id);
    let ts = 1;
    for (let i = 0; i < 1500; i++) await rec.record({ type: 'view', item: ids[i % ids.length], ts: ts++ });
    for (let i = 0; i < 20; i++) await rec.recommend({ k: 10 });
    const memory = rec._inner._module.HEAPU8.buffer.byteLength;
    for (let i = 0; i < 2000; i++) {
      await rec.record({ type: i % 7 ? 'like' : 'skip', item: ids[(i * 13) % ids.length], ts: ts++ });
      await rec.recommend({ k: 10 });
    }
    assert.equal(rec._inner._module.HEAPU8.buffer.byteLength, memory);
    assert.equal((await rec.history()).length, 1500);
  } finally {
    await rec.dispose();
  }
});
