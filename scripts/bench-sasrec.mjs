// Trains and evaluates SASRec per dataset with `hearth eval --model sasrec`, then tabulates.
//   node scripts/bench-sasrec.mjs [beauty toys sports video ml]          the fixed recipe
//   node scripts/bench-sasrec.mjs --tune [ml beauty toys video sports]   the default recipe and --tune
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dataDir = process.env.HEARTH_DATA_DIR;
const hearth = process.env.HEARTH_CLI ?? 'build/native/bin/hearth';
const args = process.argv.slice(2);
const tune = args.includes('--tune');
// The fixed recipe of the accuracy table (scripts/BENCHMARKS.md): the CLI defaults where they
// coincide, with dropout 0.5 written out. --tune runs leave dropout, max_len, lr and weight
// decay to the data's recipe and the search.
const recipe = ['--dim', '64', '--heads', '1', '--blocks', '2', '--loss', 'ce'];
const fixed = tune ? [] : ['--max-len', '50', '--dropout', '0.5'];
const datasets = {
  ml: { file: 'ml-latest-small', protocol: 'full', format: 'auto' },
  beauty: { file: 'amazon-seq/Beauty.txt', protocol: 'full', format: 'seq' },
  toys: { file: 'amazon-seq/Toys_and_Games.txt', protocol: 'full', format: 'seq' },
  sports: { file: 'amazon-seq/Sports_and_Outdoors.txt', protocol: 'full', format: 'seq' },
  video: { file: 'sasrec-video/Video.txt', protocol: tune ? 'full' : 'both', format: 'seq' },
};
const picked = args.filter((a) => !a.startsWith('--'));
const names = picked.length ? picked : tune ? ['ml', 'beauty', 'toys', 'video', 'sports'] : ['beauty', 'toys', 'sports', 'video'];
mkdirSync('out/bench', { recursive: true });
const tag = tune ? 'sasrec-tune' : 'sasrec';

const rows = [];
for (const name of names) {
  const d = datasets[name];
  if (!d) throw new Error(`unknown dataset ${name}; choose from ${Object.keys(datasets).join(', ')}`);
  const argv = ['eval', '--model', 'sasrec', '--data', join(dataDir, d.file), '--format', d.format,
    ...recipe, ...fixed, ...(tune ? ['--tune'] : []), '--protocol', d.protocol, '--json'];
  console.error(`== ${name}: hearth ${argv.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(hearth, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  writeFileSync(`out/bench/${tag}-${name}.log`, r.stderr);
  if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr.slice(-2000)}`);
  const meta = JSON.parse(r.stdout);
  rows.push({ name, minutes: (Date.now() - started) / 60000, meta });
  // After every dataset, so a long run that is stopped keeps what it measured.
  writeFileSync(`out/bench/${tag}.json`, JSON.stringify(rows, null, 2));
}

const f = (x) => (x === undefined ? '' : x.toFixed(4));
if (tune) {
  const settings = (t) => `dropout ${t.dropout}, max_len ${t.max_len}, lr ${t.lr}, wd ${t.weight_decay}`;
  console.log('| dataset | default recipe | its NDCG@10 / HR@10 | chosen by --tune | its NDCG@10 / HR@10 | change | trials (pruned) | budget used | time (min) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { name, minutes, meta } of rows) {
    const t = meta.tuning;
    const chosen = t.trials[t.chosen_trial - 1];
    const base = meta.metrics.sasrec_default_recipe;
    const best = meta.metrics.sasrec;
    const change = ((best['ndcg@10'] / base['ndcg@10'] - 1) * 100).toFixed(1);
    const pruned = t.trials.filter((x) => x.pruned).length;
    console.log(`| ${name} | ${settings(t.trials[0])} | ${f(base['ndcg@10'])} / ${f(base['hr@10'])} | ${t.chosen_trial === 1 ? 'the default' : settings(chosen)} | ${f(best['ndcg@10'])} / ${f(best['hr@10'])} | ${change >= 0 ? '+' : ''}${change}% | ${t.trials.length} (${pruned}) | ${t.spent_trainings.toFixed(2)} of ${t.budget_trainings} | ${minutes.toFixed(1)} |`);
  }
} else {
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
}
