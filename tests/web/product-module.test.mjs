// The product module ships no benchmark code: web/dist/hearth.wasm and hearth-mt.wasm have no
// probe* functions and no allocation counter, which only the bench build (build/wasm/bench,
// wasm/bench_probes.cpp) has. Embind registers its functions when the module starts, so the
// single-thread module is instantiated and its functions listed; the threaded one (whose
// threads do not run in Node) is checked by its wasm exports and the names in its bytes.
// HEARTH_DIST_DIR and HEARTH_BENCH_DIR point at other builds (default web/dist and
// build/wasm/bench).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = process.env.HEARTH_DIST_DIR || `${root}web/dist`;
const bench = process.env.HEARTH_BENCH_DIR || `${root}build/wasm/bench`;
const BENCH_ONLY = ['probeStreamSum', 'probeGemv', 'probePqScan', 'probePqSelect', 'allocationCount'];
const benchOnly = (name) => /^probe/.test(name) || name === 'allocationCount';

async function instantiate(dir, name) {
  const { default: create } = await import(pathToFileURL(`${dir}/${name}.mjs`).href);
  return create({ wasmBinary: readFileSync(`${dir}/${name}.wasm`) });
}

// The module's functions as the page sees them: embind's and the wasm exports (_malloc, ...).
const functionsOf = (m) => Object.keys(m).filter((key) => typeof m[key] === 'function');

function exportNames(file) {
  return WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(file))).map((e) => e.name);
}

test('the product module has no benchmark probes or allocation counter', async () => {
  const wasm = `${dist}/hearth.wasm`;
  assert.ok(existsSync(wasm), `${wasm} is missing: run scripts/build`);
  assert.deepEqual(exportNames(wasm).filter(benchOnly), []);
  const m = await instantiate(dist, 'hearth');
  // The listing sees embind's functions at all (else the next check proves nothing).
  for (const fn of ['Engine', 'allocateAligned', 'heapBytesInUse']) assert.equal(typeof m[fn], 'function', fn);
  assert.deepEqual(functionsOf(m).filter(benchOnly), []);
  const bytes = readFileSync(wasm).toString('latin1');
  for (const name of BENCH_ONLY) assert.ok(!bytes.includes(name), `hearth.wasm names ${name}`);
});

test('the threaded product module has no benchmark probes or allocation counter', (t) => {
  const wasm = `${dist}/hearth-mt.wasm`;
  if (!existsSync(wasm)) {
    t.skip(`${wasm} is not built (HEARTH_WASM_THREADS=OFF?)`);
    return;
  }
  assert.deepEqual(exportNames(wasm).filter(benchOnly), []);
  const bytes = readFileSync(wasm).toString('latin1');
  assert.ok(bytes.includes('heapBytesInUse'), 'the names of embind functions are in the bytes');
  for (const name of BENCH_ONLY) assert.ok(!bytes.includes(name), `hearth-mt.wasm names ${name}`);
});

test('the bench module has the product functions, the probes and a working allocation counter', async (t) => {
  if (!existsSync(`${bench}/hearth-bench.wasm`) || !existsSync(`${bench}/hearth-bench.mjs`)) {
    t.skip(`the bench module is not built (${bench}/hearth-bench.*; scripts/build makes it)`);
    return;
  }
  const m = await instantiate(bench, 'hearth-bench');
  for (const fn of ['Engine', 'allocateAligned', 'heapBytesInUse', ...BENCH_ONLY]) assert.equal(typeof m[fn], 'function', fn);
  // Counts the page's _malloc and the aligned allocations (allocateAligned) alike.
  const before = m.allocationCount();
  const p = m._malloc(100);
  const q = m.allocateAligned(1000);
  assert.equal(m.allocationCount(), before + 2);
  m._free(p);
  m._free(q);
  assert.equal(m.allocationCount(), before + 2, 'free is not an allocation');
  // A probe runs: 3 streaming reads of 256 floats of 0.5.
  const x = m.allocateAligned(1024);
  m.HEAPF32.fill(0.5, x >>> 2, (x >>> 2) + 256);
  assert.equal(m.probeStreamSum(x, 256, 3), 384);
  m._free(x);
});
