// Runs `hearth eval` over datasets x models and tabulates the metrics.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const hearth = 'build/native/bin/hearth';
const dataDir = process.env.HEARTH_DATA_DIR;
mkdirSync('out/bench', { recursive: true });
execFileSync(hearth, ['synth', '--out', 'out/bench/synth'], { stdio: 'ignore' });

const datasets = [
  { name: 'synthetic (default world)', args: ['--data', 'out/bench/synth'], models: ['pop', 'als', 'bmf'] },
];
if (dataDir && existsSync(join(dataDir, 'ml-latest-small/ratings.csv'))) {
  datasets.push({ name: 'MovieLens latest-small', args: ['--data', join(dataDir, 'ml-latest-small')], models: ['pop', 'als', 'bmf'] });
}
if (dataDir && existsSync(join(dataDir, 'amazon-seq/Beauty.txt'))) {
  datasets.push({ name: 'Amazon Beauty', args: ['--data', join(dataDir, 'amazon-seq/Beauty.txt')], models: ['pop', 'als'] });
}
if (!dataDir) console.error('HEARTH_DATA_DIR is not set: only the synthetic world is measured');

const results = [];
for (const d of datasets) {
  for (const model of d.models) {
    const started = process.hrtime.bigint();
    const out = execFileSync(hearth, ['eval', ...d.args, '--model', model, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    results.push({ dataset: d.name, model, seconds, ...JSON.parse(out).metrics });
  }
}
writeFileSync('out/bench/eval.json', JSON.stringify(results, null, 2));

const f = (x) => (x === undefined ? '' : x.toFixed(4));
console.log('| dataset | model | users | HR@10 | NDCG@10 | Recall@20 | MRR | coverage@10 | RMSE | time (s) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.dataset} | ${r.model} | ${r.users} | ${f(r['hr@10'])} | ${f(r['ndcg@10'])} | ${f(r['recall@20'])} | ${f(r.mrr)} | ${f(r['coverage@10'])} | ${f(r.rmse)} | ${r.seconds.toFixed(1)} |`);
}
