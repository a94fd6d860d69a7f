// IndexedDB: for long histories (quota is a share of the disk, not 5 MB) and for workers,
// which have no localStorage. Each update() is one readwrite transaction; IndexedDB runs
// overlapping readwrite transactions on a store one after another, also across tabs, which
// is what makes read-modify-write safe here.
import { HearthError } from '../errors.js';

/**
 * A StorageAdapter over an IndexedDB object store holding string values under string keys.
 * @param {{ indexedDB?: IDBFactory, database?: string, store?: string }} [options]
 *   indexedDB: default globalThis.indexedDB (tests pass fake-indexeddb's);
 *   database: default 'hearth'; store: default 'kv'
 * @returns {import('./adapter.js').StorageAdapter}
 */
export function createIndexedDBAdapter(options = {}) {
  const factory = options.indexedDB ?? globalThis.indexedDB;
  const database = options.database ?? 'hearth';
  const storeName = options.store ?? 'kv';
  if (!factory || typeof factory.open !== 'function') throw new HearthError('storage', 'IndexedDB is not available here');
  /** @type {Promise<IDBDatabase> | null} */
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = factory.open(database, 1);
        request.onupgradeneeded = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains(storeName)) db.createObjectStore(storeName);
        };
        request.onsuccess = () => {
          const db = request.result;
          // Let another tab upgrade the database instead of blocking it; reopen on next use.
          db.onversionchange = () => { db.close(); opening = null; };
          resolve(db);
        };
        request.onerror = () => reject(new HearthError('storage', `cannot open IndexedDB database '${database}': ${request.error?.message}`));
      });
      opening.catch(() => { opening = null; });
    }
    return opening;
  }

  // Runs body inside one transaction; resolves with state.result once it has committed.
  async function run(mode, body) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const state = { result: /** @type {any} */ (undefined), error: /** @type {unknown} */ (null) };
      tx.oncomplete = () => resolve(state.result);
      tx.onabort = () => reject(state.error ?? tx.error ?? new HearthError('storage', 'IndexedDB transaction aborted'));
      body(tx.objectStore(storeName), state, tx);
    });
  }

  return {
    kind: 'indexedDB',
    channel: `indexedDB:${database}:${storeName}`,
    where: `this origin's IndexedDB, database '${database}', store '${storeName}'`,
    get: (key) => run('readonly', (store, state) => {
      const request = store.get(key);
      request.onsuccess = () => { state.result = request.result ?? null; };
    }),
    set: (key, value) => run('readwrite', (store) => { store.put(value, key); }),
    remove: (key) => run('readwrite', (store) => { store.delete(key); }),
    keys: (prefix) => run('readonly', (store, state) => {
      const request = store.getAllKeys();
      request.onsuccess = () => { state.result = request.result.filter((k) => typeof k === 'string' && k.startsWith(prefix)); };
    }),
    update: (key, fn) => run('readwrite', (store, state, tx) => {
      const request = store.get(key);
      request.onsuccess = () => {
        const current = request.result ?? null;
        let next;
        try {
          next = fn(current);
        } catch (e) {
          state.error = e;
          tx.abort();
          return;
        }
        state.result = next === undefined ? current : next;
        if (next === null) store.delete(key);
        else if (next !== undefined) store.put(next, key);
      };
    }),
    /**
     * Like update, over several keys in one transaction: fn(values) returns one next value
     * per key (string: write, null: delete, undefined: leave). Used to move a localStorage
     * history into IndexedDB exactly once (the history and its migration marker together).
     * @param {string[]} keys
     * @param {(values: (string | null)[]) => (string | null | undefined)[]} fn
     */
    updateMany: (keys, fn) => run('readwrite', (store, state, tx) => {
      const values = new Array(keys.length).fill(null);
      let left = keys.length;
      keys.forEach((key, i) => {
        const request = store.get(key);
        request.onsuccess = () => {
          values[i] = request.result ?? null;
          if (--left > 0) return;
          let next;
          try {
            next = fn(values);
          } catch (e) {
            state.error = e;
            tx.abort();
            return;
          }
          state.result = next;
          next.forEach((value, j) => {
            if (value === null) store.delete(keys[j]);
            else if (value !== undefined) store.put(value, keys[j]);
          });
        };
      });
    }),
    async close() {
      const pending = opening;
      opening = null;
      if (pending) (await pending.catch(() => null))?.close();
    },
  };
}
