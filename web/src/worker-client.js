// The main-thread side of worker mode: a recommender with the same API as Recommender
// whose scoring runs in a worker (a module Web Worker in browsers, worker_threads in Node),
// so the calling thread never blocks on it. The bundle is loaded here (progress, integrity,
// cache) and its bytes are handed to the worker.
import { privacyOf } from './privacy.js';
import { HearthError } from './errors.js';
import { loadBundle } from './loader.js';
import { isNode, nodePlatform, besideThisModule } from './node.js';
import { catalogList } from './catalog.js';
import { PackedStrings } from './packed-strings.js';
import { wasmLocator, WASM_FILES } from './module.js';

/**
 * Loads a bundle and starts a worker that scores with it.
 * @param {{
 *   bundle: string | URL | ArrayBuffer | Uint8Array,
 *   wasmBinary?: ArrayBuffer | Uint8Array,
 *   worker?: true | string | URL,
 *   integrity?: string,
 *   onProgress?: (p: { loaded: number, total: number | null }) => void,
 *   cache?: boolean,
 *   fetch?: typeof fetch,
 * }} options `worker` is `true` for the library's own worker script, or the URL of a
 *   copy of web/src/worker-host.js (for bundlers that do not handle worker URLs).
 * @returns {Promise<WorkerRecommender>}
 */
export async function createWorkerRecommender(options) {
  if (!options || options.bundle === undefined) throw new HearthError('argument', 'createRecommender needs { bundle }');
  // The module files' URLs are resolved here: a function cannot be sent to a worker, and a
  // relative URL means the page's location, not the worker's.
  const locate = wasmLocator(options.wasm);
  // Started first so the worker compiles the wasm while the bundle downloads.
  const channel = await spawn(options.worker);
  const client = new WorkerRecommender(channel);
  try {
    const bytes = await loadBundle(options.bundle, options);
    // Bytes the library fetched or read are its own and move to the worker without a
    // copy; the caller's buffer is copied so it stays usable.
    const caller = options.bundle instanceof Uint8Array || options.bundle instanceof ArrayBuffer;
    const transfer = !caller && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer] : [];
    const message = { bytes };
    if (options.wasmBinary) message.wasmBinary = options.wasmBinary;
    if (locate) message.wasmFiles = Object.fromEntries(WASM_FILES.map((f) => [f, locate(f)]));
    if (options.threads !== undefined) message.threads = options.threads;
    const described = await client._call('init', message, transfer);
    client._accept(described);
    for (const warning of described.warnings ?? []) {
      try { options.onWarning?.(warning); } catch { /* a faulty handler must not break loading */ }
    }
    return client;
  } catch (e) {
    await client.dispose();
    throw e;
  }
}

/**
 * A recommender served by a worker. Same API as Recommender; item(), size, meta and
 * models are answered from a copy of the catalog, so they stay synchronous.
 */
export class WorkerRecommender {
  /** @internal */
  constructor(channel) {
    this._channel = channel;
    this._pending = new Map();
    this._nextId = 1;
    this._closed = null;
    /** Bundle metadata: model, hyper-parameters, training summary, metrics. */
    this.meta = {};
    /** The models in the bundle: MF kind ('implicit' | 'explicit' | null), SASRec, hybrid weight. */
    this.models = { mf: null, sasrec: false, hybridWeight: null };
    this.threads = 1;
    this._catalog = {
      ids: PackedStrings.empty(), titles: PackedStrings.empty(), tagNames: [], tagOffsets: new Uint32Array(1), tagIds: new Uint32Array(0),
      popularity: new Float32Array(0), isNew: new Uint8Array(0),
    };
    this._moods = [];
    this._tagList = Object.freeze([]);
    /** Each tag's kind: 'genre', 'mood', 'series' or 'other'. */
    this.tagKinds = Object.freeze({});
    channel.onMessage((m) => this._settle(m));
    channel.onFailure((error) => this._fail(error));
  }

  /** Number of items in the catalog. */
  get size() {
    return this._catalog.ids.length;
  }

  /** Every tag name of the catalog. */
  get tags() {
    return this._tagList;
  }

  /**
   * The catalog entry of an item id, or undefined.
   * @param {string} id
   */
  item(id) {
    this._live();
    const i = this._catalog.ids.find(id);
    return i === undefined ? undefined : this._describe(i);
  }

  /** The bundle's moods (answered locally, like item()). */
  moods() {
    return this._moods.map((m) => ({ name: m.name, weights: { ...m.weights } }));
  }

  /** Every catalog item, most popular first (answered locally). */
  catalog() {
    this._live();
    return catalogList(this._catalog.ids.length, (i) => this._describe(i), this._catalog.popularity, (i) => this._catalog.isNew[i] === 1);
  }

  _describe(i) {
    const { ids, titles, tagNames, tagOffsets, tagIds } = this._catalog;
    const tags = [];
    for (let t = tagOffsets[i]; t < tagOffsets[i + 1]; t++) tags.push(tagNames[tagIds[t]]);
    // Without titles an item is titled by its id, as in the in-thread recommender.
    return { id: ids.at(i), title: i < titles.length ? titles.at(i) : ids.at(i), tags };
  }

  /**
   * The top recommendations for a history, computed in the worker.
   * @param {import('./index.js').HistoryItem[]} history
   * @param {import('./index.js').RecommendOptions} [options]
   */
  recommend(history, options = {}) {
    return this._call('recommend', { args: [history, options] });
  }

  /**
   * Why an item scores as it does for a history, computed in the worker.
   * @param {import('./index.js').HistoryItem[]} history
   * @param {string} itemId
   * @param {{ ignoreUnknown?: boolean, model?: import('./index.js').ModelName, hybridWeight?: number }} [options]
   */
  explain(history, itemId, options = {}) {
    return this._call('explain', { args: [history, itemId, options] });
  }

  /**
   * Items like `itemId`, computed in the worker.
   * @param {string} itemId
   * @param {{ k?: number }} [options]
   */
  similar(itemId, options = {}) {
    return this._call('similar', { args: [itemId, options] });
  }

  /**
   * Frees the worker's WebAssembly memory and stops the worker. Later calls reject with
   * HearthError('disposed'). The promise resolves once the worker has stopped; awaiting
   * it is optional.
   * @returns {Promise<void>}
   */
  dispose() {
    if (!this._closed) {
      this._failure = new HearthError('disposed', 'this recommender has been disposed');
      this._fail(this._failure);
      // Terminating the worker discards its whole wasm instance, which frees every
      // allocation at once; no need to wait for a polite 'dispose' round trip.
      this._closed = Promise.resolve(this._channel.terminate()).then(() => {}, () => {});
      this._catalog = { ...this._catalog, ids: PackedStrings.empty(), titles: PackedStrings.empty() };
    }
    return this._closed;
  }

  // Like the in-thread recommender: after dispose() the catalog is gone too.
  _live() {
    if (this._closed) throw new HearthError('disposed', 'this recommender has been disposed');
  }

  /** What the bundle promises about the people it was trained on (from meta.privacy). */
  get privacy() { return privacyOf(this.meta); }

  _accept({ meta, models, catalog, moods, threads, tagKinds }) {
    this.meta = meta;
    this.tagKinds = Object.freeze({ ...tagKinds });
    this.models = models;
    this.threads = threads;
    this._catalog = {
      ...catalog,
      ids: new PackedStrings(catalog.ids.bytes, catalog.ids.count, catalog.idOrder),
      titles: new PackedStrings(catalog.titles.bytes, catalog.titles.count),
    };
    this._moods = moods;
    this._tagList = Object.freeze([...catalog.tagNames]);
  }

  _call(op, message, transfer = []) {
    if (this._closed || this._failure) return Promise.reject(this._failure);
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject });
      try {
        this._channel.post({ ...message, id, op }, transfer);
      } catch (e) {
        this._pending.delete(id);
        // Only structured-cloneable data crosses to a worker; functions or DOM objects in a
        // history or options are the caller's mistake.
        reject(new HearthError('argument', `cannot send the ${op} request to the worker: ${e.message}`));
      }
      this._channel.busy(this._pending.size > 0);
    });
  }

  _settle({ id, ok, value, error }) {
    const request = this._pending.get(id);
    if (!request) return;
    this._pending.delete(id);
    this._channel.busy(this._pending.size > 0);
    if (ok) request.resolve(value);
    else request.reject(new HearthError(error.code, error.message));
  }

  // The worker is gone (crashed, or disposed): every outstanding and later call fails.
  _fail(error) {
    if (!this._failure) this._failure = error;
    for (const { reject } of this._pending.values()) reject(this._failure);
    this._pending.clear();
    if (!this._closed) this._channel.busy(false);
  }
}


// This library was loaded from another origin than the page's (a CDN). Bundlers may replace
// import.meta.url with the source file's file: URL; their worker URLs are then their own.
function fromOtherOrigin() {
  try {
    const self = new URL(import.meta.url);
    return !!globalThis.location && /^https?:$/.test(self.protocol) && self.origin !== globalThis.location.origin;
  } catch {
    return false;
  }
}

// Browsers start workers only from scripts of the page's origin. A worker script elsewhere
// (a CDN) is started through a same-origin blob: module that imports it; the imported
// script keeps its own URL, so what it loads relative to itself still comes from there.
function sameOriginScript(target) {
  const url = new URL(String(target), globalThis.location?.href);
  if (!globalThis.location || url.origin === globalThis.location.origin || url.protocol === 'blob:' || url.protocol === 'data:') return url;
  const source = `import ${JSON.stringify(url.href)};\n`;
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}

// A Worker with one interface over the browser and Node APIs.
async function spawn(target = true) {
  let worker;
  if (isNode) return (await nodePlatform()).startWorker(target);
  if (typeof Worker === 'undefined') throw new HearthError('worker', 'worker mode needs Web Workers, which this environment lacks');
  try {
    // Written out literally so bundlers that understand worker URLs (Vite, webpack 5) emit it.
    if (target !== true) worker = new Worker(sameOriginScript(target), { type: 'module' });
    else if (fromOtherOrigin()) worker = new Worker(sameOriginScript(besideThisModule('worker-host.js')), { type: 'module' });
    else worker = new Worker(new URL('./worker-host.js', import.meta.url), { type: 'module' });
  } catch (e) {
    throw new HearthError('worker', `cannot start the recommender worker: ${e.message}`);
  }
  return {
    post: (m, transfer) => worker.postMessage(m, transfer),
    onMessage: (f) => worker.addEventListener('message', (event) => f(event.data)),
    onFailure: (f) => {
      worker.addEventListener('error', (event) => {
        event.preventDefault?.();
        f(new HearthError('worker', `the recommender worker failed: ${event.message || 'cannot load the worker script'}`));
      });
      worker.addEventListener('messageerror', () => f(new HearthError('worker', 'a message from the recommender worker could not be read')));
    },
    busy: () => {},
    terminate: () => worker.terminate(),
    stopped: () => undefined,  // browsers do not say
  };
}
