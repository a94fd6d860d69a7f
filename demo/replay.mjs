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
console.log('Most recent in the history:');
for (const h of history.slice(-5).reverse()) console.log(`  ${label(recommender.item(h.id))}  rated ${h.value}`);
console.log(`\nTop 10 for user ${userId}, computed in WebAssembly on this machine:`);
recommendations.forEach((r, i) => {
  console.log(`${String(i + 1).padStart(2)}. ${label(r)}  score ${r.score.toFixed(3)}`);
  const because = r.because.map((b) => `${b.title} (+${b.weight.toFixed(3)})`).join(', ');
  console.log(`    because you watched ${because || '(popular with everyone)'}`);
});
const why = await recommender.explain(history, recommendations[0].id);
const shown = why.contributions.slice(0, 3).reduce((s, c) => s + c.weight, 0);
console.log(`\n"${why.title}": score ${why.score.toFixed(4)} = ${why.contributions.length} history contributions` +
  ` (top 3 give ${shown.toFixed(4)}) + base ${why.base.toFixed(4)}`);
console.log(`bundle load ${(loaded - started).toFixed(1)} ms, recommend ${(done - loaded).toFixed(2)} ms`);
recommender.dispose();
