// Loads the WebAssembly module. In browsers and workers the Emscripten loader fetches the
// .wasm; in Node it cannot (its loader tries fetch() on a file path), so the bytes are read
// here and handed over.
//
// Two builds: hearth.mjs (one thread) and hearth-mt.mjs (catalog scoring split across up to
// four threads). The threaded one needs shared memory, which browsers give only to
// cross-origin isolated pages (served with COOP: same-origin and COEP: require-corp); it is
// loaded there, when the device has more than one core, and the single-thread one everywhere
// else (Node included: this Emscripten's threads run in browsers only).
//
// Bundlers: the one-thread glue is imported statically, so a bundler bundles it and emits
// hearth.wasm from its `new URL("hearth.wasm", import.meta.url)`. The threaded files are
// named below with `new URL(..., import.meta.url)` only, so a bundler copies them as they are
// (assets) instead of rewriting the glue; they are loaded from those URLs at run time and
// told where the others are (Emscripten's locateFile and mainScriptUrlOrBlob).
import createHearthModule from '../dist/hearth.mjs';
import { HearthError } from './errors.js';
import { isNode, nodePlatform } from './node.js';

const MAX_THREADS = 4;  // the threaded build starts three workers with the module

/** The files of the two modules, as named in web/dist. */
export const WASM_FILES = Object.freeze(['hearth.wasm', 'hearth-mt.mjs', 'hearth-mt.wasm', 'hearth-mt.worker.js']);

const shared = new Map();  // thread count and file locations -> { promise, warnings }

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

/**
 * A function from a file of WASM_FILES to its URL, from the `wasm` option: a folder URL
 * (string or URL, with or without the trailing slash) holding the files, or a function
 * (file name) => URL. Undefined: the files beside this package's own glue.
 * @param {string | URL | ((file: string) => string | URL) | undefined} wasm
 * @returns {((file: string) => string) | null}
 */
export function wasmLocator(wasm) {
  if (wasm === undefined || wasm === null) return null;
  if (typeof wasm === 'function') {
    return (file) => {
      const url = wasm(file);
      if (typeof url !== 'string' && !(url instanceof URL)) throw new HearthError('argument', `the wasm option's function returned ${typeof url} for '${file}', not a URL`);
      return String(new URL(String(url), globalThis.location?.href));
    };
  }
  if (typeof wasm !== 'string' && !(wasm instanceof URL)) {
    throw new HearthError('argument', 'wasm must be the URL of the folder holding hearth.wasm (and the hearth-mt files), or a function (file) => URL');
  }
  let base = String(wasm);
  if (!base.endsWith('/')) base += '/';
  const folder = new URL(base, globalThis.location?.href);
  return (file) => String(new URL(file, folder));
}

/** Where the package's own threaded files are (bundlers copy them and rewrite these URLs). */
function packagedThreadedFiles() {
  return {
    'hearth-mt.mjs': new URL('../dist/hearth-mt.mjs', import.meta.url).href,
    'hearth-mt.wasm': new URL('../dist/hearth-mt.wasm', import.meta.url).href,
    'hearth-mt.worker.js': new URL('../dist/hearth-mt.worker.js', import.meta.url).href,
  };
}

async function createThreaded(threads, locate) {
  const files = locate
    ? Object.fromEntries(['hearth-mt.mjs', 'hearth-mt.wasm', 'hearth-mt.worker.js'].map((f) => [f, locate(f)]))
    : packagedThreadedFiles();
  // Browsers start workers only from scripts of the page's origin, and some bundlers inline
  // small assets as data: URLs (Vite does below 4 kB), which start a worker with an opaque
  // origin that cannot import the glue. Either way the thread script is fetched and started
  // from a blob: URL of this origin; it imports the glue from mainScriptUrlOrBlob.
  const threadScript = new URL(files['hearth-mt.worker.js'], globalThis.location?.href);
  if (threadScript.protocol === 'data:' || (globalThis.location && threadScript.origin !== globalThis.location.origin)) {
    const response = await fetch(threadScript);
    if (!response.ok) throw new Error(`cannot fetch ${threadScript.href}: HTTP ${response.status}`);
    files['hearth-mt.worker.js'] = URL.createObjectURL(new Blob([await response.blob()], { type: 'text/javascript' }));
  }
  const { default: create } = await import(/* webpackIgnore: true */ /* @vite-ignore */ files['hearth-mt.mjs']);
  const module = await create({
    locateFile: (path) => files[path] ?? path,
    // The pthread workers import the glue from here, not from a path next to their script.
    mainScriptUrlOrBlob: files['hearth-mt.mjs'],
  });
  module.setScoringThreads(threads);
  return module;
}

async function createSingle(locate) {
  if (isNode && !locate) {
    const { readBytes } = await nodePlatform();
    return createHearthModule({ wasmBinary: await readBytes(new URL('../dist/hearth.wasm', import.meta.url)) });
  }
  return createHearthModule(locate ? { locateFile: (path) => (path === 'hearth.wasm' ? locate(path) : path) } : {});
}

async function create(threads, locate, warn) {
  if (threads > 1) {
    try {
      return await createThreaded(threads, locate);
    } catch (e) {
      // One thread still works; the page is told why it got one.
      warn('threads', `the threaded module could not be loaded (${e && e.message ? e.message : e}); scoring runs on one thread`);
    }
  }
  return createSingle(locate);
}

/**
 * The module instance, created once per realm, location and thread count and shared by
 * every recommender.
 * @param {{ wasmBinary?: ArrayBuffer | Uint8Array, wasm?: string | URL | ((file: string) => string | URL),
 *   threads?: boolean | number, onWarning?: (warning: { code: string, message: string }) => void }} [options]
 */
export function loadModule(options = {}) {
  if (options.wasmBinary) return createHearthModule({ wasmBinary: options.wasmBinary });
  const locate = wasmLocator(options.wasm);
  let threads = threadCount(options.threads);
  if (threads > 1 && threadsInWorkerUnreliable()) {
    threads = 1;
    report(options.onWarning, { code: 'threads', message: 'Firefox starts the threads of a module inside a worker unreliably (about one open in twenty never finishes), so worker mode scores on one thread there; the page itself can use threads' });
  }
  const key = `${threads}:${locate ? WASM_FILES.map(locate).join(' ') : ''}`;
  let entry = shared.get(key);
  if (!entry) {
    // A fallback is remembered with the module, so every recommender that shares it is told.
    const warnings = [];
    entry = { warnings, promise: create(threads, locate, (code, message) => warnings.push({ code, message })) };
    shared.set(key, entry);
    entry.promise.catch(() => shared.delete(key));
  }
  return entry.promise.then((module) => {
    for (const w of entry.warnings) report(options.onWarning, w);
    return module;
  });
}

// Firefox (ESR 153 tested) sometimes never finishes starting the pthread workers of a module
// that itself runs in a worker (tests/browser/bundlers.test.mjs saw about 1 in 20 opens hang);
// the same module on the page starts every time.
function threadsInWorkerUnreliable() {
  const inWorker = typeof globalThis.WorkerGlobalScope === 'function' && globalThis instanceof globalThis.WorkerGlobalScope;
  return inWorker && /\bFirefox\//.test(globalThis.navigator?.userAgent ?? '');
}

function report(onWarning, warning) {
  if (typeof onWarning !== 'function') return;
  try { onWarning({ ...warning }); } catch { /* a faulty handler must not break loading */ }
}

export { isNode };
