// The in-thread engine: the WebAssembly module and one loaded bundle, behind plain
// methods (used directly, or inside a worker by worker-host.js). The public API, with the
// user's stored history, is index.js.
import { HearthError } from './errors.js';
import { loadModule } from './module.js';
import { loadBundle } from './loader.js';

const decoder = new TextDecoder();

/**
 * @typedef {string | { id: string, value?: number, ts?: number }} HistoryItem
 * @typedef {{ id: string, title: string, weight: number }} Reason
 * @typedef {{ id: string, title: string, tags: string[], model: ModelName, score: number, base: number, because: Reason[] }} Recommendation
 * @typedef {'auto' | 'mf' | 'sasrec' | 'hybrid'} ModelName
 * @typedef {{ k?: number, reasons?: number, exclude?: string[], excludeHistory?: boolean, ignoreUnknown?: boolean,
 *   model?: ModelName, hybridWeight?: number, explain?: boolean }} RecommendOptions
 */

const MODEL_NAMES = ['auto', 'mf', 'sasrec', 'hybrid'];

function modelCode(name = 'auto') {
  const code = MODEL_NAMES.indexOf(name);
  if (code < 0) throw new HearthError('argument', `model must be one of ${MODEL_NAMES.join(', ')}, got '${name}'`);
  return code;
}

function hybridWeightOf(w) {
  if (w === undefined) return -1;
  if (typeof w !== 'number' || !(w >= 0 && w <= 1)) throw new HearthError('argument', `hybridWeight must be a number in [0, 1], got ${w}`);
  return w;
}

function tsOf(h) {
  return h && typeof h === 'object' && typeof h.ts === 'number' ? h.ts : Infinity;
}

function splitJoined(text) {
  return text.length === 0 ? [] : text.split('\0');
}

/**
 * Loads a bundle into the WebAssembly module on this thread.
 * @param {{ bundle: string | URL | ArrayBuffer | Uint8Array, wasmBinary?: ArrayBuffer | Uint8Array }} options
 * @returns {Promise<EngineRecommender>}
 */
export async function openEngine(options) {
  if (!options || options.bundle === undefined) throw new HearthError('argument', 'createRecommender needs { bundle }');
  const [module, bytes] = await Promise.all([loadModule(options), loadBundle(options.bundle, options)]);
  const ptr = module._malloc(Math.max(1, bytes.byteLength));
  if (!ptr) throw new HearthError('memory', `cannot allocate ${bytes.byteLength} bytes for the bundle`);
  module.HEAPU8.set(bytes, ptr);
  const engine = new module.Engine(ptr, bytes.byteLength);  // owns ptr from here on
  if (!engine.ok()) {
    const error = new HearthError(engine.errorCode() || 'bundle', engine.error());
    engine.delete();
    throw error;
  }
  return new EngineRecommender(module, engine);
}

/** A loaded bundle on this thread. dispose() frees its WebAssembly memory. */
export class EngineRecommender {
  /** @internal */
  constructor(module, engine) {
    this._module = module;
    this._engine = engine;
    this._ids = splitJoined(engine.joinedStrings('catalog.ids'));
    this._titles = splitJoined(engine.joinedStrings('catalog.titles'));
    this._tagNames = splitJoined(engine.joinedStrings('catalog.tags'));
    const n = engine.itemCount();
    const tagOffsets = module.HEAPU32.slice(engine.tagOffsetsPtr() >>> 2, (engine.tagOffsetsPtr() >>> 2) + n + 1);
    const tagIds = module.HEAPU32.slice(engine.tagIdsPtr() >>> 2, (engine.tagIdsPtr() >>> 2) + engine.tagIdsLength());
    this._tagOffsets = tagOffsets;
    this._tagIds = tagIds;
    this._index = new Map(this._ids.map((id, i) => [id, i]));
    /** Bundle metadata: model, hyper-parameters, training summary, metrics. */
    this.meta = JSON.parse(engine.metaJson());
    /** The models in the bundle: MF kind ('implicit' | 'explicit' | null), SASRec, hybrid weight. */
    this.models = {
      mf: engine.hasMf() ? engine.mfKind() : null,
      sasrec: engine.hasSasrec(),
      hybridWeight: engine.hasMf() && engine.hasSasrec() ? engine.hybridWeight() : null,
    };
    this._capacity = 0;
    this._buffer = 0;
  }

  /** Number of items in the catalog. */
  get size() {
    return this._ids.length;
  }

  /**
   * The catalog entry of an item id, or undefined.
   * @param {string} id
   */
  item(id) {
    const i = this._index.get(id);
    return i === undefined ? undefined : this._describe(i);
  }

  /**
   * The top recommendations for a history, each with the history items that drove it.
   * @param {HistoryItem[]} history oldest first (or with `ts`, then ordered by it); a bare id counts as value 1
   * @param {RecommendOptions} [options]
   * @returns {Promise<Recommendation[]>}
   */
  async recommend(history, options = {}) {
    const { k = 10, reasons = 3, exclude = [], excludeHistory = true, ignoreUnknown = false, explain = true } = options;
    if (!Number.isInteger(k) || k < 0) throw new HearthError('argument', `k must be a non-negative integer, got ${k}`);
    if (!Number.isInteger(reasons) || reasons < 0) throw new HearthError('argument', `reasons must be a non-negative integer, got ${reasons}`);
    const model = modelCode(options.model);
    const weight = hybridWeightOf(options.hybridWeight);
    const engine = this._live();
    const entries = this._entries(history, ignoreUnknown);
    const excluded = [];
    for (const id of exclude) {
      const i = this._index.get(id);
      if (i !== undefined) excluded.push(i);
    }
    const { items, values, skip } = this._stage(entries.length + excluded.length);
    const heapU32 = this._module.HEAPU32;
    const heapF32 = this._module.HEAPF32;
    for (let j = 0; j < entries.length; j++) {
      heapU32[(items >>> 2) + j] = entries[j][0];
      heapF32[(values >>> 2) + j] = entries[j][1];
    }
    for (let j = 0; j < excluded.length; j++) heapU32[(skip >>> 2) + j] = excluded[j];
    const count = engine.recommend(items, values, entries.length, skip, excluded.length, k, reasons, excludeHistory, model, weight, !!explain);
    if (count < 0) throw new HearthError(engine.errorCode(), engine.error());
    return this._readRecommendations(count, MODEL_NAMES[engine.resultModel()]);
  }

  /**
   * Why an item scores as it does for a history. For MF every history item's exact
   * contribution (score === base + the sum of the weights, `additive: true`); for SASRec
   * and the hybrid each history item's leave-one-out influence (the score minus the score
   * without it), plus the last layer's attention weights as a secondary view.
   * @param {HistoryItem[]} history
   * @param {string} itemId
   * @param {{ ignoreUnknown?: boolean, model?: ModelName, hybridWeight?: number }} [options]
   */
  async explain(history, itemId, options = {}) {
    const engine = this._live();
    const target = this._index.get(itemId);
    if (target === undefined) throw new HearthError('unknown-item', `item '${itemId}' is not in the catalog`);
    const entries = this._entries(history, !!options.ignoreUnknown);
    const { items, values } = this._stage(entries.length);
    const heapU32 = this._module.HEAPU32;
    const heapF32 = this._module.HEAPF32;
    for (let j = 0; j < entries.length; j++) {
      heapU32[(items >>> 2) + j] = entries[j][0];
      heapF32[(values >>> 2) + j] = entries[j][1];
    }
    const count = engine.explain(items, values, entries.length, target, modelCode(options.model), hybridWeightOf(options.hybridWeight));
    if (count < 0) throw new HearthError(engine.errorCode(), engine.error());
    return {
      ...this._describe(target),
      model: MODEL_NAMES[engine.explainedModel()],
      score: engine.explainedScore(),
      additive: engine.explainedAdditive(),
      base: engine.explainedBase(),
      contributions: this._readReasons(engine.contributionsPtr(), count),
      attention: this._readReasons(engine.attentionPtr(), engine.attentionCount()),
    };
  }

  /**
   * Items like `itemId`: nearest item embeddings by cosine, most similar first, with the
   * tags they share with it.
   * @param {string} itemId
   * @param {{ k?: number }} [options]
   */
  async similar(itemId, options = {}) {
    const { k = 10 } = options;
    if (!Number.isInteger(k) || k < 0) throw new HearthError('argument', `k must be a non-negative integer, got ${k}`);
    const engine = this._live();
    const target = this._index.get(itemId);
    if (target === undefined) throw new HearthError('unknown-item', `item '${itemId}' is not in the catalog`);
    const count = engine.similar(target, k);
    if (count < 0) throw new HearthError(engine.errorCode(), engine.error());
    const at = engine.similarPtr() >>> 2;
    const u32 = this._module.HEAPU32.slice(at, at + 2 * count);
    const f32 = new Float32Array(u32.buffer);
    const own = new Set(this._describe(target).tags);
    const out = [];
    for (let j = 0; j < count; j++) {
      const item = this._describe(u32[2 * j]);
      out.push({ ...item, similarity: f32[2 * j + 1], sharedTags: item.tags.filter((t) => own.has(t)) });
    }
    return out;
  }

  /** Frees the WebAssembly memory of this recommender. Further calls throw. */
  dispose() {
    if (!this._engine) return;
    if (this._buffer) this._module._free(this._buffer);
    this._engine.delete();
    this._engine = null;
    this._buffer = 0;
  }

  _live() {
    if (!this._engine) throw new HearthError('disposed', 'this recommender has been disposed');
    return this._engine;
  }

  _readReasons(ptr, count) {
    const at = ptr >>> 2;
    const u32 = this._module.HEAPU32.slice(at, at + 2 * count);
    const f32 = new Float32Array(u32.buffer);
    const out = [];
    for (let j = 0; j < count; j++) {
      const i = u32[2 * j];
      out.push({ id: this._ids[i], title: this._titles[i], weight: f32[2 * j + 1] });
    }
    return out;
  }

  _entries(history, ignoreUnknown) {
    if (!Array.isArray(history)) throw new HearthError('argument', 'history must be an array of ids or { id, value } objects');
    // Entries with timestamps are put in time order (stable), the order a sequence model reads.
    if (history.some((h) => h && typeof h === 'object' && typeof h.ts === 'number')) {
      history = history.map((h, j) => [h, j]).sort((a, b) => tsOf(a[0]) - tsOf(b[0]) || a[1] - b[1]).map(([h]) => h);
    }
    const out = [];
    for (let j = 0; j < history.length; j++) {
      const h = history[j];
      const id = typeof h === 'string' ? h : h && h.id;
      const value = typeof h === 'string' || h.value === undefined ? 1 : h.value;
      if (typeof id !== 'string') throw new HearthError('argument', `history[${j}] has no string id`);
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new HearthError('argument', `history[${j}] ('${id}') has a value that is not a finite number`);
      const i = this._index.get(id);
      if (i === undefined) {
        if (ignoreUnknown) continue;
        throw new HearthError('unknown-item', `history[${j}]: item '${id}' is not in the catalog`);
      }
      out.push([i, value]);
    }
    return out;
  }

  // One reusable heap buffer for inputs: [items u32 | values f32 | excluded u32].
  _stage(n) {
    if (n > this._capacity) {
      if (this._buffer) this._module._free(this._buffer);
      this._capacity = Math.max(64, n * 2);
      this._buffer = this._module._malloc(this._capacity * 12);
      if (!this._buffer) throw new HearthError('memory', 'cannot allocate the history buffer');
    }
    return { items: this._buffer, values: this._buffer + this._capacity * 4, skip: this._buffer + this._capacity * 8 };
  }

  _describe(i) {
    const tags = [];
    for (let t = this._tagOffsets[i]; t < this._tagOffsets[i + 1]; t++) tags.push(this._tagNames[this._tagIds[t]]);
    return { id: this._ids[i], title: this._titles[i], tags };
  }

  _readRecommendations(count, model) {
    const engine = this._engine;
    const heapU32 = this._module.HEAPU32;
    const at = engine.resultsPtr() >>> 2;
    const results = heapU32.slice(at, at + 2 * count);
    const resultScores = new Float32Array(results.buffer);
    const baseAt = engine.basePtr() >>> 2;
    const base = this._module.HEAPF32.slice(baseAt, baseAt + count);
    const startAt = engine.reasonStartPtr() >>> 2;
    const starts = heapU32.slice(startAt, startAt + count + 1);
    const reasonAt = engine.reasonsPtr() >>> 2;
    const reasons = heapU32.slice(reasonAt, reasonAt + 2 * starts[count]);
    const reasonWeights = new Float32Array(reasons.buffer);
    const out = [];
    for (let r = 0; r < count; r++) {
      const because = [];
      for (let j = starts[r]; j < starts[r + 1]; j++) {
        const i = reasons[2 * j];
        because.push({ id: this._ids[i], title: this._titles[i], weight: reasonWeights[2 * j + 1] });
      }
      out.push({ ...this._describe(results[2 * r]), model, score: resultScores[2 * r + 1], base: base[r], because });
    }
    return out;
  }
}
