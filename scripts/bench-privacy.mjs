// Private ALS against plain ALS: accuracy and time for each epsilon, and what two attacks
// learn from each bundle (`hearth audit-privacy`):
//   HEARTH_DATA_DIR=../shared/data node scripts/bench-privacy.mjs [ml beauty beauty-sasrec]
//   node scripts/bench-privacy.mjs --report     the tables and chart again from privacy.json
// A run of some series keeps the other series' rows of privacy.json.
// Writes out/bench/privacy.json, privacy.md (the tables) and privacy.svg (NDCG@10 against
// epsilon). Each private run draws fresh noise, so a rerun moves the numbers a little.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const hearth = process.env.HEARTH_CLI ?? 'build/native/bin/hearth';
const dataDir = process.env.HEARTH_DATA_DIR;
const reportOnly = process.argv.includes('--report');
if (!dataDir && !reportOnly) throw new Error('set HEARTH_DATA_DIR to the benchmark data folder');
// The attacks read MF item factors, so SASRec rows have accuracy and time only.
const datasets = {
  ml: { label: 'ml-latest-small, ALS', model: 'als', data: ['ml-latest-small'] },
  beauty: { label: 'Amazon Beauty, ALS', model: 'als', data: ['amazon-seq/Beauty.txt', '--format', 'seq'] },
  'beauty-sasrec': { label: 'Amazon Beauty, SASRec', model: 'sasrec', data: ['amazon-seq/Beauty.txt', '--format', 'seq'] },
};
const EPSILONS = [1, 2, 4, 8, 16, null];  // null: not private
const picked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
mkdirSync('out/bench', { recursive: true });

function run(command, name, epsilon) {
  const { model, data: [path, ...rest] } = datasets[name];
  const argv = [command, ...(command === 'eval' ? ['--model', model] : []), '--data', join(dataDir, path), ...rest,
    ...(epsilon === null ? [] : ['--dp-epsilon', String(epsilon)]), ...(command === 'eval' ? ['--json'] : [])];
  const started = Date.now();
  const out = execFileSync(hearth, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
  return { seconds: (Date.now() - started) / 1000, ...JSON.parse(out) };
}

// SASRec's eval reports its model under metrics.sasrec, ALS's at the top of metrics.
const metricsOf = (evaluation) => evaluation.metrics.sasrec ?? evaluation.metrics;
const ndcg = (evaluation) => metricsOf(evaluation)['ndcg@10'];

// The series run now replace their old rows; the others are kept, so one series can be rerun.
const previous = existsSync('out/bench/privacy.json') ? JSON.parse(readFileSync('out/bench/privacy.json', 'utf8')) : [];
const running = reportOnly ? [] : picked.length ? picked : Object.keys(datasets);
const rows = previous.filter((r) => !running.includes(r.name));
const names = Object.keys(datasets).filter((n) => running.includes(n) || rows.some((r) => r.name === n));
for (const name of running) {
  if (!datasets[name]) throw new Error(`unknown dataset ${name}; choose from ${Object.keys(datasets).join(', ')}`);
  for (const epsilon of EPSILONS) {
    const evaluation = run('eval', name, epsilon);
    const audit = datasets[name].model === 'als' ? run('audit-privacy', name, epsilon) : null;
    rows.push({ name, epsilon, evaluation, audit });
    console.error(`${name} epsilon ${epsilon ?? 'none'}: NDCG@10 ${ndcg(evaluation).toFixed(4)}${audit ? `, canary AUC ${audit.canary_attack.auc.toFixed(3)}` : ''}`);
    writeFileSync('out/bench/privacy.json', JSON.stringify(rows, null, 2));
  }
}

const f = (x, d = 4) => x.toFixed(d);
const lines = [];
lines.push('| dataset | epsilon | NDCG@10 | HR@10 | of non-private NDCG@10 | train + eval (s) | canary AUC | epsilon proven by canaries | hidden item found (members / non-members) |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const name of names) {
  const plain = ndcg(rows.find((r) => r.name === name && r.epsilon === null).evaluation);
  for (const r of rows.filter((x) => x.name === name)) {
    const m = metricsOf(r.evaluation);
    const a = r.audit;
    const attacks = a
      ? `${f(a.canary_attack.auc, 3)} | ${f(a.canary_attack.epsilon_lower_bound, 2)} | ${f(100 * a.neighbour_attack.members_hit10, 1)}% / ${f(100 * a.neighbour_attack.non_members_hit10, 1)}%`
      : '– | – | –';
    lines.push(`| ${datasets[name].label} | ${r.epsilon ?? 'not private'} | ${f(m['ndcg@10'])} | ${f(m['hr@10'])} | ${f(100 * m['ndcg@10'] / plain, 0)}% | ${f(r.evaluation.seconds, 1)} | ${attacks} |`);
  }
}
writeFileSync('out/bench/privacy.md', lines.join('\n') + '\n');
console.log(lines.join('\n'));

// NDCG@10 against epsilon (log scale), one line per series, its non-private value dashed.
const W = 680, H = 320, L = 60, R = 230, T = 20, B = 45;
const xs = EPSILONS.filter((e) => e !== null);
const x = (e) => L + (Math.log2(e) - Math.log2(xs[0])) / (Math.log2(xs.at(-1)) - Math.log2(xs[0])) * (W - L - R);
const top = Math.max(...rows.map((r) => ndcg(r.evaluation))) * 1.1;
const y = (v) => T + (1 - v / top) * (H - T - B);
const colours = ['#1f5fa8', '#b5541c', '#2d7d46'];
const svg = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-label="NDCG@10 of private training against epsilon">`,
  '<rect width="100%" height="100%" fill="white"/>',
  `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`,
  `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">epsilon (user level)</text>`,
  `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">NDCG@10</text>`];
for (const e of xs) svg.push(`<text x="${x(e)}" y="${H - B + 16}" text-anchor="middle">${e}</text>`);
for (let k = 0; k <= 4; ++k) svg.push(`<text x="${L - 6}" y="${y(top * k / 4) + 4}" text-anchor="end">${(top * k / 4).toFixed(3)}</text>`);
// Labels at the right edge, pushed apart where two would overlap.
const labels = [];
names.forEach((name, i) => {
  const c = colours[i % colours.length];
  const mine = rows.filter((r) => r.name === name && r.epsilon !== null);
  const plain = ndcg(rows.find((r) => r.name === name && r.epsilon === null).evaluation);
  svg.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${mine.map((r) => `${x(r.epsilon).toFixed(1)},${y(ndcg(r.evaluation)).toFixed(1)}`).join(' ')}"/>`);
  for (const r of mine) svg.push(`<circle cx="${x(r.epsilon).toFixed(1)}" cy="${y(ndcg(r.evaluation)).toFixed(1)}" r="3" fill="${c}"/>`);
  svg.push(`<line x1="${L}" x2="${W - R}" y1="${y(plain).toFixed(1)}" y2="${y(plain).toFixed(1)}" stroke="${c}" stroke-dasharray="5 4"/>`);
  labels.push({ y: y(plain) + 4, c, text: `${datasets[name].label}, not private` });
  labels.push({ y: y(ndcg(mine.at(-1).evaluation)) + 4, c, text: `${datasets[name].label}, private` });
});
labels.sort((a, b) => a.y - b.y);
for (let k = 1; k < labels.length; ++k) labels[k].y = Math.max(labels[k].y, labels[k - 1].y + 14);
for (const l of labels) svg.push(`<text x="${W - R + 6}" y="${l.y.toFixed(1)}" fill="${l.c}">${l.text}</text>`);
svg.push('</svg>');
writeFileSync('out/bench/privacy.svg', svg.join('\n') + '\n');
