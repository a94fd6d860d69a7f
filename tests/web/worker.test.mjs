// Worker mode: the same answers as in-thread scoring, errors with their codes, catalog
// getters served locally, and dispose() stopping the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecommender, HearthError } from '../../web/src/index.js';
import { createWorkerRecommender } from '../../web/src/worker-client.js';
import { trainedBundle, sampleHistories } from './helpers.mjs';

for (const model of ['als', 'hybrid']) {
  test(`worker mode gives exactly the in-thread results (${model})`, async () => {
    const { dir, bundle } = trainedBundle(model);
    const local = await createRecommender({ bundle });
    const remote = await createWorkerRecommender({ bundle, worker: true });
    try {
      assert.deepEqual(remote.meta, local.meta);
      assert.deepEqual(remote.models, local.models);
      assert.equal(remote.size, local.size);
      assert.deepEqual(remote.moods(), local.moods());
      assert.deepEqual(remote.catalog(), local.catalog());
      const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 5);
      histories.push([], histories[0].slice(0, 1), histories[1].map((h, i) => ({ ...h, ts: 100 - i })));
      for (const history of histories) {
        for (const options of [{}, { k: 7, reasons: 2, model: 'mf' }, { k: 3, exclude: ['1140'], excludeHistory: false },
          { k: 6, diversity: 0.5, calibration: 0.3, novelty: 0.2, mood: 'cozy', blockTags: ['Horror'], avoidTags: ['dark'] }]) {
          if (options.model === 'mf' && !local.models.mf) continue;
          assert.deepEqual(await remote.recommend(history, options), await local.recommend(history, options));
        }
        const [top] = await local.recommend(history, { k: 1 });
        assert.deepEqual(await remote.explain(history, top.id), await local.explain(history, top.id));
        assert.deepEqual(remote.item(top.id), local.item(top.id));
      }
      assert.equal(remote.item('no-such-item'), undefined);
      // Calls overlap: replies are matched to requests by id, not by order.
      const [a, b, c] = histories;
      const parallel = await Promise.all([remote.recommend(a), remote.recommend(b), remote.explain(c, local.item(local._inner._ids.at(0)).id)]);
      assert.deepEqual(parallel, [await local.recommend(a), await local.recommend(b), await local.explain(c, local._inner._ids.at(0))]);
    } finally {
      local.dispose();
      await remote.dispose();
    }
  });
}

test('worker errors arrive as HearthError with the same codes', async () => {
  const { bundle } = trainedBundle('als');
  const remote = await createWorkerRecommender({ bundle, worker: true });
  try {
    await assert.rejects(remote.recommend(['no-such-item']), (e) =>
      e instanceof HearthError && e.code === 'unknown-item' && /history\[0\].*no-such-item/.test(e.message));
    await assert.rejects(remote.recommend([], { k: -1 }), (e) => e instanceof HearthError && e.code === 'argument');
    await assert.rejects(remote.recommend([], { model: 'sasrec' }), (e) => e instanceof HearthError && typeof e.code === 'string');
    await assert.rejects(remote.explain([], 'missing'), (e) => e.code === 'unknown-item');
    await assert.rejects(remote.recommend([() => 1]), (e) => e.code === 'argument' && /worker/.test(e.message));
    // Bad entries are the caller's mistake in a worker too, not 'internal'.
    await assert.rejects(remote.recommend([null]), (e) => e instanceof HearthError && e.code === 'argument' && /history\[0\]/.test(e.message));
    await assert.rejects(remote.recommend([], { exclude: [5] }), (e) => e.code === 'argument' && /exclude\[0\]/.test(e.message));
    assert.equal((await remote.recommend([], { k: 2 })).length, 2, 'the worker still serves after errors');
  } finally {
    await remote.dispose();
  }
  await assert.rejects(createWorkerRecommender({ bundle: new TextEncoder().encode('not a bundle'), worker: true }), (e) =>
    e instanceof HearthError && e.code === 'bundle');
  const truncated = readFileSync(bundle).subarray(0, 1000);  // passes the header check, fails in wasm
  await assert.rejects(createWorkerRecommender({ bundle: truncated, worker: true }), (e) => e instanceof HearthError && e.code === 'bundle');
});

test('dispose stops the worker and later calls reject as disposed', async () => {
  const { bundle } = trainedBundle('als');
  const remote = await createWorkerRecommender({ bundle, worker: true });
  const { _channel: channel } = remote;
  const id = remote.catalog()[0].id;
  assert.equal(remote.item(id).id, id);
  const pending = assert.rejects(remote.recommend([], { k: 5 }), (e) => e.code === 'disposed');
  const done = remote.dispose();
  assert.equal(remote.dispose(), done, 'dispose twice is harmless');
  await done;
  await pending;
  await assert.rejects(remote.recommend([]), (e) => e instanceof HearthError && e.code === 'disposed');
  // As in the page's own thread: after dispose() the catalog is gone too.
  assert.throws(() => remote.item(id), (e) => e instanceof HearthError && e.code === 'disposed');
  assert.throws(() => remote.catalog(), (e) => e instanceof HearthError && e.code === 'disposed');
  assert.ok(channel.stopped(), 'the worker thread has exited');
});

test('the caller\'s buffer is copied to the worker, not taken', async () => {
  const bytes = new Uint8Array(readFileSync(trainedBundle('als').bundle));
  const remote = await createWorkerRecommender({ bundle: bytes, worker: true });
  assert.ok(bytes.byteLength > 0 && bytes[0] === 0x48, 'still readable after the worker started');
  await remote.dispose();
});
