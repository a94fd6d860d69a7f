// The distributed PyTorch recipe (scripts/torch/train_sasrec.py) on a real dataset: how an
// epoch scales from one worker to two on this machine, what a step communicates, and (with
// --accuracy) a whole training run to compare with the native trainer's accuracy.
//   HEARTH_DATA_DIR=../shared/data node scripts/bench-torch.mjs [--epochs N] [--accuracy] [beauty]
// Needs Debian's PyTorch (scripts/setup --torch). Writes out/bench/torch.json and prints
// Markdown rows for scripts/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dataDir = process.env.HEARTH_DATA_DIR;
if (!dataDir) throw new Error('set HEARTH_DATA_DIR to the benchmark data (../shared/data)');
const args = process.argv.slice(2);
const accuracy = args.includes('--accuracy');
const epochsAt = args.indexOf('--epochs');
const epochs = epochsAt >= 0 ? Number(args[epochsAt + 1]) : 2;
const name = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--epochs') ?? 'beauty';
const files = {
  beauty: 'amazon-seq/Beauty.txt', toys: 'amazon-seq/Toys_and_Games.txt',
  sports: 'amazon-seq/Sports_and_Outdoors.txt', video: 'sasrec-video/Video.txt',
};
if (!files[name]) throw new Error(`unknown dataset ${name}; choose from ${Object.keys(files).join(', ')}`);
// The accuracy table's recipe (scripts/BENCHMARKS.md, "SASRec accuracy").
const recipe = ['--data', join(dataDir, files[name]), '--format', 'seq', '--dim', '64', '--heads', '1',
  '--blocks', '2', '--max-len', '50', '--dropout', '0.5', '--loss', 'ce', '--seed', '42', '--json'];
const cores = 2;

function train(workers, extra, out) {
  const script = 'scripts/torch/train_sasrec.py';
  const argv = workers === 1
    ? [script, '--threads', String(cores), ...recipe, ...extra, '--out', out]
    : ['--standalone', '--nproc_per_node', String(workers), script, '--threads', String(cores / workers),
        ...recipe, ...extra, '--out', out];
  const cmd = workers === 1 ? '/usr/bin/python3' : 'scripts/torch/torchrun';
  console.error(`== ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed with ${r.status}`);
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
}

mkdirSync('out/bench', { recursive: true });
const resultsPath = 'out/bench/torch.json';
const results = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};
const mb = (b) => (b / 1e6).toFixed(2);

if (accuracy) {
  const r = train(2, [], `out/bench/torch-${name}-accuracy`);
  results[`${name}-accuracy`] = r;
  writeFileSync(resultsPath, JSON.stringify(results, null, 1));
  console.log('| dataset | trainer | workers | NDCG@10 | HR@10 | best epoch / epochs | s per epoch | minutes |');
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(`| ${name} | scripts/torch (PyTorch ${r.torch}) | ${r.workers} x ${r.threads_per_worker} threads | ${r.test['ndcg@10'].toFixed(4)} | ${r.test['hr@10'].toFixed(4)} | ${r.best_epoch} / ${r.epochs.length} | ${r.seconds_per_epoch.toFixed(1)} | ${(r.total_seconds / 60).toFixed(1)} |`);
} else {
  const fixed = ['--epochs', String(epochs), '--patience', '0'];
  const one = train(1, fixed, `out/bench/torch-${name}-1`);
  const two = train(2, fixed, `out/bench/torch-${name}-2`);
  results[`${name}-scaling`] = { one, two };
  writeFileSync(resultsPath, JSON.stringify(results, null, 1));
  // The first epoch warms the allocator up; the later ones are the steady state.
  const steady = (r) => {
    const e = r.epochs.slice(1);
    return (e.length ? e : r.epochs).reduce((s, x) => s + x.train_seconds, 0) / Math.max(1, e.length || r.epochs.length);
  };
  console.log('| workers x threads | s per epoch (training) | ms per step | speed-up | all-reduce per step | measured all-reduce (ms) | share of a step |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of [one, two]) {
    const s = steady(r);
    const step = (s / r.steps_per_epoch) * 1000;
    console.log(`| ${r.workers} x ${r.threads_per_worker} | ${s.toFixed(1)} | ${step.toFixed(0)} | ${(steady(one) / s).toFixed(2)}x | ${mb(r.allreduce_bytes_per_step)} MB (${mb(r.ring_bytes_sent_per_worker_per_step)} MB sent per worker) | ${r.allreduce_ms_per_step.toFixed(1)} | ${(100 * r.allreduce_ms_per_step / step).toFixed(1)}% |`);
  }
  console.log(`\n${two.parameters} parameters, ${two.steps_per_epoch} steps of ${two.batch} sequences an epoch, ${two.items} items.`);
}
