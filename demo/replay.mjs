// Replays one user's history from a ratings CSV into the WebAssembly recommender and
// prints the top 10 with the history items that drove each one.
//   node demo/replay.mjs BUNDLE RATINGS_CSV [USER_ID]
import { readFileSync } from 'node:fs';
import { createRecommender } from '../web/src/index.js';

const [bundlePath, ratingsPath, userId = '1'] = process.argv.slice(2);
if (!bundlePath || !ratingsPath) {
  console.error('usage: node demo/replay.mjs BUNDLE RATINGS_CSV [USER_ID]');
  process.exit(2);
}

const history = readFileSync(ratingsPath, 'utf8')
  .split(/\r?\n/)
  .slice(1)
  .map((line) => line.split(','))
  .filter((f) => f[0] === userId)
  .map(([, id, rating, ts]) => ({ id, value: Number(rating), ts: Number(ts) }))
  .sort((a, b) => a.ts - b.ts)
  .map(({ id, value }) => ({ id, value }));
if (history.length === 0) {
  console.error(`user ${userId} has no events in ${ratingsPath}`);
  process.exit(1);
}

const started = performance.now();
const recommender = await createRecommender({ bundle: bundlePath });
const loaded = performance.now();
const recommendations = await recommender.recommend(history, { k: 10, reasons: 2 });
const done = performance.now();

const label = (item) => `${item.title} [${item.tags.join(', ')}]`;
console.log(`Model: ${recommender.meta.model}, ${recommender.size} items; user ${userId} has ${history.length} events.`);
const metrics = recommender.meta.metrics;
if (metrics) {
  for (const [name, m] of Object.entries(metrics)) {
    if (m && m['ndcg@10'] !== undefined) console.log(`  held-out ${name}: HR@10 ${m['hr@10'].toFixed(3)}, NDCG@10 ${m['ndcg@10'].toFixed(3)}`);
  }
}
console.log('Most recent in the history:');
for (const h of history.slice(-5).reverse()) console.log(`  ${label(recommender.item(h.id))}  rated ${h.value}`);
console.log(`\nTop 10 for user ${userId} (${recommendations[0]?.model} model), computed in WebAssembly on this machine:`);
recommendations.forEach((r, i) => {
  console.log(`${String(i + 1).padStart(2)}. ${label(r)}  score ${r.score.toFixed(3)}`);
  const because = r.because.map((b) => `${b.title} (+${b.weight.toFixed(3)})`).join(', ');
  console.log(`    because you watched ${because || '(popular with everyone)'}`);
});
const why = await recommender.explain(history, recommendations[0].id);
console.log(`\nWhy "${why.title}" (score ${why.score.toFixed(3)})? the history items that weigh most in it:`);
for (const c of why.contributions.slice(0, 3)) console.log(`  ${c.weight.toFixed(3)}  ${c.title}`);
if (recommender.models.sasrec) {
  const next = await recommender.recommend(history, { k: 3, model: 'sasrec', reasons: 1 });
  console.log(`\nNext up (sequence model alone): ${next.map((r) => r.title).join(' / ')}`);
}
console.log(`bundle load ${(loaded - started).toFixed(1)} ms, recommend ${(done - loaded).toFixed(2)} ms`);
recommender.dispose();
