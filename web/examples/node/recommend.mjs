// Recommendations in Node: node recommend.mjs BUNDLE ITEM_ID...
// The history is given (ids, oldest first); nothing is stored.
import { createRecommender } from 'hearth-recommender';

const [bundle, ...history] = process.argv.slice(2);
if (!bundle) {
  console.error('usage: node recommend.mjs BUNDLE ITEM_ID...');
  process.exit(2);
}
const rec = await createRecommender({ bundle, storage: 'memory' });
try {
  for (const item of await rec.recommend(history, { k: 5 })) {
    const why = item.because.map((r) => `${r.title} (${r.weight.toFixed(2)})`).join(', ');
    console.log(`${item.id}\t${item.title}\t${why || 'popular'}`);
  }
} finally {
  await rec.dispose();
}
