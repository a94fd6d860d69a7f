// Hearth: recommendations computed on the device, each with its true reasons, from a
// history that stays on the device.
import { HearthError } from './errors.js';
import { openEngine } from './engine.js';
import { createWorkerRecommender } from './worker-client.js';
import { openHistory, createMemoryAdapter, createLocalStorageAdapter, createIndexedDBAdapter } from './history.js';
import { loadBundle } from './loader.js';

export { HearthError, openHistory, createMemoryAdapter, createLocalStorageAdapter, createIndexedDBAdapter, loadBundle };

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
  for (const e of events) {
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
  const { storage = 'auto', namespace = 'default', maxEvents, onWarning } = options;
  const [engine, store] = await Promise.all([
    options.worker ? createWorkerRecommender(options) : openEngine(options),
    openHistory({ storage, namespace, maxEvents, onWarning }),
  ]);
  return new Recommender(engine, store);
}

/**
 * A bundle and the user's history. recommend() and explain() use the stored history unless
 * given one. dispose() frees the WebAssembly memory (or stops the worker).
 */
export class Recommender {
  /** @internal */
  constructor(engine, store) {
    this._inner = engine;
    /** The history store (events, not-interested items and tags, pause state). */
    this.store = store;
  }

  /** Bundle metadata: model, hyper-parameters, training summary, metrics. */
  get meta() { return this._inner.meta; }
  /** The models in the bundle. */
  get models() { return this._inner.models; }
  /** Number of items in the catalog. */
  get size() { return this._inner.size; }
  /** @param {string} id the catalog entry of an item id, or undefined */
  item(id) { return this._inner.item(id); }

  /**
   * The top recommendations, each with the history items that drove it.
   * recommend(options) uses the stored history (not-interested items and tags and disliked
   * items are left out); recommend(history, options) uses the given one.
   */
  async recommend(historyOrOptions, maybeOptions) {
    if (Array.isArray(historyOrOptions)) return this._inner.recommend(historyOrOptions, maybeOptions);
    const options = historyOrOptions || {};
    const { history, exclude, tags } = await this._stored();
    const k = options.k ?? 10;
    const allExcluded = [...exclude, ...(options.exclude || [])];
    if (tags.size === 0) return this._inner.recommend(history, { ...options, exclude: allExcluded, ignoreUnknown: true });
    // Items with a tag the user is not interested in are filtered after scoring: ask for
    // more until k survive or the catalog runs out.
    for (let want = k * 2 + 10; ; want *= 2) {
      const got = await this._inner.recommend(history, { ...options, k: want, exclude: allExcluded, ignoreUnknown: true });
      const kept = got.filter((r) => !r.tags.some((t) => tags.has(t)));
      if (kept.length >= k || got.length < want) return kept.slice(0, k);
    }
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
  /** Never recommend this item, or items with this tag ({ tag }). */
  notInterested(what) { return this.store.notInterested(what); }
  /** Undo notInterested. */
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

  async _stored() {
    const [events, not] = await Promise.all([this.store.events(), this.store.notInterestedList()]);
    const disliked = events.filter((e) => e.type === 'dislike').map((e) => e.item);
    return {
      history: historyFromEvents(events, this.models),
      exclude: [...not.items, ...disliked],
      tags: new Set(not.tags),
    };
  }
}
