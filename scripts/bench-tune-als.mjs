// ALS with its defaults against `--tune` (factors, reg, alpha chosen on each user's
// second-to-last event), leave-last-out test metrics per dataset:
//   HEARTH_DATA_DIR=../shared/data node scripts/bench-tune-als.mjs [ml beauty toys sports video]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const hearth = process.env.HEARTH_CLI ?? 'build/native/bin/hearth';
const dataDir = process.env.HEARTH_DATA_DIR;
if (!dataDir) throw new Error('set HEARTH_DATA_DIR to the benchmark data folder');
const datasets = {
  ml: 'ml-latest-small',
  beauty: 'amazon-seq/Beauty.txt',
  toys: 'amazon-seq/Toys_and_Games.txt',
  sports: 'amazon-seq/Sports_and_Outdoors.txt',
  video: 'sasrec-video/Video.txt',
};
const picked = process.argv.slice(2);
const names = picked.length ? picked : Object.keys(datasets);
mkdirSync('out/bench', { recursive: true });

const rows = [];
for (const name of names) {
  if (!datasets[name]) throw new Error(`unknown dataset ${name}; choose from ${Object.keys(datasets).join(', ')}`);
  const run = (extra) => {
    const started = Date.now();
    const out = execFileSync(hearth, ['eval', '--data', join(dataDir, datasets[name]), '--model', 'als', ...extra, '--json'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
    return { seconds: (Date.now() - started) / 1000, ...JSON.parse(out) };
  };
  rows.push({ name, base: run([]), tuned: run(['--tune']) });
  writeFileSync('out/bench/als-tune.json', JSON.stringify(rows, null, 2));
}

const f = (x) => x.toFixed(4);
console.log('| dataset | default (64 factors, reg 0.1, alpha 1) NDCG@10 / HR@10 | chosen by --tune | its NDCG@10 / HR@10 | change | trials | time (s) |');
console.log('|---|---|---|---|---|---|---|');
for (const { name, base, tuned } of rows) {
  const t = tuned.tuning;
  const c = t.trials[t.chosen_trial - 1];
  const change = ((tuned.metrics['ndcg@10'] / base.metrics['ndcg@10'] - 1) * 100).toFixed(1);
  console.log(`| ${name} | ${f(base.metrics['ndcg@10'])} / ${f(base.metrics['hr@10'])} | ${t.chosen_trial === 1 ? 'the default' : `${c.factors} factors, reg ${c.reg}, alpha ${c.alpha}`} | ${f(tuned.metrics['ndcg@10'])} / ${f(tuned.metrics['hr@10'])} | ${change >= 0 ? '+' : ''}${change}% | ${t.trials.length} | ${tuned.seconds.toFixed(0)} |`);
}
