// Example usage of the public API, type-checked against web/index.d.ts through the
// package's own exports map (a self-reference, as a user's import would resolve it).
import {
  createRecommender,
  HearthError,
  ERROR_CODES,
  Recommender,
  type HearthErrorCode,
  type CatalogEntry,
  type CatalogItem,
  type ControlEffect,
  type ControlName,
  type CreateRecommenderOptions,
  type Mood,
  type ReasonSummary,
  type TagKind,
  type NotInterestedTarget,
  type OnboardingOptions,
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
    // Every kind of reason worded by the page (a new kind would fail this switch).
    const summary: ReasonSummary | undefined = first.reason;
    const kinds: Record<string, TagKind> = { ...rec.tagKinds };
    if (summary) {
      switch (summary.kind) {
        case 'liked': lines.push(`Because you enjoyed ${summary.items.map((r) => r.title).join(' and ')}`); break;
        case 'series': lines.push(`Next in ${summary.tags[0]}`); break;
        case 'taste': lines.push(`Popular with people who share your taste in ${summary.tags.join(', ')} (${kinds[summary.tags[0] ?? ''] ?? 'other'})`); break;
        case 'popular': lines.push(summary.tags.length ? `Popular in ${summary.tags[0]}` : 'Popular with everyone'); break;
        case 'new': lines.push(`New: shares ${summary.tags.join(', ')}`); break;
        default: { const never: never = summary.kind; throw new Error(never); }
      }
    }
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
// @ts-expect-error: codes are a closed set
new HearthError('no-such-code', 'x');

/** Every code is handled: adding one to HearthErrorCode without a case fails to compile. */
export function advice(e: HearthError): string {
  const code: HearthErrorCode = e.code;
  switch (code) {
    case 'argument': case 'unknown-item': case 'import': return 'fix the call';
    case 'bundle': case 'integrity': case 'io': return 'check the bundle';
    case 'memory': case 'model': case 'internal': return 'report it';
    case 'disposed': case 'worker': return 'create a new recommender';
    case 'storage': return 'check the storage';
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}
export const described: string = ERROR_CODES.bundle;

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

// The re-ranking controls, moods, onboarding and "not interested" modes.
async function controls(): Promise<string[]> {
  const rec = await createRecommender({
    bundle: '/m.hearth',
    moods: { 'date night': { Romance: 1, romantic: 0.8, Horror: -1 }, cozy: { Comedy: 0.5 } },
  });
  const moods: Mood[] = rec.moods();
  const names: string[] = moods.map((m) => `${m.name}: ${Object.entries(m.weights).map(([t, w]) => `${t} ${w.toFixed(1)}`).join(', ')}`);
  const tags: readonly string[] = rec.tags;
  const options: RecommendOptions = {
    k: 10, diversity: 0.4, calibration: 0.3, novelty: 0.2, mood: 'date night', moodStrength: 0.7, feedback: 0.5,
    avoid: ['42'], avoidTags: ['dark'], blockTags: ['Horror'],
  };
  const list = await rec.recommend(options);
  const ownMood = await rec.recommend(['1203'], { mood: { Comedy: 1, dark: -0.5 } });
  for (const r of [...list, ...ownMood]) {
    const rank: number = r.modelRank;
    const moved: ControlEffect[] = r.controls;
    const words = moved.map((c) => {
      const name: ControlName = c.control;
      return c.fromRank > rank ? `moved up from #${c.fromRank} by ${name}` : `moved down from #${c.fromRank} by ${name}`;
    });
    const isNew: boolean = r.isNew;
    const popular: string | undefined = r.popularIn;
    names.push(...words, String(isNew), popular ?? '');
  }
  const first: OnboardingOptions = { k: 8, exclude: ['7'], blockTags: ['Horror'] };
  const onboarding = await rec.onboarding(first);
  names.push(...onboarding.map((r) => `Popular in ${r.popularIn ?? '?'}`));
  const catalog: CatalogEntry[] = rec.catalog();
  names.push(...catalog.filter((c) => c.isNew && c.popularity === 0).map((c) => c.title), tags.join(','));
  const hide: NotInterestedTarget = { tag: 'Horror' };
  await rec.notInterested(hide);
  await rec.notInterested({ tag: 'dark', mode: 'less' });
  await rec.notInterested('42');
  const not = await rec.store.notInterestedList();
  names.push(...not.tags, ...not.lessTags, ...not.items);
  const data = await rec.exportData();
  names.push(...data.notInterested.lessTags);
  // @ts-expect-error: a mood weight is a number
  void ({ mood: { Comedy: 'lots' } } satisfies RecommendOptions);
  // @ts-expect-error: no such control in the results
  void (list[0]?.controls[0]?.control === 'popularity');
  // @ts-expect-error: the modes are 'hide' and 'less'
  await rec.notInterested({ tag: 'dark', mode: 'never' });
  // @ts-expect-error: onboarding has no history to exclude
  void ({ excludeHistory: false } satisfies OnboardingOptions);
  await rec.dispose();
  return names;
}
void controls;
