// The distributed PyTorch recipe end to end: two gloo workers train SASRec on a synthetic log
// (scripts/torch/train_sasrec.py under torchrun), `hearth import` makes the bundle, and its
// recommendations in wasm match PyTorch's own forward (scripts/torch/recommend.py).
// Needs Debian's PyTorch (`scripts/setup --torch`); skipped without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecommender } from '../../web/src/index.js';
import { hearth, sampleHistories } from './helpers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const python = '/usr/bin/python3';  // Debian's, where python3-torch installs
// Debian 12's torchrun fails on its own defaults; scripts/torch/torchrun is it, mended.
const torchrun = join(root, 'scripts/torch/torchrun');
const hasTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const skip = hasTorch ? false : 'python3-torch is not installed (scripts/setup --torch installs it)';

function run(cmd, args) {
  // A hung worker fails the test instead of holding the suite.
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL',
    env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

test('two gloo workers train, hearth import converts, wasm recommends what PyTorch does', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-torch-'));
  hearth('synth', '--out', dir, '--items', '300', '--users', '200', '--seed', '11');
  const out = join(dir, 'model');
  const report = JSON.parse(run(torchrun, ['--standalone', '--nproc_per_node', '2',
    'scripts/torch/train_sasrec.py', '--data', join(dir, 'ratings.csv'), '--out', out,
    '--dim', '16', '--heads', '2', '--max-len', '12', '--epochs', '3', '--batch', '64',
    '--threads', '1', '--json']).trim().split('\n').pop());
  assert.equal(report.workers, 2);
  assert.equal(report.backend, 'gloo');
  // Each user is read by exactly one worker: the two shares add up to the log's users.
  assert.equal(report.users, 200);
  assert.equal(report.epochs.length, 3);
  assert.ok(report.epochs.every((e) => Number.isFinite(e.loss) && e.loss > 0));
  assert.ok(report.allreduce_bytes_per_step === report.parameters * 4);

  const bundle = join(dir, 'model.hearth');
  hearth('import', '--safetensors', join(out, 'model.safetensors'), '--config', join(out, 'config.json'),
    '--items', join(dir, 'items.csv'), '--data', join(dir, 'ratings.csv'), '--out', bundle);

  // Short (padding in PyTorch's batch) and longer-than-max_len histories.
  const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 6)
    .map((h, i) => h.map((e) => e.id).slice(0, [1, 3, 7, 12, 20, 40][i]));
  writeFileSync(join(dir, 'histories.json'), JSON.stringify(histories));
  const expected = JSON.parse(run(python, ['scripts/torch/recommend.py', '--model', out,
    '--histories', join(dir, 'histories.json'), '--k', '10']));

  const rec = await createRecommender({ bundle: readFileSync(bundle), storage: 'memory' });
  try {
    for (const [i, history] of histories.entries()) {
      const got = await rec.recommend(history, { k: 10 });
      assert.deepEqual(got.map((r) => r.id), expected[i].map((r) => r.id), `history ${i} (${history.length} items)`);
      got.forEach((r, j) => assert.ok(Math.abs(r.score - expected[i][j].score) <= 1e-4 * Math.max(1, Math.abs(r.score)),
        `history ${i} rank ${j}: wasm ${r.score}, PyTorch ${expected[i][j].score}`));
    }
  } finally {
    rec.dispose();
  }
});

test('the recipe names the file and line of a malformed row', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-torch-bad-'));
  writeFileSync(join(dir, 'events.csv'), 'user,item,timestamp\n1,a,10\n1,b,11\n2,c,not-a-time\n');
  const r = spawnSync(python, ['scripts/torch/train_sasrec.py', '--data', join(dir, 'events.csv'), '--out', join(dir, 'm')],
    { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /events\.csv:4: timestamp 'not-a-time' is not a number/);
});

test('the recipe\'s pieces against their references (tests/torch/test_recipe.py)', { skip }, () => {
  const r = spawnSync(python, ['-m', 'unittest', '-v', 'tests/torch/test_recipe.py'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  assert.match(r.stderr, /Ran [1-9]\d* tests?/);
});

test('a run resumed from its checkpoint is the uninterrupted run', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-torch-resume-'));
  hearth('synth', '--out', dir, '--items', '200', '--users', '120', '--seed', '5');
  const train = (out, epochs, checkpoint = []) => run(python, ['scripts/torch/train_sasrec.py',
    '--data', join(dir, 'ratings.csv'), '--out', join(dir, out), '--dim', '16', '--max-len', '10',
    '--epochs', String(epochs), '--patience', '0', '--batch', '32', '--threads', '1', ...checkpoint]);
  train('straight', 3);
  const checkpoint = ['--checkpoint', join(dir, 'run.ckpt')];
  train('cut', 2, checkpoint);
  train('resumed', 3, checkpoint);
  const report = (out) => JSON.parse(readFileSync(join(dir, out, 'report.json'), 'utf8'));
  assert.deepEqual(report('resumed').epochs.map((e) => [e.loss, e.val_ndcg10]),
    report('straight').epochs.map((e) => [e.loss, e.val_ndcg10]));
  assert.equal(report('resumed').epochs.length, 3);
  assert.ok(readFileSync(join(dir, 'resumed', 'model.safetensors')).equals(readFileSync(join(dir, 'straight', 'model.safetensors'))),
    'the resumed run exported other weights');
});

test('the sampled and BCE losses train too, and their bundles import', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-torch-losses-'));
  hearth('synth', '--out', dir, '--items', '200', '--users', '150', '--seed', '9');
  for (const loss of ['sampled', 'bce']) {
    const out = join(dir, loss);
    run(torchrun, ['--standalone', '--nproc_per_node', '2', 'scripts/torch/train_sasrec.py',
      '--data', join(dir, 'ratings.csv'), '--out', out, '--loss', loss, '--negatives', '50',
      '--dim', '16', '--max-len', '10', '--epochs', '4', '--patience', '0', '--dropout', '0',
      '--batch', '32', '--threads', '1']);
    const { epochs } = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.ok(epochs.at(-1).loss < epochs[0].loss, `${loss}: loss ${epochs.map((e) => e.loss.toFixed(3))}`);
    assert.match(hearth('import', '--safetensors', join(out, 'model.safetensors'), '--config', join(out, 'config.json'),
      '--out', join(dir, `${loss}.hearth`)), /SASRec: \d+ items/);
  }
});
