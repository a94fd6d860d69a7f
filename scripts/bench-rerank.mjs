// Sweeps the re-ranking controls with `hearth eval --sweep` and tabulates the trade-off:
// for diversity, calibration and novelty, the largest strength that costs at most 5% of NDCG@10
// (relative to no re-ranking) and what it buys there.
//   node scripts/bench-rerank.mjs [--sasrec] [--candidates N] [--grid LO:HI:STEP] [dataset...]
// Datasets: ml-latest-small (MovieLens genres as tags), beauty (no metadata: the tags are
// 20 k-means clusters of the model's item embeddings). --sasrec adds Beauty with SASRec
// (trains for several minutes). Writes out/bench/rerank.json and
// out/bench/rerank-<dataset>-<control>.{csv,svg}.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dataDir = process.env.HEARTH_DATA_DIR;
if (!dataDir) throw new Error('set HEARTH_DATA_DIR to the benchmark data folder');

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const value = argv[i + 1];
  argv.splice(i, 2);
  return value;
};
const flag = (name) => {
  const i = argv.indexOf(name);
  if (i >= 0) argv.splice(i, 1);
  return i >= 0;
};
const grid = option('--grid', '0:0.9:0.05');
const candidates = option('--candidates', null);
const withSasrec = flag('--sasrec');

const sasrecRecipe = ['--model', 'sasrec', '--dim', '64', '--heads', '1', '--blocks', '2',
  '--max-len', '50', '--loss', 'ce', '--dropout', '0.5'];
const runs = {
  'ml-latest-small': { data: ['--data', join(dataDir, 'ml-latest-small')], model: ['--model', 'als'], label: 'ALS' },
  beauty: { data: ['--data', join(dataDir, 'amazon-seq/Beauty.txt'), '--format', 'seq'], model: ['--model', 'als'], label: 'ALS' },
  'beauty-sasrec': { data: ['--data', join(dataDir, 'amazon-seq/Beauty.txt'), '--format', 'seq'], model: sasrecRecipe, label: 'SASRec' },
};
const names = argv.length ? argv : ['ml-latest-small', 'beauty', ...(withSasrec ? ['beauty-sasrec'] : [])];
// Novelty is swept too: catalog coverage is what a popularity penalty buys.
const controls = ['diversity', 'calibration', 'novelty'];
const maxLoss = 5; // % of NDCG@10
mkdirSync('out/bench', { recursive: true });

// The CSV the CLI wrote, as numbers (NaN for absent metrics).
function readCsv(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const keys = header.split(',');
  return lines.map((line) => {
    const row = {};
    line.split(',').forEach((v, i) => { row[keys[i]] = i === 0 ? v : Number(v); });
    return row;
  });
}

// The lists metrics of `hearth eval --json`: under metrics (MF), or metrics.<model> (SASRec).
const listsOf = (out) => out.metrics.lists ?? out.metrics.sasrec?.lists ?? out.metrics.hybrid?.lists ?? {};

const change = (v, base) => (100 * (v - base)) / Math.abs(base);

const results = [];
for (const name of names) {
  const run = runs[name];
  if (!run) throw new Error(`unknown dataset ${name}; choose from ${Object.keys(runs).join(', ')}`);
  for (const control of controls) {
    const prefix = `out/bench/rerank-${name}-${control}`;
    const args = ['eval', ...run.data, ...run.model, '--sweep', `${control}=${grid}`,
      '--sweep-out', prefix, '--json', ...(candidates ? ['--candidates', candidates] : [])];
    console.error(`== ${name} ${control}: hearth ${args.join(' ')}`);
    const started = Date.now();
    const r = spawnSync('build/native/bin/hearth', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    writeFileSync(`${prefix}.log`, r.stderr);
    if (r.status !== 0) throw new Error(`${name} ${control} failed:\n${r.stderr.slice(-2000)}`);
    const points = readCsv(`${prefix}.csv`);
    const base = points.find((p) => p.strength === 0);
    if (!base) throw new Error(`${prefix}.csv has no strength 0`);
    // The largest strength whose NDCG@10 is at most 5% below strength 0.
    const within = points.filter((p) => change(p.ndcg10, base.ndcg10) >= -maxLoss);
    const best = within.reduce((a, p) => (p.strength > a.strength ? p : a), base);
    const out = JSON.parse(r.stdout);
    results.push({
      dataset: name,
      model: run.label,
      control,
      seconds: (Date.now() - started) / 1000,
      tags: listsOf(out).tags,
      strength: best.strength,
      ndcg: change(best.ndcg10, base.ndcg10),
      ild: change(best.ild, base.ild),
      coverage: change(best.coverage, base.coverage),
      kl: change(best.calibration_kl, base.calibration_kl),
      base,
      at: best,
      points,
    });
  }
}
writeFileSync('out/bench/rerank.json', JSON.stringify({ grid, candidates, maxLoss, results }, null, 2));

const pct = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(1)}%` : 'n/a');
const bar = (r) => {
  if (r.control === 'diversity') {
    const ok = r.ild >= 20 && r.coverage >= 30;
    return `${ok ? 'met' : 'missed'} (ILD +20%, coverage +30%)`;
  }
  if (r.control === 'calibration') return `${r.kl <= -30 ? 'met' : 'missed'} (KL -30%)`;
  return '(no bar)';
};
console.log(`Largest strength with at most ${maxLoss}% NDCG@10 loss (grid ${grid}${candidates ? `, pool ${candidates}` : ''}):\n`);
console.log('| dataset | model | control | strength | NDCG@10 | ILD | coverage@10 | calibration KL | bar |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.dataset} | ${r.model} | ${r.control} | ${r.strength} | ${pct(r.ndcg)} | ${pct(r.ild)} | ${pct(r.coverage)} | ${pct(r.kl)} | ${bar(r)} |`);
}
