/**
 * What went wrong, for programs to switch on (web/src/errors.js ERROR_CODES says each):
 * - `argument`: a call was given a value it cannot use (the message names the option or entry)
 * - `unknown-item`: an item id is not in the catalog
 * - `bundle`: the bundle cannot be read or is damaged (the message names the section)
 * - `integrity`: the bundle does not match its integrity digest
 * - `io`: the bundle could not be read or downloaded
 * - `memory`: the WebAssembly module ran out of memory
 * - `model`: the model cannot compute an answer for this input
 * - `disposed`: used after dispose() or close()
 * - `storage`: the history storage failed, is full, or holds a newer schema
 * - `import`: an export given to importData() is not valid (the message names the field)
 * - `worker`: the recommender worker could not start or stopped
 * - `internal`: a failure the library's checks did not foresee (a bug)
 */
export type HearthErrorCode =
  | 'argument' | 'unknown-item' | 'bundle' | 'integrity' | 'io' | 'memory' | 'model'
  | 'disposed' | 'storage' | 'import' | 'worker' | 'internal';

/** Every HearthErrorCode with its meaning. */
export const ERROR_CODES: Readonly<Record<HearthErrorCode, string>>;

/** The one error type Hearth throws; `code` is stable, `message` is for people. */
export class HearthError extends Error {
  constructor(code: HearthErrorCode, message: string);
  readonly code: HearthErrorCode;
}

/**
 * A history entry: an item id (value 1) or an id with a value (a rating, or a strength)
 * and optionally a timestamp (entries with `ts` are put in time order).
 */
export type HistoryItem = string | { id: string; value?: number; ts?: number };

/** Which of the bundle's models to use; 'auto' is the hybrid when both are present. */
export type ModelName = 'auto' | 'mf' | 'sasrec' | 'hybrid';

export interface CatalogItem {
  id: string;
  title: string;
  tags: string[];
}

/** A history item and its exact share of a recommendation's score. */
export interface Reason {
  id: string;
  title: string;
  weight: number;
}

/** What a tag is, from the bundle (the trainer's item file: genres/moods/series columns or a "mood:" prefix). */
export type TagKind = 'genre' | 'mood' | 'series' | 'other';

/**
 * The first line of a "why", as a structure a page words in its own language:
 * - 'liked': `items` drove it, strongest first ("Because you enjoyed A and B");
 * - 'series': it belongs to the series `tags[0]` that the history has `items` of ("Next in the series you are watching");
 * - 'taste': MF only, no few items explain it (the named ones carry under 30% of the history's share of the score):
 *   the whole history does, through the genres `tags` it shares ("Popular with people who share your taste in X");
 * - 'popular': nothing in the history drives it (or there is no history); `tags` holds `popularIn` if any;
 * - 'new': placed by its tags alone; `tags` are those it shares with the history.
 * Items weaker than 10% of the strongest are not named.
 */
export interface ReasonSummary {
  kind: 'liked' | 'series' | 'taste' | 'popular' | 'new';
  items: Reason[];
  tags: string[];
}

/**
 * A re-ranking control: 'diversity' (MMR), 'calibration' (match the history's tag mix),
 * 'novelty' (less-known items, "surprise me"), 'mood', 'feedback' (not-interested items and
 * tags shown less).
 */
export type ControlName = 'diversity' | 'calibration' | 'novelty' | 'mood' | 'feedback';

/** A control that moved an item: without it the item would be at a different position. */
export interface ControlEffect {
  control: ControlName;
  /** The item's position by the model's score alone (1-based), e.g. "moved up from #14". */
  fromRank: number;
}

export interface Recommendation extends CatalogItem {
  /** The model that produced the list. */
  model: Exclude<ModelName, 'auto'>;
  /** The model's score (re-ranking changes the order, not the score). */
  score: number;
  /** The part of the score not due to the history (item bias; popularity for a new user). */
  base: number;
  /**
   * The history items that helped most, largest first (positive weights only): exact MF
   * contributions, or SASRec leave-one-out influences (empty when `explain: false`).
   */
  because: Reason[];
  /** Its position by score alone (1-based), before the re-ranking controls. */
  modelRank: number;
  /**
   * Every control without which this item would be at a different position (leave one
   * control out, the others kept), in the order diversity, calibration, novelty, mood,
   * feedback. Empty when the list is the model's order at this position.
   */
  controls: ControlEffect[];
  /** Placed by the trainer from its tags alone (no interactions yet): show it as new. */
  isNew: boolean;
  /** New users (empty history) only: the tag this item stands for, "popular in X". */
  popularIn?: string;
  /** The reason in one structure, for the first line a person reads. Absent only when a sequence model ran with `explain: false` for a non-empty history (no honest reason is known). */
  reason?: ReasonSummary;
}

/** A mood: signed weights over the catalog's tags, in [-1, 1] (unnamed tags weigh 0). */
export interface Mood {
  name: string;
  weights: Record<string, number>;
}

/** A catalog item as catalog() lists it. */
export interface CatalogEntry extends CatalogItem {
  /** Placed by the trainer from its tags alone (no interactions yet). */
  isNew: boolean;
  /** Training events of the item. */
  popularity: number;
}

export interface Explanation extends CatalogItem {
  model: Exclude<ModelName, 'auto'>;
  score: number;
  /** True for MF: base + the sum of the contributions equals score exactly. */
  additive: boolean;
  base: number;
  /** One entry per distinct history item, largest first. */
  contributions: Reason[];
  /** SASRec: the last layer's attention over the history. Not a faithful explanation. */
  attention: Reason[];
  /** The reason in one structure (see ReasonSummary), from all the contributions. */
  reason: ReasonSummary;
}

export interface RecommendOptions {
  /** How many items (default 10). */
  k?: number;
  /** Reasons per item (default 3). */
  reasons?: number;
  /** Item ids never to recommend. */
  exclude?: string[];
  /** Leave out items already in the history (default true). */
  excludeHistory?: boolean;
  /** Skip history ids the catalog does not know instead of throwing (default false). */
  ignoreUnknown?: boolean;
  /** Which model to use (default 'auto'). */
  model?: ModelName;
  /** SASRec's share in the hybrid, 0..1 (default: the weight tuned at training). */
  hybridWeight?: number;
  /** Compute reasons for sequence-model recommendations (default true; MF's are always cheap). */
  explain?: boolean;

  // ---- Re-ranking controls. Strengths are in [0, 1]; 0 (the default) turns a control off. ----
  /**
   * Spread the list out (maximal marginal relevance over item embeddings). A new user's
   * onboarding set uses 0.6 over tags unless this is given.
   */
  diversity?: number;
  /** Match the tag mix of the history ("match my mix", Steck's calibration). */
  calibration?: number;
  /** Prefer less-known items ("surprise me"): a popularity penalty. */
  novelty?: number;
  /**
   * A mood: the name of one of moods() (the bundle's, or the page's from createRecommender
   * `{ moods }`), or weights of your own, `{ tag: weight in [-1, 1] }`. Unknown names and
   * tags reject with HearthError('argument').
   */
  mood?: string | Record<string, number>;
  /** How much the mood counts (default 0.5 when a mood is given). */
  moodStrength?: number;
  /** How strongly `avoid` and `avoidTags` push down similar items (default 0.5). */
  feedback?: number;
  /**
   * Not interested in these items: never recommended, and items like them (by embedding)
   * are down-weighted by `feedback`. Ids not in the catalog are skipped.
   */
  avoid?: string[];
  /** Show less of these tags: items with them are down-weighted by `feedback`. */
  avoidTags?: string[];
  /** Never recommend items with any of these tags (a hard filter). */
  blockTags?: string[];
}

/** Options of onboarding(): those of recommend() without a history. */
export type OnboardingOptions = Omit<RecommendOptions, 'excludeHistory' | 'ignoreUnknown'>;

/** What notInterested() takes: an item id, or a tag hidden (default) or shown less. */
export type NotInterestedTarget = string | { tag: string; mode?: 'hide' | 'less' };

/** Download progress; `total` is null when the size is unknown (no Content-Length, or compressed). */
export interface LoadProgress {
  loaded: number;
  total: number | null;
}

export interface CreateRecommenderOptions {
  /** A URL, a file path (Node), or the bundle's bytes. */
  bundle: string | URL | ArrayBuffer | Uint8Array;
  /** The hearth.wasm bytes, when the default location cannot be used (one thread only). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Where the WebAssembly files are, when not beside the library's own glue (a CDN, a
   * bundler that does not copy them): the URL of a folder holding hearth.wasm, hearth-mt.mjs,
   * hearth-mt.wasm and hearth-mt.worker.js, or a function from each of those file names to
   * its URL. Both modules use it, in the page and in worker mode.
   */
  wasm?: string | URL | ((file: 'hearth.wasm' | 'hearth-mt.mjs' | 'hearth-mt.wasm' | 'hearth-mt.worker.js') => string | URL);
  /**
   * Threads for scoring the catalog. On a cross-origin isolated page (served with
   * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
   * require-corp`) of a device with several cores, the threaded module (hearth-mt.mjs,
   * .wasm, .worker.js beside hearth.mjs) splits scoring across up to 4 threads, or at most
   * this many; false keeps one thread. Elsewhere, and in Node, one thread.
   */
  threads?: boolean | number;
  /**
   * Subresource-Integrity-style digest of the bundle, e.g. 'sha256-<base64>' (sha384 and
   * sha512 too; space-separated alternatives). A mismatch rejects with HearthError('integrity').
   */
  integrity?: string;
  /** Called as the bundle downloads (and once for bytes or a file). */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Keep downloaded bundles in the Cache API ('hearth-bundles'), keyed by URL and the
   * integrity value or ETag (default true where `caches` exists).
   */
  cache?: boolean;
  /** The fetch used for the bundle URL (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /**
   * Score in a worker (a module Web Worker; worker_threads in Node) so the calling thread
   * never blocks: `true` for the library's worker script, or the URL of a copy of it.
   */
  worker?: boolean | string | URL;
  /** Where the user's history is kept (default 'auto'; see OpenHistoryOptions). */
  storage?: OpenHistoryOptions['storage'];
  /** Separate histories on one device (default 'default'). */
  namespace?: string;
  /** Oldest events beyond this are dropped (default 5000). */
  maxEvents?: number;
  /**
   * Told whenever something falls back instead of failing: quarantined history values,
   * migrations, quota compaction, a storage fallback (HistoryWarning), and the threaded
   * module not loading so one thread scores (LoadWarning). Never silent.
   */
  onWarning?: (warning: HearthWarning) => void;
  /**
   * Moods of the page, by name: `{ 'date night': { Romance: 1, Horror: -1 } }`, weights in
   * [-1, 1] over the catalog's tags. They add to the bundle's moods or replace the one of
   * the same name; recommend({ mood: name }) and moods() see them.
   */
  moods?: Record<string, Record<string, number>>;
}

/** An item like another, with the tags the two share. */
export interface SimilarItem extends CatalogItem {
  /** Cosine similarity of the item embeddings. */
  similarity: number;
  sharedTags: string[];
}

export class Recommender {
  /** Bundle metadata: model, hyper-parameters, training summary, metrics. */
  readonly meta: Record<string, unknown>;
  /** What the bundle promises about the people it was trained on (from meta.privacy). */
  readonly privacy: PrivacyStatement;
  readonly models: { mf: 'implicit' | 'explicit' | null; sasrec: boolean; hybridWeight: number | null };
  /** Number of items in the catalog. */
  readonly size: number;
  /** Threads that score the catalog: more than 1 with the threaded module (see `threads`). */
  readonly threads: number;
  /** Every tag name of the catalog. */
  readonly tags: readonly string[];
  /** Each tag's kind (all 'other' for a bundle without kinds): tell genres from moods in any language. */
  readonly tagKinds: Readonly<Record<string, TagKind>>;
  item(id: string): CatalogItem | undefined;
  /** Every catalog item, most popular first. */
  catalog(): CatalogEntry[];
  /** The moods recommend({ mood }) accepts: the bundle's, with the page's added or replacing. */
  moods(): Mood[];
  /** The history store behind record(), history() and the rest. */
  readonly store: HistoryStore;
  /**
   * For the stored history. Not-interested items are avoided (never shown, similar items
   * down-weighted), hidden tags blocked, tags shown less avoided, disliked items left out;
   * the options' own `exclude`, `avoid`, `avoidTags` and `blockTags` are added to those.
   */
  recommend(options?: RecommendOptions): Promise<Recommendation[]>;
  /** For a given history. */
  recommend(history: HistoryItem[], options?: RecommendOptions): Promise<Recommendation[]>;
  /**
   * What a new visitor sees: popular items spread over the catalog's tags, each with
   * `popularIn`. The stored not-interested items and tags still apply.
   */
  onboarding(options?: OnboardingOptions): Promise<Recommendation[]>;
  /** For the stored history. */
  explain(itemId: string, options?: { model?: ModelName; hybridWeight?: number }): Promise<Explanation>;
  explain(history: HistoryItem[], itemId: string, options?: { ignoreUnknown?: boolean; model?: ModelName; hybridWeight?: number }): Promise<Explanation>;
  /** Items like this one (nearest embeddings by cosine), most similar first. */
  similar(itemId: string, options?: { k?: number }): Promise<SimilarItem[]>;
  record(event: NewHistoryEvent): Promise<{ recorded: boolean; reason?: 'paused' | 'duplicate' }>;
  /** The stored events, oldest first. */
  history(): Promise<HistoryEvent[]>;
  forget(what: string | ((event: HistoryEvent) => boolean)): Promise<number>;
  /**
   * Not interested in an item (never shown; similar items down-weighted), or in a tag:
   * `{ tag }` hides its items, `{ tag, mode: 'less' }` shows them less.
   */
  notInterested(what: NotInterestedTarget): Promise<boolean>;
  /** Undoes notInterested for an item, or a tag in either mode. */
  undoNotInterested(what: string | { tag: string }): Promise<boolean>;
  clear(): Promise<void>;
  exportData(): Promise<HistoryExport>;
  importData(data: HistoryExport | string | object, options?: { merge?: boolean }): Promise<{ imported: number; skipped: number; dropped: number }>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  storageReport(): Promise<HistoryStorageReport>;
  requestPersistence(): Promise<boolean>;
  subscribe(listener: (change: HistoryChange) => void): () => void;
  /**
   * Frees the WebAssembly memory (stops the worker in worker mode) and closes the history
   * store; later calls reject with HearthError('disposed').
   */
  dispose(): Promise<void>;
}

/** The model input for stored events (what recommend() without a history uses). */
export function historyFromEvents(events: HistoryEvent[], models: Recommender['models']): { id: string; value: number; ts: number }[];
/** Downloads (or reads) and checks a bundle: the loading createRecommender does. */
export function loadBundle(source: string | URL | ArrayBuffer | Uint8Array, options?: Pick<CreateRecommenderOptions, 'integrity' | 'onProgress' | 'cache' | 'fetch'>): Promise<Uint8Array>;

export function createRecommender(options: CreateRecommenderOptions): Promise<Recommender>;

// ---- The on-device history store (web/src/history.js) ----

/** What the user did with an item. */
export type HistoryEventType = 'view' | 'click' | 'like' | 'dislike' | 'rate' | 'purchase' | 'skip';

/** A stored event. */
export interface HistoryEvent {
  type: HistoryEventType;
  item: string;
  /** Milliseconds since the epoch. */
  ts: number;
  /** The rating of a 'rate' event (any finite number), or an optional strength of the others. */
  value?: number;
  /** Dedupe key: an event whose id is already stored is not recorded again. */
  id?: string;
}

/** What record() accepts: ts defaults to now; value is required for 'rate'. */
export type NewHistoryEvent = Omit<HistoryEvent, 'ts'> & { ts?: number };

/**
 * Where the history lives. Implement it to keep the history somewhere else; every method
 * may be synchronous or return a Promise. `update` must be atomic (see web/STORAGE.md).
 */
export interface StorageAdapter {
  /** Shown in storageReport(). */
  kind: string;
  /** BroadcastChannel identity of the backing store; null/absent: no BroadcastChannel. */
  channel?: string | null;
  /** Human-readable location, for storageReport(). */
  where?: string;
  /**
   * update() may read a value another context already replaced (localStorage across tab
   * processes): the store then journals its recent events and repairs such writes. Needs
   * synchronous get/set/remove/keys (see web/STORAGE.md).
   */
  staleReads?: boolean;
  get(key: string): string | null | Promise<string | null>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
  keys(prefix: string): string[] | Promise<string[]>;
  /**
   * Atomically replaces the value with fn(current): a string is written, null removes the
   * key, undefined writes nothing. If fn throws, nothing is written and update rejects with
   * that error; a write that does not fit rejects with an error named 'QuotaExceededError'.
   */
  update(key: string, fn: (current: string | null) => string | null | undefined): unknown;
  /** Bytes a value costs here (default: UTF-8 length of key and value). */
  size?(key: string, value: string): number;
  /** Calls onChange when another context changed a key (null: maybe all); returns unwatch. */
  watch?(onChange: (key: string | null) => void): () => void;
  close?(): void | Promise<void>;
}

/** The library fell back to something slower but working while loading. */
export interface LoadWarning {
  /**
   * 'threads': the threaded module could not be loaded; one thread scores. 'cache': the
   * Cache API could not be opened, held a damaged copy, or could not keep the bundle; it
   * was (or will be) downloaded instead.
   */
  code: 'threads' | 'cache';
  message: string;
}

/** What createRecommender's onWarning receives. */
export type HearthWarning = HistoryWarning | LoadWarning;

export interface HistoryWarning {
  /**
   * 'corrupt' (a damaged value or entries were quarantined), 'migrated' (an older schema was
   * upgraded), 'quota' (old events were compacted away to fit), 'capacity' (maxEvents reached;
   * once per store), 'sync' (a change from another tab could not be read), 'listener' (a
   * subscribe() listener threw), 'fallback' ('auto' could not use IndexedDB and keeps the
   * history in localStorage, or in memory when that cannot be written either).
   */
  code: 'corrupt' | 'migrated' | 'quota' | 'capacity' | 'sync' | 'listener' | 'fallback';
  message: string;
  namespace: string;
  /** For 'quota' and 'capacity': how many events were dropped. */
  dropped?: number;
  /** For 'corrupt': the damaged key, where it was moved (null when it could not be kept), why. */
  key?: string;
  quarantineKey?: string | null;
  reason?: string;
}

export interface HistoryChange {
  /** 'local': this store made the change; 'remote': another tab or store did. */
  source: 'local' | 'remote';
  /** The operation for local changes ('record', 'forget', ...); 'change' for remote ones. */
  type: string;
}

export interface OpenHistoryOptions {
  /**
   * 'auto' (default): IndexedDB in browsers (a history 'auto' kept in localStorage before is
   * moved into it once), localStorage where IndexedDB cannot be used (with a 'fallback'
   * warning), memory in Node. 'memory' is private to the store; pass one memory adapter to
   * several stores to share it.
   */
  storage?: 'auto' | 'memory' | 'localStorage' | 'indexedDB' | StorageAdapter;
  /** Separate histories on one device (1-64 of A-Z a-z 0-9 . _ -; default 'default'). */
  namespace?: string;
  /** The oldest events beyond this are dropped (default 5000). */
  maxEvents?: number;
  onWarning?: (warning: HistoryWarning) => void;
  /** Tell other tabs of changes through BroadcastChannel (default true). */
  broadcast?: boolean;
}

export interface HistoryExport {
  format: 'hearth-history';
  version: number;
  namespace: string;
  /** ISO 8601. */
  exportedAt: string;
  events: HistoryEvent[];
  /** Items, hidden tags and tags shown less (version 1 exports have no lessTags). */
  notInterested: { items: string[]; tags: string[]; lessTags: string[] };
  paused: boolean;
}

export interface HistoryStorageReport {
  adapter: string;
  /** Human-readable location, e.g. "this origin's localStorage (this browser profile only)". */
  where: string;
  namespace: string;
  /** The storage key of this namespace's history. */
  key: string;
  /** Schema version written. */
  schema: number;
  events: number;
  /** Distinct items in the events. */
  items: number;
  /** Counts: items, hidden tags, tags shown less. */
  notInterested: { items: number; tags: number; lessTags: number };
  paused: boolean;
  maxEvents: number;
  /** Size of the stored value in this backend (localStorage: UTF-16 bytes of key and value). */
  bytes: number;
  /** Events dropped so far by the maxEvents cap and by quota compaction. */
  dropped: { capacity: number; quota: number };
  /** Damaged values or entries moved aside for this namespace. */
  quarantined: { key: string; bytes: number; reason?: string }[];
  /** What an event holds, in words. */
  contents: string;
  /** navigator.storage.persisted(), where available. */
  persisted?: boolean;
}

export class HistoryStore {
  readonly namespace: string;
  /** Paused as last seen (record() always checks the stored state). */
  readonly paused: boolean;
  record(event: NewHistoryEvent): Promise<{ recorded: boolean; reason?: 'paused' | 'duplicate' }>;
  /** Oldest first. */
  events(): Promise<HistoryEvent[]>;
  /** Removes an item's events, or those a synchronous predicate accepts; resolves to the count. */
  forget(what: string | ((event: HistoryEvent) => boolean)): Promise<number>;
  /** A tag object's mode: 'hide' (default) or 'less'; marking it in the other mode moves it. */
  notInterested(what: NotInterestedTarget): Promise<boolean>;
  undoNotInterested(what: string | { tag: string }): Promise<boolean>;
  /** Not-interested items, hidden tags, tags shown less. */
  notInterestedList(): Promise<{ items: string[]; tags: string[]; lessTags: string[] }>;
  /** Deletes events and the not-interested list; keeps the paused state and quarantine. */
  clear(): Promise<void>;
  /** Deletes this namespace's quarantined values; resolves to how many. */
  clearQuarantine(): Promise<number>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  exportData(): Promise<HistoryExport>;
  /** Rejects with HearthError code 'import' naming the bad field, e.g. `events[3].value`. */
  importData(data: HistoryExport | string | object, options?: { merge?: boolean }): Promise<{ imported: number; skipped: number; dropped: number }>;
  storageReport(): Promise<HistoryStorageReport>;
  /** navigator.storage.persist(), only when called; false where unsupported. */
  requestPersistence(): Promise<boolean>;
  subscribe(listener: (change: HistoryChange) => void): () => void;
  close(): void;
}

export const SCHEMA_VERSION: number;
export const EXPORT_VERSION: number;
export const EVENT_TYPES: readonly HistoryEventType[];

export function openHistory(options?: OpenHistoryOptions): Promise<HistoryStore>;
export function createMemoryAdapter(options?: { quotaBytes?: number }): StorageAdapter;
export function createLocalStorageAdapter(options?: { storage?: Storage; events?: EventTarget | null; locks?: LockManager | null }): StorageAdapter;
export function createIndexedDBAdapter(options?: { indexedDB?: IDBFactory; database?: string; store?: string }): StorageAdapter;
/** True for the errors browsers raise when a storage write does not fit. */
export function isQuotaError(error: unknown): boolean;

/** What a private bundle's guarantee does not cover. */
export type NotCovered = 'catalog' | 'popularity' | 'training_counts' | 'training_report' | 'floating_point';

/**
 * A bundle's privacy statement. `private: true` only with a valid epsilon and delta: a
 * differentially private model at the user level (one person's whole history is the unit
 * protected). Anything else, including a bundle that says nothing, is not private.
 */
export type PrivacyStatement =
  | {
      private: true;
      stated: true;
      unit: string;
      epsilon: number;
      delta: number;
      mechanism: string;
      accountant: string;
      /** The contribution bound: each person counts for at most this many interactions (ALS weighs each item of a longer history less; SASRec uses the latest ones). */
      maxItemsPerUser: number | null;
      /** Only items with about this many users or more (by a noisy count) were trained, when filtered. */
      minItemUsers: number | null;
      notCovered: Array<NotCovered | string>;
    }
  | { private: false; stated: boolean; note: string };

/** The privacy statement of bundle metadata (what `privacy` of a recommender returns). */
export function privacyOf(meta: Record<string, unknown>): PrivacyStatement;
