// localStorage: the fallback where IndexedDB cannot be used, or chosen explicitly. It is
// synchronous, so a read-modify-write inside one update() call cannot interleave with this
// tab's other writes, and other tabs learn of changes through the 'storage' event. But it is
// not atomic across tabs: browsers that run tabs in separate processes give each process its
// own copy, updated asynchronously, so update() may read (and then overwrite) a value another
// tab has already replaced. Web Locks make such collisions rarer; the store's journal
// (staleReads, web/STORAGE.md) repairs them. The quota (about 5 MB per origin, counted in
// UTF-16 code units) is shared with everything else on the origin.
import { HearthError } from '../errors.js';

/**
 * A StorageAdapter over a Storage object.
 * @param {{ storage?: Storage, events?: EventTarget | null, locks?: LockManager | null }} [options]
 *   storage: default globalThis.localStorage (tests pass a fake with a quota);
 *   events: where 'storage' events arrive, default globalThis when it is an EventTarget (window);
 *   locks: Web Locks to run update() under, default navigator.locks where it exists (null: none)
 * @returns {import('./adapter.js').StorageAdapter}
 */
export function createLocalStorageAdapter(options = {}) {
  const storage = options.storage ?? globalThis.localStorage;
  if (!storage || typeof storage.getItem !== 'function') throw new HearthError('storage', 'localStorage is not available here');
  const events = options.events !== undefined ? options.events
    : typeof globalThis.addEventListener === 'function' ? globalThis : null;
  const locks = options.locks !== undefined ? options.locks : globalThis.navigator?.locks ?? null;
  return {
    kind: 'localStorage',
    channel: 'localStorage',
    // Chromium keeps a copy of the origin's localStorage in each renderer process and
    // updates it asynchronously, so update() may read a value another tab already replaced,
    // even under a lock (measured: tests/browser/storage-tabs.test.mjs). The store then
    // journals what it records; see web/STORAGE.md.
    staleReads: true,
    where: "this origin's localStorage (this browser profile only)",
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
    keys(prefix) {
      const out = [];
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key !== null && key.startsWith(prefix)) out.push(key);
      }
      return out;
    },
    update(key, fn) {
      const run = () => {
        const next = fn(storage.getItem(key));
        if (next === null) storage.removeItem(key);
        else if (next !== undefined) storage.setItem(key, next);
        return next;
      };
      if (!locks) return run();
      // One writer at a time across this origin's tabs. A lock cannot make another tab's
      // copy current (see staleReads), but it keeps such repairs rare.
      let ran = false;
      return locks.request(`hearth:${key}`, { mode: 'exclusive' }, () => { ran = true; return run(); })
        .catch((e) => { if (ran) throw e; return run(); });  // no lock to be had here (e.g. an opaque origin)
    },
    // Browsers charge localStorage by UTF-16 code units of key and value.
    size: (key, value) => 2 * (key.length + value.length),
    watch(onChange) {
      if (!events) return () => {};
      const listener = (/** @type {any} */ event) => {
        if (event.storageArea && event.storageArea !== storage) return;
        onChange(event.key ?? null);
      };
      events.addEventListener('storage', listener);
      return () => events.removeEventListener('storage', listener);
    },
  };
}

/**
 * Whether localStorage can really be written (it throws in some private modes and sandboxed
 * frames, and merely reading the property can throw too).
 * @returns {boolean}
 */
export function localStorageWorks() {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return false;
    const probe = 'hearth:probe';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return true;
  } catch {
    return false;
  }
}
