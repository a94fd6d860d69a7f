// Loads the WebAssembly module. In browsers and workers the Emscripten loader finds
// hearth.wasm next to hearth.mjs; in Node it cannot (its loader tries fetch() on a file
// path), so the bytes are read here and handed over.
//
// Two builds: hearth.mjs (one thread) and hearth-mt.mjs (catalog scoring split across up to
// four threads). The threaded one needs shared memory, which browsers give only to
// cross-origin isolated pages (served with COOP: same-origin and COEP: require-corp); it is
// loaded there, when the device has more than one core, and the single-thread one everywhere
// else (Node included: this Emscripten's threads run in browsers only).
import createHearthModule from '../dist/hearth.mjs';
import { isNode, nodeBuiltin } from './node.js';

const MAX_THREADS = 4;  // the threaded build starts three workers with the module

const shared = new Map();  // thread count -> module promise

/**
 * How many threads catalog scoring can use here with the given option: 1 means the
 * single-thread module.
 * @param {boolean | number | undefined} threads false: one; a number: at most that many; default: all cores, up to 4
 */
export function threadCount(threads) {
  if (threads === false || isNode) return 1;
  const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  if (!isolated) return 1;
  const cores = Math.max(1, Math.floor(globalThis.navigator?.hardwareConcurrency ?? 1));
  const wanted = typeof threads === 'number' && threads >= 1 ? Math.floor(threads) : cores;
  return Math.max(1, Math.min(wanted, cores, MAX_THREADS));
}

async function create(threads) {
  if (threads > 1) {
    try {
      const { default: createThreaded } = await import('../dist/hearth-mt.mjs');
      const module = await createThreaded();
      module.setScoringThreads(threads);
      return module;
    } catch {
      // A package built without the threaded module, or a page that cannot start workers:
      // one thread still works.
    }
  }
  if (isNode) {
    const { readFile } = await nodeBuiltin('fs/promises');
    const wasmBinary = await readFile(new URL('../dist/hearth.wasm', import.meta.url));
    return createHearthModule({ wasmBinary });
  }
  return createHearthModule();
}

/**
 * The module instance, created once per realm (and thread count) and shared by every
 * recommender.
 * @param {{ wasmBinary?: ArrayBuffer | Uint8Array, threads?: boolean | number }} [options]
 */
export function loadModule(options = {}) {
  if (options.wasmBinary) return createHearthModule({ wasmBinary: options.wasmBinary });
  const threads = threadCount(options.threads);
  if (!shared.has(threads)) {
    const promise = create(threads);
    shared.set(threads, promise);
    promise.catch(() => shared.delete(threads));
  }
  return shared.get(threads);
}

export { isNode };
