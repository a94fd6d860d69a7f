// Example usage of the public API, type-checked against web/index.d.ts through the
// package's own exports map (a self-reference, as a user's import would resolve it).
import {
  createRecommender,
  HearthError,
  Recommender,
  type CatalogItem,
  type CreateRecommenderOptions,
  type Explanation,
  type HistoryItem,
  type LoadProgress,
  type ModelName,
  type Reason,
  type Recommendation,
  type RecommendOptions,
} from 'hearth-recommender';

export async function example(wasm: Uint8Array, bytes: ArrayBuffer): Promise<string[]> {
  const progress: LoadProgress[] = [];
  const options: CreateRecommenderOptions = {
    bundle: new URL('https://example.com/models/catalog.hearth'),
    integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    onProgress: (p) => {
      progress.push(p);
      const share: number | null = p.total === null ? null : p.loaded / p.total;
      void share;
    },
    cache: true,
    fetch: (input, init) => fetch(input, init),
    worker: true,
  };
  const rec: Recommender = await createRecommender(options);
  const fromBytes = await createRecommender({ bundle: bytes, wasmBinary: wasm, cache: false });
  const fromPath = await createRecommender({ bundle: '/models/catalog.hearth', worker: new URL('https://example.com/hearth-worker.js') });
  const inThread = await createRecommender({ bundle: new Uint8Array(bytes), worker: false });

  const history: HistoryItem[] = ['1203', { id: '1077', value: 4.5 }, { id: '88', ts: 1700000000 }];
  const model: ModelName = rec.models.sasrec ? 'hybrid' : 'mf';
  const recommendOptions: RecommendOptions = {
    k: 10, reasons: 3, exclude: ['42'], excludeHistory: true, ignoreUnknown: true, model, hybridWeight: 0.5, explain: true,
  };
  const top: Recommendation[] = await rec.recommend(history, recommendOptions);
  const first = top[0];
  const lines: string[] = [];
  if (first) {
    const reasons: Reason[] = first.because;
    lines.push(`${first.title} (${first.model}, ${first.score.toFixed(3)} = ${first.base} + ...) because ${reasons.map((r) => r.title).join(', ')}`);
    const why: Explanation = await rec.explain(history, first.id, { ignoreUnknown: true, model: 'sasrec', hybridWeight: 0.3 });
    if (why.additive) lines.push(`exact: ${why.base + why.contributions.reduce((s, c) => s + c.weight, 0)}`);
    lines.push(...why.attention.map((a) => `${a.id}: ${a.weight}`), why.tags.join(' '));
  }
  const item: CatalogItem | undefined = rec.item('1203');
  lines.push(item ? item.title : 'unknown', String(rec.size), JSON.stringify(rec.meta));
  const mf: 'implicit' | 'explicit' | null = rec.models.mf;
  const weight: number | null = rec.models.hybridWeight;
  lines.push(String(mf), String(weight));

  try {
    await rec.recommend(['no-such-item']);
  } catch (e) {
    if (e instanceof HearthError) lines.push(`${e.code}: ${e.message}`);
  }
  await rec.dispose();
  fromBytes.dispose();
  await Promise.all([fromPath.dispose(), inThread.dispose()]);
  return lines;
}

// Mistakes the types catch.
// @ts-expect-error: the bundle is required
void createRecommender({});
// @ts-expect-error: no such model
void ({ model: 'transformer' } satisfies RecommendOptions);
// @ts-expect-error: integrity is a string
void ({ bundle: 'x', integrity: true } satisfies CreateRecommenderOptions);
// @ts-expect-error: code is read-only
new HearthError('io', 'x').code = 'other';

// The stored-history surface of Recommender.
async function storedHistory(): Promise<void> {
  const rec = await createRecommender({ bundle: '/m.hearth', storage: 'memory', namespace: 'alice', maxEvents: 100, onWarning: (w) => console.log(w.code) });
  await rec.record({ type: 'rate', item: 'i1', value: 4.5 });
  await rec.record({ type: 'view', item: 'i2', id: 'event-7' });
  const list = await rec.recommend({ k: 5, model: 'hybrid' });
  const why = await rec.explain(list[0]?.id ?? 'i1');
  const like = await rec.similar('i1', { k: 3 });
  const shared: string[] = like[0]?.sharedTags ?? [];
  const events = await rec.history();
  await rec.forget((e) => e.type === 'skip');
  await rec.notInterested({ tag: 'horror' });
  const data = await rec.exportData();
  await rec.importData(data, { merge: true });
  await rec.pause();
  await rec.resume();
  const report = await rec.storageReport();
  const unsubscribe = rec.subscribe((change) => console.log(change.source));
  unsubscribe();
  console.log(why.additive, shared, events.length, report.bytes);
  // @ts-expect-error: an event needs a known type
  await rec.record({ type: 'love', item: 'i1' });
  await rec.dispose();
}
void storedHistory;
