// rec.privacy on real bundles: what `hearth train --dp-epsilon` wrote, read back through the
// library, and worded by `hearth inspect`; a bundle that says nothing or claims privacy
// without numbers is not private.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecommender, privacyOf } from '../../web/src/index.js';
import { hearth, trainedBundle } from './helpers.mjs';

test('a private bundle states its guarantee; rec.privacy reads it; a plain one says it is not private', async () => {
  const { dir } = trainedBundle('als');
  const out = mkdtempSync(join(tmpdir(), 'hearth-privacy-'));
  const privateBundle = join(out, 'private.hearth');
  hearth('train', '--data', join(dir, 'ratings.csv'), '--items', join(dir, 'items.csv'),
    '--dp-epsilon', '4', '--dp-max-items', '10', '--out', privateBundle);

  const rec = await createRecommender({ bundle: readFileSync(privateBundle), storage: 'memory' });
  try {
    const p = rec.privacy;
    assert.equal(p.private, true);
    assert.equal(p.unit, 'user');
    assert.equal(p.epsilon, rec.meta.privacy.epsilon);
    assert.ok(p.epsilon <= 4 && p.epsilon > 3.99, `epsilon ${p.epsilon}`);
    assert.ok(p.delta > 0 && p.delta <= 1 / 300 / 10 + 1e-12, `delta ${p.delta} for 300 users`);
    assert.equal(p.maxItemsPerUser, 10);
    assert.equal(p.minItemUsers, 15, 'items trained by a noisy count, by default');
    assert.deepEqual(p.notCovered, ['catalog', 'popularity', 'training_counts', 'training_report', 'floating_point']);
    // It still recommends, from the history alone.
    const history = readFileSync(join(dir, 'ratings.csv'), 'utf8').trim().split('\n').slice(1, 6).map((l) => l.split(',')[1]);
    let ts = 1;
    for (const item of history) await rec.record({ type: 'view', item, ts: ts++ });
    assert.equal((await rec.recommend({ k: 5 })).length, 5);
  } finally {
    rec.dispose();
  }
  assert.match(hearth('inspect', privateBundle), /^privacy: differentially private for each user: epsilon 4, delta [0-9.e-]+; each user counts for at most 10 interactions \(a longer history weighs each item less\)/m);

  const plain = await createRecommender({ bundle: readFileSync(trainedBundle('als').bundle), storage: 'memory' });
  try {
    assert.equal(plain.privacy.private, false);
    assert.equal(plain.privacy.stated, true);
    assert.match(plain.privacy.note, /without differential privacy/);
  } finally {
    plain.dispose();
  }
  assert.match(hearth('inspect', trainedBundle('als').bundle), /^privacy: not private \(trained without differential privacy/m);
});

test('privacyOf never reads a missing or incomplete claim as private', () => {
  assert.deepEqual(privacyOf({}), { private: false, stated: false, note: 'the bundle does not say how it was trained' });
  assert.equal(privacyOf({ privacy: 'yes' }).private, false);
  assert.equal(privacyOf({ privacy: { private: true } }).private, false);
  assert.equal(privacyOf({ privacy: { private: true, epsilon: 1, delta: 2 } }).private, false);
  assert.equal(privacyOf({ privacy: { private: true, epsilon: -1, delta: 1e-6 } }).private, false);
  assert.equal(privacyOf({ privacy: { private: true, epsilon: 1, delta: 1e-6 } }).private, true);
  assert.equal(privacyOf({ privacy: { private: false } }).stated, true);
});
