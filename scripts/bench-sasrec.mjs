// Trains and evaluates SASRec per dataset with `hearth eval --model sasrec`, then tabulates.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dataDir = process.env.HEARTH_DATA_DIR;
// The recipe (also the CLI defaults where they coincide); see the table in scripts/BENCHMARKS.md.
const recipe = ['--dim', '64', '--heads', '1', '--blocks', '2', '--max-len', '50', '--loss', 'ce'];
const datasets = {
  beauty: { file: 'amazon-seq/Beauty.txt', protocol: 'full', extra: ['--dropout', '0.5'] },
  sports: { file: 'amazon-seq/Sports_and_Outdoors.txt', protocol: 'full', extra: ['--dropout', '0.5'] },
  toys: { file: 'amazon-seq/Toys_and_Games.txt', protocol: 'full', extra: ['--dropout', '0.5'] },
  video: { file: 'sasrec-video/Video.txt', protocol: 'both', extra: ['--dropout', '0.5'] },
};
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(datasets);
mkdirSync('out/bench', { recursive: true });

const rows = [];
for (const name of names) {
  const d = datasets[name];
  if (!d) throw new Error(`unknown dataset ${name}; choose from ${Object.keys(datasets).join(', ')}`);
  const args = ['eval', '--model', 'sasrec', '--data', join(dataDir, d.file), '--format', 'seq',
    ...recipe, ...d.extra, '--protocol', d.protocol, '--json'];
  console.error(`== ${name}: hearth ${args.join(' ')}`);
  const started = Date.now();
  const r = spawnSync('build/native/bin/hearth', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  writeFileSync(`out/bench/sasrec-${name}.log`, r.stderr);
  if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr.slice(-2000)}`);
  const meta = JSON.parse(r.stdout);
  rows.push({ name, minutes: (Date.now() - started) / 60000, meta });
  // After every dataset, so a long run that is stopped keeps what it measured.
  writeFileSync('out/bench/sasrec.json', JSON.stringify(rows, null, 2));
}

const f = (x) => (x === undefined ? '' : x.toFixed(4));
console.log('| dataset | protocol | HR@5 | NDCG@5 | HR@10 | NDCG@10 | HR@20 | NDCG@20 | epochs | time (min) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const { name, minutes, meta } of rows) {
  const epochs = meta.training.curve.length;
  for (const [key, protocol] of [['sasrec', 'full ranking'], ['sasrec_sampled100', '100 sampled negatives']]) {
    const m = meta.metrics[key];
    if (!m) continue;
    console.log(`| ${name} | ${protocol} | ${f(m['hr@5'])} | ${f(m['ndcg@5'])} | ${f(m['hr@10'])} | ${f(m['ndcg@10'])} | ${f(m['hr@20'])} | ${f(m['ndcg@20'])} | ${epochs} | ${minutes.toFixed(1)} |`);
  }
}
