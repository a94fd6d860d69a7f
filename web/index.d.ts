/** The one error type Hearth throws; `code` is stable, `message` is for people. */
export class HearthError extends Error {
  constructor(code: string, message: string);
  readonly code: string;
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

export interface Recommendation extends CatalogItem {
  /** The model that produced the list. */
  model: Exclude<ModelName, 'auto'>;
  score: number;
  /** The part of the score not due to the history (item bias; popularity for a new user). */
  base: number;
  /**
   * The history items that helped most, largest first (positive weights only): exact MF
   * contributions, or SASRec leave-one-out influences (empty when `explain: false`).
   */
  because: Reason[];
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
}

/** Download progress; `total` is null when the size is unknown (no Content-Length, or compressed). */
export interface LoadProgress {
  loaded: number;
  total: number | null;
}

export interface CreateRecommenderOptions {
  /** A URL, a file path (Node), or the bundle's bytes. */
  bundle: string | URL | ArrayBuffer | Uint8Array;
  /** The hearth.wasm bytes, when the default location cannot be used. */
  wasmBinary?: ArrayBuffer | Uint8Array;
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
}

export class Recommender {
  /** Bundle metadata: model, hyper-parameters, training summary, metrics. */
  readonly meta: Record<string, unknown>;
  readonly models: { mf: 'implicit' | 'explicit' | null; sasrec: boolean; hybridWeight: number | null };
  /** Number of items in the catalog. */
  readonly size: number;
  item(id: string): CatalogItem | undefined;
  recommend(history: HistoryItem[], options?: RecommendOptions): Promise<Recommendation[]>;
  explain(history: HistoryItem[], itemId: string, options?: { ignoreUnknown?: boolean; model?: ModelName; hybridWeight?: number }): Promise<Explanation>;
  /**
   * Frees the WebAssembly memory; later calls throw HearthError('disposed'). In worker
   * mode it also stops the worker and returns a promise that resolves once it has stopped.
   */
  dispose(): void | Promise<void>;
}

export function createRecommender(options: CreateRecommenderOptions): Promise<Recommender>;
