// Hearth: recommendations computed on the device, each with its true reasons, from a
// history that stays on the device.
import { privacyOf } from './privacy.js';
import { HearthError, ERROR_CODES } from './errors.js';
import { openEngine, checkMoodWeights } from './engine.js';
import { createWorkerRecommender } from './worker-client.js';
import { openHistory, createMemoryAdapter, createLocalStorageAdapter, createIndexedDBAdapter } from './history.js';
import { loadBundle } from './loader.js';

export { HearthError, ERROR_CODES, privacyOf, openHistory, createMemoryAdapter, createLocalStorageAdapter, createIndexedDBAdapter, loadBundle };

/**
 * @typedef {import('./history.js').HistoryStore} HistoryStore
 * @typedef {string | { id: string, value?: number, ts?: number }} HistoryItem
 */

// How much each kind of event says about the user, as the model's input value. Dislikes
// and skips are not taste: they are left out of the model input, and a dislike also keeps
// the item out of the list.
const IMPLICIT_STRENGTH = { view: 1, click: 1, like: 3, purchase: 4 };

/**
 * The model input for stored events, oldest first. For explicit-rating models only ratings
 * (and likes as a 5, dislikes as a 1) are evidence; for the others every positive event is.
 * @param {Array<{ type: string, item: string, ts: number, value?: number }>} events
 * @param {{ mf: string | null }} models
 */
export function historyFromEvents(events, models) {
  const out = [];
  const explicit = models.mf === 'explicit' && !models.sasrec;
  // A stored value may be any finite number (STORAGE.md); the engine takes magnitudes up to
  // 1e6 and, for implicit feedback, no negative strength: such events are not evidence.
  const usable = (v) => v === undefined || (Math.abs(v) <= 1e6 && (explicit || models.mf !== 'implicit' || v >= 0));
  for (const e of events) {
    if (!usable(e.value)) continue;
    if (explicit) {
      if (e.type === 'rate') out.push({ id: e.item, value: e.value, ts: e.ts });
      else if (e.type === 'like') out.push({ id: e.item, value: 5, ts: e.ts });
      else if (e.type === 'dislike') out.push({ id: e.item, value: 1, ts: e.ts });
    } else if (e.type === 'rate') {
      if (e.value >= 3) out.push({ id: e.item, value: e.value, ts: e.ts });
    } else if (IMPLICIT_STRENGTH[e.type] !== undefined) {
      out.push({ id: e.item, value: e.value ?? IMPLICIT_STRENGTH[e.type], ts: e.ts });
    }
  }
  return out;
}

/**
 * Loads a bundle and opens the user's history; everything runs and stays on the device.
 * @param {object} options see CreateRecommenderOptions in web/index.d.ts
 * @returns {Promise<Recommender>}
 */
export async function createRecommender(options) {
  if (!options || options.bundle === undefined) throw new HearthError('argument', 'createRecommender needs { bundle }');
  const { storage = 'auto', namespace = 'default', maxEvents, onWarning, moods } = options;
  if (moods !== undefined && (!moods || typeof moods !== 'object' || Array.isArray(moods))) {
    throw new HearthError('argument', 'moods must be an object { name: { tag: weight in [-1, 1] } }');
  }
  const [engine, store] = await Promise.all([
    options.worker ? createWorkerRecommender(options) : openEngine(options),
    openHistory({ storage, namespace, maxEvents, onWarning }),
  ]);
  try {
    return new Recommender(engine, store, moods);
  } catch (e) {
    store.close();
    await engine.dispose();
    throw e;
  }
}

/**
 * A bundle and the user's history. recommend() and explain() use the stored history unless
 * given one. dispose() frees the WebAssembly memory (or stops the worker).
 */
export class Recommender {
  /** @internal */
  constructor(engine, store, moods = {}) {
    this._inner = engine;
    /** The history store (events, not-interested items and tags, pause state). */
    this.store = store;
    // Page-defined moods, by name: they add to the bundle's moods or replace one of the
    // same name. Checked against the catalog's tags here, so a typo fails at once.
    const tagIndex = new Map(engine.tags.map((t, i) => [t, i]));
    this._pageMoods = new Map();
    for (const [name, weights] of Object.entries(moods)) {
      checkMoodWeights(weights, tagIndex, `moods['${name}']`);
      this._pageMoods.set(name, { ...weights });
    }
    this._tagSet = new Set(engine.tags);
  }

  /** Bundle metadata: model, hyper-parameters, training summary, metrics. */
  get meta() { return this._inner.meta; }
  /** What the bundle promises about the people it was trained on (from meta.privacy). */
  get privacy() { return privacyOf(this._inner.meta); }
  /** The models in the bundle. */
  get models() { return this._inner.models; }
  /** Number of items in the catalog. */
  get size() { return this._inner.size; }
  /** Threads that score the catalog (1 unless the threaded module runs). */
  get threads() { return this._inner.threads; }
  /** Every tag name of the catalog. */
  get tags() { return this._inner.tags; }
  /** Each tag's kind from the bundle: 'genre', 'mood', 'series' or 'other' (all 'other' in bundles without kinds). */
  get tagKinds() { return this._inner.tagKinds; }
  /** @param {string} id the catalog entry of an item id, or undefined */
  item(id) { return this._inner.item(id); }
  /** Every catalog item ({ id, title, tags, isNew, popularity }), most popular first. */
  catalog() { return this._inner.catalog(); }

  /**
   * The moods recommend({ mood }) accepts: the bundle's, with the page's (createRecommender
   * { moods }) added or replacing those of the same name. Each { name, weights: { tag: w } }.
   */
  moods() {
    const out = this._inner.moods().filter((m) => !this._pageMoods.has(m.name));
    for (const [name, weights] of this._pageMoods) out.push({ name, weights: { ...weights } });
    return out;
  }

  /**
   * The top recommendations, each with the history items that drove it and the controls
   * that moved it. recommend(options) uses the stored history: not-interested items are
   * avoided (never shown, their neighbours down-weighted), hidden tags blocked, tags shown
   * less avoided, disliked items left out. recommend(history, options) uses the given one.
   */
  async recommend(historyOrOptions, maybeOptions) {
    if (Array.isArray(historyOrOptions)) return this._inner.recommend(historyOrOptions, this._options(maybeOptions || {}));
    const options = historyOrOptions || {};
    const stored = await this._stored();
    return this._inner.recommend(stored.history, this._withStored(stored, { ...options, ignoreUnknown: true }));
  }

  /**
   * What a new visitor sees: popular items spread over the catalog's tags, each with the
   * tag it stands for (`popularIn`). The stored not-interested items and tags still apply.
   * @param {object} [options] k (default 10), exclude, and the controls of recommend()
   */
  async onboarding(options = {}) {
    return this._inner.recommend([], this._withStored(await this._stored(), options || {}));
  }

  /**
   * Why an item scores as it does: explain(itemId, options) for the stored history,
   * explain(history, itemId, options) for a given one.
   */
  async explain(a, b, c) {
    if (typeof a === 'string') {
      const { history } = await this._stored();
      return this._inner.explain(history, a, { ...(b || {}), ignoreUnknown: true });
    }
    return this._inner.explain(a, b, c);
  }

  /** Items like `itemId` (nearest item embeddings by cosine), most similar first. */
  async similar(itemId, options = {}) {
    return this._inner.similar(itemId, options);
  }

  /** Records one event (view, click, like, dislike, rate with value, purchase, skip). */
  record(event) { return this.store.record(event); }
  /** The stored events, oldest first. */
  history() { return this.store.events(); }
  /** Removes an item's events, or those matching a predicate. */
  forget(what) { return this.store.forget(what); }
  /**
   * Not interested in an item (never shown again; items like it are down-weighted), or in
   * a tag: { tag } hides every item with it, { tag, mode: 'less' } shows them less.
   */
  notInterested(what) { return this.store.notInterested(what); }
  /** Undo notInterested (an item, or a tag in either mode). */
  undoNotInterested(what) { return this.store.undoNotInterested(what); }
  /** Deletes the whole stored history of this namespace. */
  clear() { return this.store.clear(); }
  /** The history as versioned JSON, for the user to keep. */
  exportData() { return this.store.exportData(); }
  /** Restores exported JSON (validated; merged unless { merge: false }). */
  importData(data, options) { return this.store.importData(data, options); }
  /** Stop recording (the flag is stored: every tab stops). */
  pause() { return this.store.pause(); }
  /** Record again. */
  resume() { return this.store.resume(); }
  /** What is stored, where, and how many bytes. */
  storageReport() { return this.store.storageReport(); }
  /** Opt in to persistent storage (navigator.storage.persist()); never called otherwise. */
  requestPersistence() { return this.store.requestPersistence(); }
  /** Called on every change to the history, from this tab or another. Returns unsubscribe. */
  subscribe(listener) { return this.store.subscribe(listener); }

  /** Frees the WebAssembly memory (or stops the worker) and closes the history store. */
  async dispose() {
    this.store.close();
    await this._inner.dispose();
  }

  // Page moods by name become their weights; everything else goes to the engine as is.
  _options(options) {
    if (typeof options.mood === 'string' && this._pageMoods.has(options.mood)) {
      return { ...options, mood: this._pageMoods.get(options.mood) };
    }
    return options;
  }

  // The options with the stored not-interested lists and dislikes added to their own.
  // (Something other than an array is passed on as it is, for the engine to reject.)
  _withStored(stored, options) {
    const merge = (mine, theirs) => (theirs === undefined ? mine : Array.isArray(theirs) ? [...mine, ...theirs] : theirs);
    return this._options({
      ...options,
      exclude: merge(stored.exclude, options.exclude),
      avoid: merge(stored.avoid, options.avoid),
      blockTags: merge(stored.blockTags, options.blockTags),
      avoidTags: merge(stored.avoidTags, options.avoidTags),
    });
  }

  async _stored() {
    const [events, not] = await Promise.all([this.store.events(), this.store.notInterestedList()]);
    const disliked = events.filter((e) => e.type === 'dislike').map((e) => e.item);
    // Stored tags this catalog does not have (another bundle's) are left out: they match
    // nothing here, and the engine rejects unknown tags.
    const known = (tags) => tags.filter((t) => this._tagSet.has(t));
    return {
      history: historyFromEvents(events, this.models),
      exclude: disliked,
      avoid: not.items,
      blockTags: known(not.tags),
      avoidTags: known(not.lessTags),
    };
  }
}
