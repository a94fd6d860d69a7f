// Timing helpers and the bench module's loader, shared by scripts/bench.mjs and
// scripts/bench-pq.mjs.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The bench build of the module (hearth-bench.mjs, hearth-bench.wasm), which scripts/build
// makes beside the product one: the product bindings plus the benchmark probes and an
// allocation counter (wasm/bench_probes.cpp). The product module (web/dist) has neither.
export const BENCH_MODULE_DIR = fileURLToPath(new URL('../build/wasm/bench', import.meta.url));
export const BENCH_MODULE_FILES = Object.freeze(['hearth-bench.mjs', 'hearth-bench.wasm']);
export const BENCH_MODULE_NOTE = 'timings and probes from the bench build of the module (the product bindings plus ' +
  'the probes and an allocation counter, wasm/bench_probes.cpp)';

// The bench module from `dir`, given its bytes as the library's loader does in Node.
export async function loadBenchModule(dir = BENCH_MODULE_DIR) {
  const { default: create } = await import(pathToFileURL(`${dir}/hearth-bench.mjs`).href);
  const m = await create({ wasmBinary: readFileSync(`${dir}/hearth-bench.wasm`) });
  for (const fn of ['allocationCount', 'probeStreamSum', 'probeGemv', 'probePqScan', 'probePqSelect']) {
    if (typeof m[fn] !== 'function') throw new Error(`${dir}/hearth-bench.wasm has no ${fn}(): not a bench build`);
  }
  return m;
}

// The public recommender over module `m`: what openEngine (web/src/engine.js) does with
// bundle bytes, on the bench module instead of the product one. EngineRecommender is the
// library's own, from the web/src the caller measures.
export function openEngineOn(m, EngineRecommender, bytes) {
  const ptr = m.allocateAligned(bytes.byteLength);
  if (!ptr) throw new Error(`cannot allocate ${bytes.byteLength} bytes for the bundle`);
  m.HEAPU8.set(bytes, ptr);
  const engine = new m.Engine(ptr, bytes.byteLength);  // owns ptr from here on
  if (!engine.ok()) {
    const error = new Error(`cannot open the bundle (${engine.errorCode()}): ${engine.error()}`);
    engine.delete();
    throw error;
  }
  return new EngineRecommender(m, engine);
}

export function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Nearest rank, as bench-native computes it.
export function percentile(v, q) {
  const s = [...v].sort((a, b) => a - b);
  const rank = Math.min(Math.max(Math.ceil(q * s.length), 1), s.length);
  return s[rank - 1];
}

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Median ms of fn() over calls adding up to at least minMs (at least 5 calls); fn is given a
// repeat count calibrated so that one call takes about 5 ms. Returns ms per repeat.
export function timeKernel(minMs, fn) {
  let t = performance.now();
  fn(1);
  const once = Math.max(performance.now() - t, 1e-3);
  const repeats = Math.max(1, Math.ceil(5 / once));
  const v = [];
  let total = 0;
  while (v.length < 5 || total < minMs) {
    t = performance.now();
    fn(repeats);
    const dt = performance.now() - t;
    v.push(dt / repeats);
    total += dt;
  }
  return median(v);
}
