// The in-thread engine: the WebAssembly module and one loaded bundle, behind plain
// methods (used directly, or inside a worker by worker-host.js). The public API, with the
// user's stored history, is index.js.
import { HearthError } from './errors.js';
import { historyContext, summarizeReason } from './reasons.js';
import { loadModule } from './module.js';
import { loadBundle } from './loader.js';
import { catalogList } from './catalog.js';

/**
 * @typedef {string | { id: string, value?: number, ts?: number }} HistoryItem
 * @typedef {{ id: string, title: string, weight: number }} Reason
 * @typedef {'diversity' | 'calibration' | 'novelty' | 'mood' | 'feedback'} ControlName
 * @typedef {{ control: ControlName, fromRank: number }} ControlEffect
 * @typedef {{ id: string, title: string, tags: string[], model: ModelName, score: number, base: number, because: Reason[],
 *   modelRank: number, controls: ControlEffect[], isNew: boolean, popularIn?: string }} Recommendation
 * @typedef {'auto' | 'mf' | 'sasrec' | 'hybrid'} ModelName
 * @typedef {{ k?: number, reasons?: number, exclude?: string[], excludeHistory?: boolean, ignoreUnknown?: boolean,
 *   model?: ModelName, hybridWeight?: number, explain?: boolean, diversity?: number, calibration?: number,
 *   novelty?: number, mood?: string | Record<string, number>, moodStrength?: number, feedback?: number,
 *   avoid?: string[], avoidTags?: string[], blockTags?: string[] }} RecommendOptions
 * @typedef {{ name: string, weights: Record<string, number> }} Mood
 */

const MODEL_NAMES = ['auto', 'mf', 'sasrec', 'hybrid'];
// The re-ranking controls in the order of their bits (core/device/rerank/rerank.h, Control).
const CONTROL_NAMES = ['diversity', 'calibration', 'novelty', 'mood', 'feedback'];
const DEFAULT_MOOD_STRENGTH = 0.5;
const DEFAULT_FEEDBACK = 0.5;
// The recommend() controls as one struct in wasm memory (ControlsBlock in wasm/bindings.cpp).
const CONTROLS_BLOCK_BYTES = 13 * 4;
// A history value is a rating or a strength: anything this large is a mistake, and it
// would overflow the fold-in's float32 solve.
const MAX_HISTORY_VALUE = 1e6;
// More reasons than this per item are never shown, and more than a history has are none.
const MAX_REASONS = 1000;

function show(v) {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

/**
 * A count option (k, reasons): a non-negative integer, `fallback` when not given, and at most
 * `limit` (a k beyond the catalog asks for the whole catalog).
 */
function countOf(options, name, fallback, limit) {
  const v = options[name];
  if (v === undefined) return Math.min(fallback, limit);
  if (!Number.isSafeInteger(v) || v < 0) throw new HearthError('argument', `${name} must be a non-negative integer, got ${show(v)}`);
  return Math.min(v, limit);
}

/** A control strength in [0, 1], or `fallback` when not given. */
function strengthOf(options, name, fallback) {
  const v = options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new HearthError('argument', `${name} must be a number in [0, 1], got ${show(v)}`);
  return v;
}

function stringsOf(options, name, what) {
  const list = options[name];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new HearthError('argument', `${name} must be an array of ${what}, got ${show(list)}`);
  list.forEach((x, j) => {
    if (typeof x !== 'string') throw new HearthError('argument', `${name}[${j}] must be a string, got ${show(x)}`);
  });
  return list;
}

/**
 * Checks a page-defined mood ({ tag: weight in [-1, 1] }) against a catalog's tags and
 * calls visit(tagIndex, weight) for each entry. `where` names it in errors.
 * @param {unknown} weights
 * @param {Map<string, number>} tagIndex
 * @param {string} where
 * @param {(tag: number, weight: number) => void} [visit]
 */
export function checkMoodWeights(weights, tagIndex, where, visit) {
  if (!weights || typeof weights !== 'object' || Array.isArray(weights)) {
    throw new HearthError('argument', `${where} must be a mood name or an object { tag: weight in [-1, 1] }, got ${show(weights)}`);
  }
  for (const [tag, w] of Object.entries(weights)) {
    const t = tagIndex.get(tag);
    if (t === undefined) throw new HearthError('argument', `${where}: '${tag}' is not a tag of this catalog`);
    if (typeof w !== 'number' || !(w >= -1 && w <= 1)) throw new HearthError('argument', `${where}: the weight of '${tag}' must be a number in [-1, 1], got ${show(w)}`);
    if (visit) visit(t, w);
  }
}

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

const utf8 = new TextDecoder();

// TextDecoder refuses views of shared memory (the threaded module's heap): those are copied.
function decode(view) {
  return utf8.decode(view.buffer instanceof ArrayBuffer ? view : view.slice());
}

// bytes[from, to) as a string: short ASCII (titles, mostly) without TextDecoder's fixed cost.
function decodeShort(bytes, from, to) {
  if (to - from > 64) return decode(bytes.subarray(from, to));
  let s = '';
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    if (c > 0x7f) return decode(bytes.subarray(from, to));
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * A string table section decoded in place from the bundle's bytes in wasm memory: one
 * TextDecoder call for the whole table, sliced by byte offsets when it is ASCII (the decoded
 * text is then exactly as long as the bytes), one call per string otherwise.
 */
function readStringTable(module, engine, section) {
  const count = engine.stringTableCount(section);
  if (count === 0) return [];
  const ptr = engine.stringTablePtr(section);
  if (!ptr) throw new HearthError(engine.errorCode() || 'bundle', engine.error());
  const offsets = module.HEAPU32.subarray(ptr >>> 2, (ptr >>> 2) + count + 1);
  const chars = ptr + (count + 1) * 4;
  const bytes = module.HEAPU8.subarray(chars, chars + offsets[count]);
  const text = decode(bytes);
  const out = new Array(count);
  if (text.length === bytes.length) {
    for (let i = 0; i < count; i++) out[i] = text.slice(offsets[i], offsets[i + 1]);
  } else {
    for (let i = 0; i < count; i++) out[i] = decode(bytes.subarray(offsets[i], offsets[i + 1]));
  }
  return out;
}

/**
 * A string table section left in the bundle's bytes in wasm memory, each string decoded
 * when first asked for and kept: opening a bundle decodes none of them (decoding and
 * indexing 100k ids was a third of opening a 100k-item bundle), and a list shows a few.
 */
class StringTableView {
  constructor(module, engine, section) {
    this._module = module;
    this.length = engine.stringTableCount(section);
    this._ptr = this.length ? engine.stringTablePtr(section) : 0;
    if (this.length && !this._ptr) throw new HearthError(engine.errorCode() || 'bundle', engine.error());
    this._cache = new Map();
  }

  at(i) {
    let s = this._cache.get(i);
    if (s === undefined) {
      const offsets = this._module.HEAPU32;
      const at = this._ptr >>> 2;
      const chars = this._ptr + (this.length + 1) * 4;
      s = decodeShort(this._module.HEAPU8, chars + offsets[at + i], chars + offsets[at + i + 1]);
      this._cache.set(i, s);
    }
    return s;
  }
}

const utf8Encoder = new TextEncoder();

/**
 * Loads a bundle into the WebAssembly module on this thread.
 * @param {{ bundle: string | URL | ArrayBuffer | Uint8Array, wasmBinary?: ArrayBuffer | Uint8Array }} options
 * @returns {Promise<EngineRecommender>}
 */
export async function openEngine(options) {
  if (!options || options.bundle === undefined) throw new HearthError('argument', 'createRecommender needs { bundle }');
  // A file or a download of known length streams straight into the heap (the bundle is in
  // memory once); bytes the caller holds, or a download of unknown length, are copied in.
  const modulePromise = loadModule(options);
  let module;
  let ptr = 0;
  const allocate = (size) => {
    if (ptr) module._free(ptr);
    ptr = module.allocateAligned(size);
    if (!ptr) throw new HearthError('memory', `cannot allocate ${size} bytes for the bundle`);
    return ptr;
  };
  const views = new WeakSet();  // the views of the heap handed to the loader
  const into = async (size) => {
    module = await modulePromise;
    const at = allocate(size);
    const bytes = () => {
      const view = module.HEAPU8.subarray(at, at + size);
      views.add(view);
      return view;
    };
    return { write: (chunk, offset) => module.HEAPU8.set(chunk, at + offset), bytes };
  };
  let size;
  try {
    const [loadedModule, bytes] = await Promise.all([modulePromise, loadBundle(options.bundle, options, into)]);
    module = loadedModule;
    size = bytes.byteLength;
    if (!views.has(bytes)) {
      const at = allocate(size);  // first: it may grow the heap, which detaches older views
      module.HEAPU8.set(bytes, at);
    }
  } catch (e) {
    if (ptr) module._free(ptr);
    throw e;
  }
  const engine = new module.Engine(ptr, size);  // owns ptr from here on
  if (!engine.ok()) {
    const error = new HearthError(engine.errorCode() || 'bundle', engine.error());
    engine.delete();
    throw error;
  }
  // A failed open leaves the module's memory as it found it.
  try {
    return new EngineRecommender(module, engine);
  } catch (e) {
    engine.delete();
    throw e instanceof HearthError ? e : new HearthError('internal', `cannot open the bundle: ${e && e.message}`);
  }
}

/** The bundle's metadata section as an object, or HearthError('bundle') saying why not. */
function parseMeta(engine) {
  const text = engine.metaJson();
  if (engine.errorCode()) throw new HearthError(engine.errorCode(), engine.error());
  let meta;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new HearthError('bundle', `section 'meta': not valid JSON (${e.message})`);
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new HearthError('bundle', "section 'meta': not a JSON object");
  return meta;
}

/** A loaded bundle on this thread. dispose() frees its WebAssembly memory. */
export class EngineRecommender {
  /** @internal */
  constructor(module, engine) {
    this._module = module;
    this._engine = engine;
    this._ids = new StringTableView(module, engine, 'catalog.ids');
    this._titles = new StringTableView(module, engine, 'catalog.titles');
    // id -> index answers of the C++ catalog's lookup (Catalog::find), kept: a history
    // names the same items call after call.
    this._indexCache = new Map();
    this._idScratch = 0;
    this._idScratchBytes = 0;
    this._tagNames = readStringTable(module, engine, 'catalog.tags');
    const n = engine.itemCount();
    // Where the catalog's per-item columns sit in the wasm heap: read through views made at
    // each use (see _tagOffsets), never copied, so that a 1M-item catalog is in memory once.
    this._columns = {
      items: n,
      tagOffsets: engine.tagOffsetsPtr() >>> 2,
      tagIds: engine.tagIdsPtr() >>> 2,
      tagIdsLength: engine.tagIdsLength(),
      popularity: engine.popularityPtr() >>> 2,
    };
    /** Threads that score the catalog (1 unless this is the threaded module). */
    this.threads = module.scoringThreads();
    /** Bundle metadata: model, hyper-parameters, training summary, metrics. */
    this.meta = parseMeta(engine);
    /** The models in the bundle: MF kind ('implicit' | 'explicit' | null), SASRec, hybrid weight. */
    this.models = {
      mf: engine.hasMf() ? engine.mfKind() : null,
      sasrec: engine.hasSasrec(),
      hybridWeight: engine.hasMf() && engine.hasSasrec() ? engine.hybridWeight() : null,
    };
    // Each tag's kind ('genre', 'mood', 'series', 'other'); all 'other' without catalog.tag_kinds.
    const kinds = readStringTable(module, engine, 'catalog.tag_kinds');
    this._tagKinds = kinds.length === this._tagNames.length ? kinds : this._tagNames.map(() => 'other');
    /** @type {Readonly<Record<string, 'genre' | 'mood' | 'series' | 'other'>>} */
    this.tagKinds = Object.freeze(Object.fromEntries(this._tagNames.map((t, i) => [t, this._tagKinds[i]])));
    this._tagIndex = new Map(this._tagNames.map((t, i) => [t, i]));
    this._tagList = Object.freeze([...this._tagNames]);
    // Items the trainer placed by their tags alone (no interactions yet): "new".
    const contentAt = engine.contentItemsPtr() >>> 2;
    this._newItems = new Set(module.HEAPU32.subarray(contentAt, contentAt + engine.contentItemCount()));
    // The bundle's moods (none in bundles written before moods existed).
    const moodNames = engine.moodCount() > 0 ? readStringTable(module, engine, 'mood.names') : [];
    this._moodIndex = new Map(moodNames.map((name, m) => [name, m]));
    this._moods = moodNames.map((name, m) => {
      const at = engine.moodWeightsPtr(m) >>> 2;
      const per = module.HEAPF32.subarray(at, at + this._tagNames.length);
      /** @type {Record<string, number>} */
      const weights = {};
      // Stored as f32: rounded to 6 decimals so that 0.7 reads as 0.7 (and maps back to the same f32).
      per.forEach((w, t) => { if (w !== 0) weights[this._tagNames[t]] = Math.round(w * 1e6) / 1e6; });
      return { name, weights };
    });
    this._implicitMf = this.models.mf === 'implicit';
    this._capacity = 0;
    this._buffer = 0;
  }

  // Views of the catalog's columns in the wasm heap. A view kept across calls would be
  // detached when the heap grows (and a copy would double the catalog), so each use takes
  // a fresh one: take it once per call, not per item.
  /** @internal Item i's tags are _tagIds[_tagOffsets[i] .. _tagOffsets[i + 1]). */
  get _tagOffsets() {
    const c = this._columns;
    return this._module.HEAPU32.subarray(c.tagOffsets, c.tagOffsets + c.items + 1);
  }

  /** @internal */
  get _tagIds() {
    const c = this._columns;
    return this._module.HEAPU32.subarray(c.tagIds, c.tagIds + c.tagIdsLength);
  }

  /** @internal Each item's training events (the bundle's popularity column). */
  get _popularity() {
    const c = this._columns;
    return this._module.HEAPF32.subarray(c.popularity, c.popularity + c.items);
  }

  /** @internal Whether the trainer placed item i by its tags alone. */
  _isNew(i) {
    return this._newItems.has(i);
  }

  /** @internal The title of item i (its id when the bundle has no titles). */
  _title(i) {
    return i < this._titles.length ? this._titles.at(i) : this._ids.at(i);
  }

  /** @internal The index of an id, or undefined. */
  _indexOf(id) {
    if (typeof id !== 'string') return undefined;
    let i = this._indexCache.get(id);
    if (i === undefined) {
      const engine = this._live();
      // Encoded, then copied: TextEncoder cannot write into shared memory (the threaded
      // module's heap). Only ids not seen before come here.
      const bytes = utf8Encoder.encode(id);
      if (bytes.length > this._idScratchBytes) {
        if (this._idScratch) this._module._free(this._idScratch);
        const size = Math.max(64, 2 * bytes.length);
        this._idScratch = this._module._malloc(size);
        this._idScratchBytes = this._idScratch ? size : 0;
        if (!this._idScratch) throw new HearthError('memory', 'cannot allocate room for an id');
      }
      this._module.HEAPU8.set(bytes, this._idScratch);
      const found = engine.findItem(this._idScratch, bytes.length);
      if (found < 0) return undefined;
      i = found;
      this._indexCache.set(id, i);
    }
    return i;
  }

  /** Number of items in the catalog. */
  get size() {
    return this._ids.length;
  }

  /** Every tag name of the catalog. */
  get tags() {
    return this._tagList;
  }

  /**
   * The bundle's moods: each a name and its weights over tags in [-1, 1] (tags it does not
   * name weigh 0). Empty for bundles without moods.
   * @returns {Mood[]}
   */
  moods() {
    return this._moods.map((m) => ({ name: m.name, weights: { ...m.weights } }));
  }

  /**
   * Every catalog item, most popular first (ties in catalog order), with whether the
   * trainer placed it by its tags alone (`isNew`) and its popularity (training events).
   */
  catalog() {
    this._live();  // the strings are read from the recommender's wasm memory
    return catalogList(this._ids.length, (i) => this._describe(i), this._popularity.slice(), (i) => this._isNew(i));
  }

  /**
   * The catalog entry of an item id, or undefined.
   * @param {string} id
   */
  item(id) {
    this._live();
    const i = this._indexOf(id);
    return i === undefined ? undefined : this._describe(i);
  }

  /**
   * The top recommendations for a history, each with the history items that drove it.
   * @param {HistoryItem[]} history oldest first (or with `ts`, then ordered by it); a bare id counts as value 1
   * @param {RecommendOptions} [options]
   * @returns {Promise<Recommendation[]>}
   */
  async recommend(history, options = {}) {
    if (!options || typeof options !== 'object') throw new HearthError('argument', `options must be an object, got ${show(options)}`);
    const { excludeHistory = true, ignoreUnknown = false, explain = true } = options;
    const k = countOf(options, 'k', 10, this.size);
    const reasons = countOf(options, 'reasons', 3, MAX_REASONS);
    const model = modelCode(options.model);
    const weight = hybridWeightOf(options.hybridWeight);
    const diversity = strengthOf(options, 'diversity', 0);
    const calibration = strengthOf(options, 'calibration', 0);
    const novelty = strengthOf(options, 'novelty', 0);
    const feedback = strengthOf(options, 'feedback', DEFAULT_FEEDBACK);
    const hasMood = options.mood !== undefined && options.mood !== null;
    const moodStrength = strengthOf(options, 'moodStrength', hasMood ? DEFAULT_MOOD_STRENGTH : 0);
    const avoid = this._known(stringsOf(options, 'avoid', 'item ids'));
    const avoidTags = this._tagIndices(stringsOf(options, 'avoidTags', 'tag names'), 'avoidTags');
    const blockTags = this._tagIndices(stringsOf(options, 'blockTags', 'tag names'), 'blockTags');
    const engine = this._live();
    const entries = this._entries(history, ignoreUnknown);
    const excluded = this._known(stringsOf(options, 'exclude', 'item ids'));
    const stage = this._stage(Math.max(entries.length + excluded.length, avoid.length, avoidTags.length, blockTags.length));
    const heapU32 = this._module.HEAPU32;
    const heapF32 = this._module.HEAPF32;
    for (let j = 0; j < entries.length; j++) {
      heapU32[(stage.items >>> 2) + j] = entries[j][0];
      heapF32[(stage.values >>> 2) + j] = entries[j][1];
    }
    heapU32.set(excluded, stage.skip >>> 2);
    heapU32.set(avoid, stage.avoid >>> 2);
    heapU32.set(avoidTags, stage.avoidTags >>> 2);
    heapU32.set(blockTags, stage.blockTags >>> 2);
    let moodIndex = -1;
    let moodWeights = 0;
    if (typeof options.mood === 'string') {
      moodIndex = this._moodIndex.get(options.mood) ?? -1;
      if (moodIndex < 0) {
        const known = this._moods.length ? `one of ${this._moods.map((m) => `'${m.name}'`).join(', ')}` : 'none: this bundle has no moods';
        throw new HearthError('argument', `mood '${options.mood}' is not a mood of this bundle (${known}); pass { tag: weight } for a mood of your own`);
      }
    } else if (hasMood) {
      const at = stage.mood >>> 2;
      heapF32.fill(0, at, at + this._tagNames.length);
      checkMoodWeights(options.mood, this._tagIndex, 'mood', (t, w) => { heapF32[at + t] = w; });
      moodWeights = stage.mood;
    }
    // One ControlsBlock (wasm/bindings.cpp): 13 four-byte fields.
    const block = stage.controls >>> 2;
    heapF32.set([diversity, calibration, novelty, moodStrength, feedback], block);
    this._module.HEAP32[block + 5] = moodIndex;
    heapU32.set([moodWeights, stage.avoid, avoid.length, stage.avoidTags, avoidTags.length, stage.blockTags, blockTags.length], block + 6);
    engine.setControls(stage.controls);
    const count = engine.recommend(stage.items, stage.values, entries.length, stage.skip, excluded.length, k, reasons, excludeHistory, model, weight, !!explain);
    if (count < 0) throw new HearthError(engine.errorCode(), engine.error());
    return this._readRecommendations(count, MODEL_NAMES[engine.resultModel()], entries, !!explain);
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
    const target = this._indexOf(itemId);
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
    const explained = {
      ...this._describe(target),
      model: MODEL_NAMES[engine.explainedModel()],
      score: engine.explainedScore(),
      additive: engine.explainedAdditive(),
      base: engine.explainedBase(),
      contributions: this._readReasons(engine.contributionsPtr(), count),
      attention: this._readReasons(engine.attentionPtr(), engine.attentionCount()),
    };
    explained.reason = this._reason(target, explained.contributions,
      explained.additive ? explained.score - explained.base : undefined, this._isNew(target), undefined,
      this._historyContext(entries));
    return explained;
  }

  /**
   * Items like `itemId`: nearest item embeddings by cosine, most similar first, with the
   * tags they share with it.
   * @param {string} itemId
   * @param {{ k?: number }} [options]
   */
  async similar(itemId, options = {}) {
    if (!options || typeof options !== 'object') throw new HearthError('argument', `options must be an object, got ${show(options)}`);
    const k = countOf(options, 'k', 10, this.size);
    const engine = this._live();
    const target = this._indexOf(itemId);
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
    if (this._idScratch) this._module._free(this._idScratch);
    this._engine.delete();
    this._engine = null;
    this._buffer = 0;
    this._idScratch = 0;
  }

  _live() {
    if (!this._engine) throw new HearthError('disposed', 'this recommender has been disposed');
    return this._engine;
  }

  _reason(item, reasons, personal, isNew, popularIn, history) {
    return summarizeReason({
      itemTags: Array.from(this._tagIdsOf(item)), reasons, personal, isNew, popularIn, history,
      kinds: this._tagKinds, tagNames: this._tagNames, describe: (i) => ({ id: this._ids.at(i), title: this._title(i) }),
    });
  }

  _readReasons(ptr, count) {
    const at = ptr >>> 2;
    const u32 = this._module.HEAPU32.slice(at, at + 2 * count);
    const f32 = new Float32Array(u32.buffer);
    const out = [];
    for (let j = 0; j < count; j++) {
      const i = u32[2 * j];
      out.push({ id: this._ids.at(i), title: this._title(i), weight: f32[2 * j + 1] });
    }
    return out;
  }

  _entries(history, ignoreUnknown) {
    if (!Array.isArray(history)) throw new HearthError('argument', 'history must be an array of ids or { id, value } objects');
    // Entries with timestamps are put in time order (stable), the order a sequence model reads.
    for (let j = 0; j < history.length; j++) {
      if (!(j in history)) throw new HearthError('argument', `history[${j}] is a hole in the array (an item id or { id, value?, ts? } is needed)`);
    }
    if (history.some((h) => h && typeof h === 'object' && typeof h.ts === 'number')) {
      history = history.map((h, j) => [h, j]).sort((a, b) => tsOf(a[0]) - tsOf(b[0]) || a[1] - b[1]).map(([h]) => h);
    }
    const out = [];
    // Implicit-feedback MF weighs an item by confidence 1 + alpha * value: a negative value
    // can make the fold-in's ridge system indefinite, so it is refused rather than solved.
    const nonNegative = this._implicitMf;
    for (let j = 0; j < history.length; j++) {
      const h = history[j];
      if (typeof h !== 'string' && (!h || typeof h !== 'object')) {
        throw new HearthError('argument', `history[${j}] must be an item id or { id, value?, ts? }, got ${show(h)}`);
      }
      const id = typeof h === 'string' ? h : h.id;
      const value = typeof h === 'string' || h.value === undefined ? 1 : h.value;
      if (typeof id !== 'string') throw new HearthError('argument', `history[${j}] has no string id`);
      if (typeof value !== 'number' || !(Math.abs(value) <= MAX_HISTORY_VALUE)) {
        throw new HearthError('argument', `history[${j}] ('${id}') has value ${show(value)}: it must be a finite number with magnitude at most ${MAX_HISTORY_VALUE}`);
      }
      if (nonNegative && value < 0) {
        throw new HearthError('argument', `history[${j}] ('${id}') has value ${value}: this bundle's implicit-feedback model needs values >= 0 (leave a disliked item out, or record it as 'dislike')`);
      }
      const i = this._indexOf(id);
      if (i === undefined) {
        if (ignoreUnknown) continue;
        throw new HearthError('unknown-item', `history[${j}]: item '${id}' is not in the catalog`);
      }
      out.push([i, value]);
    }
    return out;
  }

  // Catalog indices of the known ids (unknown ones are skipped, as for `exclude`).
  _known(ids) {
    const out = [];
    for (const id of ids) {
      const i = this._indexOf(id);
      if (i !== undefined) out.push(i);
    }
    return out;
  }

  _tagIndices(names, option) {
    return names.map((name) => {
      const t = this._tagIndex.get(name);
      if (t === undefined) throw new HearthError('argument', `${option}: '${name}' is not a tag of this catalog`);
      return t;
    });
  }

  // One reusable heap buffer for inputs, `capacity` entries per list:
  // [items u32 | values f32 | excluded u32 | avoided items u32 | avoided tags u32 |
  //  blocked tags u32 | the controls block (13 x 4 bytes) | mood weights f32 x tag count].
  _stage(n) {
    if (n > this._capacity || !this._buffer) {
      if (this._buffer) this._module._free(this._buffer);
      this._buffer = 0;
      this._capacity = Math.max(64, n * 2);
      this._buffer = this._module._malloc(this._capacity * 24 + CONTROLS_BLOCK_BYTES + Math.max(1, this._tagNames.length) * 4);
      if (!this._buffer) {
        this._capacity = 0;
        throw new HearthError('memory', 'cannot allocate the history buffer');
      }
    }
    const b = this._buffer;
    const c = this._capacity * 4;
    return {
      items: b, values: b + c, skip: b + 2 * c, avoid: b + 3 * c, avoidTags: b + 4 * c, blockTags: b + 5 * c,
      controls: b + 6 * c, mood: b + 6 * c + CONTROLS_BLOCK_BYTES,
    };
  }

  _tagsOf(i) {
    const tags = [];
    for (const t of this._tagIdsOf(i)) tags.push(this._tagNames[t]);
    return tags;
  }

  _describe(i) {
    return { id: this._ids.at(i), title: this._title(i), tags: this._tagsOf(i) };
  }

  // What reasons.js needs to know of a history: its tags and series (items with a value > 0).
  _historyContext(entries) {
    return historyContext(entries.filter((e) => e[1] > 0).map((e) => e[0]), this._tagIdsReader(), this._tagKinds);
  }

  _tagIdsOf(i) {
    return this._tagIdsReader()(i);
  }

  // Item i -> its tag ids, over views taken once: for a loop over many items (a history of
  // 200 items took twice as long with fresh views per item). Use it before the next wasm
  // call, which may grow the heap.
  _tagIdsReader() {
    const offsets = this._tagOffsets;
    const ids = this._tagIds;
    return (i) => ids.subarray(offsets[i], offsets[i + 1]);
  }

  _readRecommendations(count, model, entries, explained) {
    const history = this._historyContext(entries);
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
    const controlsAt = engine.controlsPtr() >>> 2;
    const controls = heapU32.slice(controlsAt, controlsAt + count);
    const rankAt = engine.modelRankPtr() >>> 2;
    const ranks = heapU32.slice(rankAt, rankAt + count);
    const popularAt = engine.popularInPtr() >>> 2;
    const popularIn = this._module.HEAP32.slice(popularAt, popularAt + count);
    const out = [];
    for (let r = 0; r < count; r++) {
      const because = [];
      for (let j = starts[r]; j < starts[r + 1]; j++) {
        const i = reasons[2 * j];
        because.push({ id: this._ids.at(i), title: this._title(i), weight: reasonWeights[2 * j + 1] });
      }
      const item = results[2 * r];
      const fromRank = ranks[r] + 1;
      const moved = [];
      for (let bit = 0; bit < CONTROL_NAMES.length; bit++) {
        if (controls[r] & (1 << bit)) moved.push({ control: CONTROL_NAMES[bit], fromRank });
      }
      // One literal (no spread of _describe's object: that cost 3 us an item in V8).
      /** @type {Recommendation} */
      const rec = {
        id: this._ids.at(item), title: this._title(item), tags: this._tagsOf(item),
        model, score: resultScores[2 * r + 1], base: base[r], because,
        modelRank: fromRank, controls: moved, isNew: this._isNew(item),
      };
      if (popularIn[r] >= 0) rec.popularIn = this._tagNames[popularIn[r]];
      // Without computed reasons (explain: false on a sequence model) a personal
      // recommendation has no honest first line, so it gets none.
      const reason = this._reason(item, because, model === 'mf' ? rec.score - rec.base : undefined, rec.isNew, rec.popularIn, history);
      if (reason.kind !== 'popular' || explained || model === 'mf' || history.size === 0) rec.reason = reason;
      out.push(rec);
    }
    return out;
  }
}

