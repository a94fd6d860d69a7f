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

export interface CreateRecommenderOptions {
  /** A URL, a file path (Node), or the bundle's bytes. */
  bundle: string | URL | ArrayBuffer | Uint8Array;
  /** The hearth.wasm bytes, when the default location cannot be used. */
  wasmBinary?: ArrayBuffer | Uint8Array;
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
  /** Frees the WebAssembly memory; later calls throw HearthError('disposed'). */
  dispose(): void;
}

export function createRecommender(options: CreateRecommenderOptions): Promise<Recommender>;
