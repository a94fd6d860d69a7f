// Memory storage: the Node default, and a private scratch store in browsers. Nothing
// survives the process; two stores see each other only when they share one adapter.
import { quotaError } from './adapter.js';

/**
 * A StorageAdapter over a Map. Pass the same adapter to several openHistory() calls to share
 * (and sync) one history between them, as two tabs would.
 * @param {{ quotaBytes?: number }} [options] quotaBytes: reject writes past this many UTF-16 bytes (for tests)
 * @returns {import('./adapter.js').StorageAdapter}
 */
export function createMemoryAdapter(options = {}) {
  const map = new Map();
  const watchers = new Set();
  const quota = options.quotaBytes ?? Infinity;
  const used = () => { let n = 0; for (const [k, v] of map) n += 2 * (k.length + v.length); return n; };
  function write(key, value) {
    if (value === null) map.delete(key);
    else {
      const old = map.get(key);
      if (used() - (old === undefined ? 0 : 2 * (key.length + old.length)) + 2 * (key.length + value.length) > quota) throw quotaError();
      map.set(key, value);
    }
    // Asynchronous like a browser's storage event, so listeners never run inside a write.
    for (const w of watchers) queueMicrotask(() => w(key));
  }
  return {
    kind: 'memory',
    channel: null,
    where: 'memory of this process (lost when it exits)',
    get: (key) => map.get(key) ?? null,
    set: (key, value) => write(key, value),
    remove: (key) => write(key, null),
    keys: (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
    // Atomic: the read, fn and the write run in one synchronous step of one thread.
    update(key, fn) {
      const next = fn(map.get(key) ?? null);
      if (next !== undefined) write(key, next);
      return next;
    },
    size: (key, value) => 2 * (key.length + value.length),
    watch(onChange) {
      watchers.add(onChange);
      return () => watchers.delete(onChange);
    },
  };
}
