// Inference benchmark: recommend() and explain() through the public JS API (openEngine, Node
// + WebAssembly, one thread) and natively (`hearth bench-native`), cold start, peak memory,
// wasm size, and the floor they are measured against, all in one run.
//
// recommend() and explain() are timed in the bench build of the module (build/wasm/bench/
// hearth-bench.*, made by scripts/build): the product bindings, compiled once for both, plus
// the probes and an allocation counter (wasm/bench_probes.cpp), so that a probe runs in the
// same instance right after the timings. The product module (web/dist) carries neither; cold
// start and the binary's size are measured on it.
//
// - the streaming-read probe: a simd128 loop summing floats (probeStreamSum in
//   wasm/bench_probes.cpp, sum_f32 in core/kernels), over 256 MB (DRAM) and over a buffer the
//   size of what a variant must read (its item embeddings: cache-resident when they fit,
//   as they are when scoring them), the latter right after that variant's timings, in the
//   same process, so that both see the same machine load;
// - a variant's scoring floor = the bytes it must read / that probe's bandwidth;
// - the scoring kernel alone (probeGemv) against the probe;
// - allocations per warm call: the counter's increase over the timed calls (malloc, calloc,
//   realloc, the memalign family; operator new ends in malloc, the page's _malloc counts too)
//   / their number, which must be 0 (else a MISS line), beside the wasm heap's growth.
//
// Every configuration runs in its own Node process (clean peak RSS, no shared JIT state);
// cold start runs in fresh processes. The library, the wasm modules and the CLI are copied to
// out/bench/snapshot/ first and every measurement uses that copy, so that a rebuild during
// the run (others may be building in the same tree) cannot mix two builds. Bundles come from `hearth bench-bundle` (random
// weights: timing only). Usage: see scripts/bench.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  BENCH_MODULE_DIR, BENCH_MODULE_FILES, BENCH_MODULE_NOTE, loadBenchModule, median, mulberry32, openEngineOn, percentile, timeKernel,
} from './bench-lib.mjs';
import { openMemory, tinyBundle } from './bench-memory.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const snapshot = `${root}out/bench/snapshot`;
const hearth = `${snapshot}/hearth`;
// The library as the children load it: the snapshot's copy of web/.
const lib = (web, file) => import(pathToFileURL(`${web}/src/${file}`).href);
// The bench module (build/wasm/bench, made by scripts/build; --bench-module DIR: another).
const BENCH_NOTE = `${BENCH_MODULE_NOTE}; cold start and size from the product module (web/dist)`;
const DIM = 64;
const K = 20;
const SEED = 1;
const PROBE_BYTES = 256 * 1024 * 1024;
// Catalog encodings: fp32 rows, int8 rows (`hearth export --int8`), and PQ codes of
// PQ_BYTES bytes per item with an int8 re-score of the best candidates (`--pq 32 --int8`).
const CATALOGS = ['fp32', 'int8', 'pq'];
const PQ_BYTES = 32;
const PQ_CANDIDATES = (k) => Math.max(10 * k, 500);  // kPqCandidatesPerK, kPqMinCandidates

// ---------------------------------------------------------------- shared helpers

// Histories of `length` distinct items, values 1-5, as the JS API takes them.
function histories(items, length, count, seed) {
  const rand = mulberry32(seed * 7919 + length);
  const out = [];
  for (let h = 0; h < count; h++) {
    const seen = new Set();
    const list = [];
    while (list.length < length) {
      const i = Math.floor(rand() * items);
      if (seen.has(i)) continue;
      seen.add(i);
      list.push({ id: String(i), value: 1 + Math.floor(rand() * 5) });
    }
    out.push(list);
  }
  return out;
}

// Warm-up in windows of 10 calls until a window's median is within 5% of the previous one
// (at least 3 windows; at most 30, or 3 s once there are 3), then `requests` timed calls.
// allocations() reads the module's allocation counter: read before and after the timed
// calls (outside the timings), its increase / requests is the allocations per warm call.
async function measure(requests, call, allocations) {
  let warmup = 0;
  let previous = -1;
  const started = performance.now();
  for (let window = 0; window < 30; window++) {
    const w = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await call(warmup++);
      w.push(performance.now() - t);
    }
    const m = median(w);
    if (window >= 2 && previous > 0 && Math.abs(m - previous) <= 0.05 * previous) break;
    if (window >= 2 && performance.now() - started > 3000) break;
    previous = m;
  }
  const ms = new Array(requests);
  const allocationsBefore = allocations();
  for (let r = 0; r < requests; r++) {
    const t = performance.now();
    await call(warmup + r);
    ms[r] = performance.now() - t;
  }
  const allocationsPerCall = (allocations() - allocationsBefore) / requests;
  return { p50_ms: percentile(ms, 0.5), p95_ms: percentile(ms, 0.95), p99_ms: percentile(ms, 0.99), requests, warmup,
    allocations_per_call: allocationsPerCall };
}

// Two kernels timed in alternation (a, b, a, b, ...) so that both see the same machine
// load; each given a repeat count calibrated as above. Returns [ms a, ms b] per repeat.
function timePair(minMs, a, b) {
  const calibrate = (fn) => {
    const t = performance.now();
    fn(1);
    return Math.max(1, Math.ceil(5 / Math.max(performance.now() - t, 1e-3)));
  };
  const ra = calibrate(a);
  const rb = calibrate(b);
  const va = [];
  const vb = [];
  let total = 0;
  while (va.length < 5 || total < minMs) {
    let t = performance.now();
    a(ra);
    const da = performance.now() - t;
    t = performance.now();
    b(rb);
    const db = performance.now() - t;
    va.push(da / ra);
    vb.push(db / rb);
    total += da + db;
  }
  return [median(va), median(vb)];
}

const gbps = (bytes, ms) => bytes / (ms * 1e6);

// ---------------------------------------------------------------- child processes

// The streaming read over `bytes` and, with `items`, the scoring kernel over items x DIM
// floats of the same buffer, timed in alternation with the streaming read of exactly those
// floats, in the module `m`. GB/s.
function probeIn(m, bytes, items = 0, minMs = 400) {
  const gemvBytes = items * DIM * 4;
  const total = Math.max(bytes, gemvBytes);
  const ptr = m.allocateAligned(total);  // aligned as a bundle's sections are
  if (!ptr) throw new Error(`cannot allocate ${total} bytes in wasm`);
  m.HEAPF32.fill(1, ptr >>> 2, (ptr + total) >>> 2);  // touch every page
  const sum = (b) => (r) => m.probeStreamSum(ptr, b / 4, r);
  const out = { bytes };
  if (items) {
    const q = m._malloc(DIM * 4);
    const o = m._malloc(items * 4);
    m.HEAPF32.fill(0.01, q >>> 2, (q >>> 2) + DIM);
    const [sumMs, ms] = timePair(2 * minMs, sum(gemvBytes), (r) => m.probeGemv(ptr, items, DIM, q, o, r));
    out.gemv = { bytes: gemvBytes, ms, gbps: gbps(gemvBytes, ms), probe_gbps: gbps(gemvBytes, sumMs) };
    m._free(q);
    m._free(o);
  }
  // The floor's probe: the same as gemv's unless the variant reads more (hybrid).
  out.gbps = items && gemvBytes === bytes ? out.gemv.probe_gbps : gbps(bytes, timeKernel(minMs, sum(bytes)));
  m._free(ptr);
  return out;
}

// What a first touch of fresh wasm memory costs on this machine (a page fault per 4 KiB
// page): cold starts copy the bundle into such memory, so they are bounded below by it.
function childFaults({ bytes = PROBE_BYTES }) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const t = performance.now();
  memory.grow(bytes / 65536);
  const heap = new Uint8Array(memory.buffer);
  for (let i = 65536; i < heap.length; i += 4096) heap[i] = 1;
  const ms = performance.now() - t;
  return { bytes, ms, us_per_page: (ms * 1000) / (bytes / 4096) };
}

async function childProbe({ bench, bytes = PROBE_BYTES }) {
  return probeIn(await loadBenchModule(bench), bytes, 0, bytes === PROBE_BYTES ? 1500 : 10);
}

async function childRun({ web, bench, bundle, model, lengths, requests, probeBytes, gemv = true }) {
  const { EngineRecommender } = await lib(web, 'engine.js');
  let bytes = readFileSync(bundle);
  // The library's recommender over the bench module (openEngine's steps).
  const rec = openEngineOn(await loadBenchModule(bench), EngineRecommender, bytes);
  bytes = null;
  const heap = () => rec._module.HEAPU8.buffer.byteLength;
  const allocations = () => rec._module.allocationCount();
  const runs = [];
  for (const length of lengths) {
    const pool = histories(rec.size, length, 64, SEED);
    const rand = mulberry32(SEED + length);
    const targets = pool.map(() => String(Math.floor(rand() * rec.size)));
    const heapBefore = heap();
    const run = { history: length };
    run.recommend = await measure(requests, (r) => rec.recommend(pool[r % pool.length], { k: K, model }), allocations);
    // The same call without reasons (MF contributions, SASRec leave-one-out influences),
    // to see what they cost.
    run.recommend_no_reasons = await measure(requests, (r) => rec.recommend(pool[r % pool.length], { k: K, model, reasons: 0 }), allocations);
    run.explain = await measure(requests, (r) => rec.explain(pool[r % pool.length], targets[r % targets.length], { model }), allocations);
    run.heap_growth_bytes = heap() - heapBefore;
    runs.push(run);
  }
  const out = { runs, wasm_heap_bytes: heap(), peak_rss_bytes: process.resourceUsage().maxRSS * 1024 };
  out.probe = probeIn(rec._module, probeBytes, gemv ? rec.size : 0);
  // The memory floor's probe again, right after this variant: the machine's speed drifts
  // during a run, and a ratio should compare times taken together.
  out.dram_probe = probeIn(rec._module, PROBE_BYTES, 0, 400);
  return out;
}

async function childCold({ web, bundle, model, explain = true }) {
  const t0 = performance.now();
  const { openEngine } = await lib(web, 'engine.js');
  const { loadModule } = await lib(web, 'module.js');
  const t1 = performance.now();
  const bytes = readFileSync(bundle);  // I/O: a browser would fetch or take it from the cache
  const t2 = performance.now();
  await loadModule();  // reads hearth.wasm, compiles and instantiates it
  const t3 = performance.now();
  const rec = await openEngine({ bundle: bytes });
  const t4 = performance.now();
  await rec.recommend(histories(rec.size, Math.min(50, rec.size), 1, SEED)[0], { k: K, model, explain });
  const t5 = performance.now();
  return {
    import_ms: t1 - t0, read_ms: t2 - t1, instantiate_ms: t3 - t2, open_ms: t4 - t3, first_ms: t5 - t4,
    total_ms: t5 - t2,  // instantiate + open + first recommendation
  };
}

// What a page or a server process waits for from nothing to its first list: importing the
// library, instantiating the module and opening the bundle from its file (streamed into the
// wasm heap, read and instantiated at once), then the first recommend().
async function childColdFile({ web, bundle, model }) {
  const t0 = performance.now();
  const { openEngine } = await lib(web, 'engine.js');
  const rec = await openEngine({ bundle });
  await rec.recommend(histories(rec.size, Math.min(50, rec.size), 1, SEED)[0], { k: K, model });
  return { file_to_first_ms: performance.now() - t0 };
}

// What openEngine's time goes to, in another fresh process: copying the bytes into the
// wasm heap, the C++ Engine (bundle checks with every section's checksum, model views,
// workspaces) and the JS side (tag tables, moods; ids and titles are decoded on first use).
async function childParts({ web, bundle }) {
  const { EngineRecommender } = await lib(web, 'engine.js');
  const { loadModule } = await lib(web, 'module.js');
  const bytes = readFileSync(bundle);
  const m = await loadModule();
  const t0 = performance.now();
  const ptr = m.allocateAligned(bytes.byteLength);  // as openEngine does
  m.HEAPU8.set(bytes, ptr);
  const t1 = performance.now();
  const engine = new m.Engine(ptr, bytes.byteLength);
  if (!engine.ok()) throw new Error(engine.error());
  const t2 = performance.now();
  const rec = new EngineRecommender(m, engine);
  const t3 = performance.now();
  rec.dispose();
  return { copy_ms: t1 - t0, engine_ms: t2 - t1, js_ms: t3 - t2 };
}

if (process.argv[2] === '--child') {
  const kind = process.argv[3];
  const args = JSON.parse(process.argv[4]);
  const fn = { faults: childFaults, probe: childProbe, run: childRun, cold: childCold, coldfile: childColdFile, parts: childParts }[kind];
  const result = await fn(args);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

// ---------------------------------------------------------------- the orchestrator

// Copies web/src, web/dist, the bench module and the CLI to out/bench/snapshot/, retrying
// while the copy is not a working pair (a build writing a .mjs and its .wasm at that moment).
function takeSnapshot(benchDir) {
  for (let attempt = 1; ; attempt++) {
    rmSync(snapshot, { recursive: true, force: true });
    cpSync(`${root}web/src`, `${snapshot}/web/src`, { recursive: true });
    cpSync(`${root}web/dist`, `${snapshot}/web/dist`, { recursive: true });
    for (const file of BENCH_MODULE_FILES) {
      if (!existsSync(`${benchDir}/${file}`)) throw new Error(`${benchDir}/${file} is missing: scripts/build makes the bench module`);
      cpSync(`${benchDir}/${file}`, `${snapshot}/bench/${file}`);
    }
    cpSync(`${root}build/native/bin/hearth`, hearth);
    const probe = (args) => spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', 'probe',
      JSON.stringify({ web: `${snapshot}/web`, bench: `${snapshot}/bench`, ...args })], { encoding: 'utf8' });
    const check = probe({ bytes: 1 << 20 });
    // The product module loads as well (cold start uses it).
    const product = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const { loadModule } = await import(${JSON.stringify(pathToFileURL(`${snapshot}/web/src/module.js`).href)}); await loadModule();`],
    { encoding: 'utf8' });
    const cli = spawnSync(hearth, ['--help'], { encoding: 'utf8' });
    if (check.status === 0 && product.status === 0 && cli.status === 0) return;
    if (attempt === 5) throw new Error(`the build does not load:\n${check.stderr.slice(-2000)}${product.stderr.slice(-2000)}${cli.stderr}`);
    log('a wasm module or the CLI does not load (a build in progress?); retrying in 30 s');
    spawnSync('sleep', ['30']);
  }
}

function parseArgs(argv) {
  const o = { quick: false, native: true, fresh: false, readme: false, report: false, bench: BENCH_MODULE_DIR, agreement: true, memory: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const list = () => next().split(',').map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a}: '${x}' is not a positive integer`);
      return n;
    });
    if (a === '--quick') o.quick = true;
    else if (a === '--no-native') o.native = false;
    else if (a === '--no-agreement') o.agreement = false;
    else if (a === '--no-memory') o.memory = false;
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--readme') o.readme = true;
    else if (a === '--report') o.report = true;
    else if (a === '--bench-module') o.bench = resolve(next());
    else if (a === '--sizes') o.sizes = list();
    else if (a === '--lengths') o.lengths = list();
    else if (a === '--requests') [o.requests] = list();
    else if (a === '--cold') [o.cold] = list();
    else if (a === '--catalogs') {
      o.catalogs = next().split(',');
      for (const c of o.catalogs) if (!CATALOGS.includes(c)) throw new Error(`--catalogs: unknown catalog '${c}' (${CATALOGS.join(', ')})`);
    }
    else if (a === '--models') {
      o.models = next().split(',');
      for (const m of o.models) if (!['mf', 'sasrec', 'hybrid'].includes(m)) throw new Error(`--models: unknown model '${m}'`);
    } else throw new Error(`unknown option ${a} (see scripts/bench)`);
  }
  o.sizes ??= o.quick ? [10000, 100000] : [10000, 100000, 1000000];
  o.models ??= ['mf', 'sasrec'];
  o.catalogs ??= [...CATALOGS];
  o.lengths ??= [50, 200];
  o.requests ??= o.quick ? 100 : 300;
  o.cold ??= o.quick ? 3 : 9;  // fresh processes vary by 10-20 ms here: a median of 9
  return o;
}

function child(kind, args) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind,
    JSON.stringify({ web: `${snapshot}/web`, bench: `${snapshot}/bench`, ...args })],
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench child '${kind}' failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}${r.stdout.slice(-1000)}`);
  return r.stdout;
}

function log(msg) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)} load ${loadavg()[0].toFixed(1)}] ${msg}\n`);
}

// The bytes of one item table a request scores: fp32 rows; int8 codes and a scale per row;
// PQ codes, then the int8 rows of the candidates it re-scores.
function tableRead(n, catalog) {
  if (catalog === 'int8') return n * (DIM + 4);
  if (catalog === 'pq') return n * PQ_BYTES + Math.min(n, PQ_CANDIDATES(K)) * (DIM + 4);
  return n * DIM * 4;
}

// What a request must read: the item table(s) it scores plus the model's other weights
// (the Gram matrix for MF fold-in, the encoder for SASRec; both for the hybrid).
function bytesRead(model, n, catalog = 'fp32') {
  const d = DIM;
  const table = tableRead(n, catalog);
  const mf = table + d * d * 4;
  const maxLen = 200;
  const blocks = 2;
  const ffn = d;
  const encoder = (maxLen * d + blocks * (4 * d * d + 4 * d + 2 * d * ffn + ffn + d + 4 * d) + 2 * d) * 4;
  const seq = table + encoder;
  return model === 'mf' ? mf : model === 'sasrec' ? seq : mf + seq;
}
const tableBytes = (model, n, catalog) => (model === 'hybrid' ? 2 : 1) * tableRead(n, catalog);

const o = parseArgs(process.argv.slice(2));
const started = Date.now();
async function measureAll() {
  mkdirSync(`${root}out/bench/bundles`, { recursive: true });
  const git = spawnSync('git', ['-C', root, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout.trim();
  const env = {
    date: new Date().toISOString(), git, node: process.version, cpu: cpus()[0]?.model, cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30), load_start: loadavg().map((x) => +x.toFixed(2)),
    quick: o.quick, requests: o.requests, k: K, dim: DIM,
    options: { requests: o.requests, cold: o.cold, native: o.native, sizes: o.sizes, models: o.models, lengths: o.lengths },
  };
  log(`bench: sizes ${o.sizes.join(',')}, models ${o.models.join(',')}, lengths ${o.lengths.join(',')}, ${o.requests} requests`);
  log(`${BENCH_NOTE}; bench module: ${o.bench}`);
  takeSnapshot(o.bench);
  env.bench_module = o.bench;

  // The wasm binary.
  const wasmBytes = readFileSync(`${snapshot}/web/dist/hearth.wasm`);
  const glueBytes = readFileSync(`${snapshot}/web/dist/hearth.mjs`);
  const wasm = {
    raw: wasmBytes.length, gzip: gzipSync(wasmBytes, { level: 9 }).length,
    glue_raw: glueBytes.length, glue_gzip: gzipSync(glueBytes, { level: 9 }).length,
  };

  // The bundles.
  const configs = [];
  for (const n of o.sizes) {
    for (const model of o.models) {
      const bundle = `${root}out/bench/bundles/${model}-${n}-d${DIM}-s${SEED}.hearth`;
      if (o.fresh || !existsSync(bundle)) {
        log(`hearth bench-bundle --items ${n} --model ${model}`);
        run(hearth, ['bench-bundle', '--items', String(n), '--dim', String(DIM), '--model', model, '--seed', String(SEED), '--out', bundle]);
      }
      for (const catalog of o.catalogs) {
        let file = bundle;
        if (catalog !== 'fp32') {
          file = bundle.replace(/\.hearth$/, `-${catalog}.hearth`);
          if (o.fresh || !existsSync(file) || statSync(file).mtimeMs < statSync(bundle).mtimeMs) {
            const how = catalog === 'int8' ? ['--int8'] : ['--pq', String(PQ_BYTES), '--int8'];
            log(`hearth export ${how.join(' ')} (${model} N=${n})`);
            run(hearth, ['export', '--bundle', bundle, ...how, '--out', file]);
          }
        }
        configs.push({
          n, model, catalog, name: catalog === 'fp32' ? model : `${model} ${catalog}`,
          bundle: file, bundle_bytes: statSync(file).size, bytes: bytesRead(model, n, catalog),
        });
      }
    }
  }

  // The floor, once for every size in the run.
  log('probe: streaming read over 256 MB in wasm');
  const probe = child('probe', {});
  log('probe: first touch of 256 MB of fresh wasm memory');
  probe.faults = child('faults', {});

  for (const c of configs) {
    log(`wasm: ${c.name} N=${c.n}`);
    c.wasm = child('run', { bundle: c.bundle, model: c.model, lengths: o.lengths, requests: o.requests,
      probeBytes: tableBytes(c.model, c.n, c.catalog), gemv: c.catalog === 'fp32' });
    for (const r of c.wasm.runs) {
      for (const [call, t] of Object.entries(allocationsOf(r))) {
        if (t !== 0) log(`MISS: ${c.name} N=${c.n} L=${r.history} ${call}: ${f(t, 2)} allocations per warm call (bench module)`);
      }
    }
    log(`cold start: ${c.name} N=${c.n} (${o.cold} fresh processes)`);
    const samples = [];
    for (let s = 0; s < o.cold; s++) samples.push(child('cold', { bundle: c.bundle, model: c.model }));
    c.cold = Object.fromEntries(Object.keys(samples[0]).map((key) => [key, median(samples.map((x) => x[key]))]));
    c.cold.samples = samples.map((x) => +x.total_ms.toFixed(2));
    const fromFile = [];
    for (let s = 0; s < o.cold; s++) fromFile.push(child('coldfile', { bundle: c.bundle, model: c.model }).file_to_first_ms);
    c.cold.file_to_first_ms = median(fromFile);
    if (c.model !== 'mf') {
      // SASRec's default first list also computes the leave-one-out influences (explain()'s
      // exact reasons); the first list with the fast reasons only, in other fresh processes.
      const fast = [];
      for (let s = 0; s < o.cold; s++) fast.push(child('cold', { bundle: c.bundle, model: c.model, explain: false }));
      c.cold.fast_total_ms = median(fast.map((x) => x.total_ms));
      c.cold.fast_first_ms = median(fast.map((x) => x.first_ms));
    }
    try {
      const parts = [];
      for (let s = 0; s < o.cold; s++) parts.push(child('parts', { bundle: c.bundle }));
      for (const key of Object.keys(parts[0])) c.cold[key] = median(parts.map((x) => x[key]));
    } catch (e) {
      log(`the open breakdown failed (EngineRecommender changed?): ${e.message.split('\n')[0]}`);
    }
    if (o.native) {
      log(`native: ${c.name} N=${c.n}`);
      c.native = JSON.parse(run(hearth, ['bench-native', '--bundle', c.bundle, '--model', c.model, '--history', o.lengths.join(','),
        '--requests', String(o.requests), '--k', String(K), '--cold', String(o.cold)]));
      // Cold start natively in fresh processes too (the in-process samples above run after
      // the timings, with a warm allocator).
      const fresh = [];
      for (let s = 0; s < o.cold; s++) {
        fresh.push(JSON.parse(run(hearth, ['bench-native', '--bundle', c.bundle, '--model', c.model, '--k', String(K), '--cold-once'])));
      }
      c.native.cold_start_fresh_ms = median(fresh.map((x) => x.cold_start_ms));
    }
    c.probe_gbps = c.wasm.probe.gbps;
    c.floor_ms = c.bytes / (c.probe_gbps * 1e6);
  }
  const memory = o.memory ? measureMemory(configs) : [];
  const agreement = o.agreement ? measureAgreement() : [];
  env.load_end = loadavg().map((x) => +x.toFixed(2));
  env.minutes = +((Date.now() - started) / 60000).toFixed(1);
  publish({ env, wasm, probe, configs, memory, agreement }, o.readme);
}

// Peak RSS of opening each bundle of the largest size (scripts/bench-memory.mjs: a fresh
// process each, what open + the first recommend() add to the RSS with the library and
// module already loaded), given as a path, a URL and bytes.
function measureMemory(configs) {
  const largest = Math.max(...configs.map((c) => c.n));
  const tiny = tinyBundle(hearth, `${root}out/bench/memory-tiny.hearth`);
  const env = { ...process.env, HEARTH_WEB_SRC: `${snapshot}/web/src` };
  const out = [];
  for (const c of configs.filter((x) => x.n === largest)) {
    for (const how of ['path', 'url', 'bytes']) {
      log(`memory: open ${c.name} N=${c.n} from ${how}`);
      out.push({ name: c.name, n: c.n, how, ...openMemory(c.bundle, how, tiny, env) });
    }
  }
  return out;
}

// Real SASRec bundles for the reasons' agreement: the project's synthetic world always, and
// Beauty and ml-latest-small (max_len 200: long windows) when HEARTH_DATA_DIR has them.
// Trained once into out/bench/reasons/ with the default recipe.
function reasonBundles() {
  const dir = `${root}out/bench/reasons`;
  mkdirSync(dir, { recursive: true });
  const data = process.env.HEARTH_DATA_DIR ? resolve(process.env.HEARTH_DATA_DIR) : null;
  const sets = [{ name: 'synthetic', file: 'synthetic', data: `${dir}/synth/ratings.csv`, args: ['--items', `${dir}/synth/items.csv`], train: [] }];
  if (data && existsSync(`${data}/amazon-seq/Beauty.txt`)) {
    sets.push({ name: 'Amazon Beauty', file: 'beauty', data: `${data}/amazon-seq/Beauty.txt`, args: ['--format', 'seq'], train: [] });
  }
  if (data && existsSync(`${data}/ml-latest-small/ratings.csv`)) {
    sets.push({ name: 'ml-latest-small (max_len 200)', file: 'ml-max-len-200', data: `${data}/ml-latest-small/ratings.csv`, args: [], train: ['--max-len', '200', '--epochs', '40'] });
  }
  if (!existsSync(sets[0].data)) run(hearth, ['synth', '--out', `${dir}/synth`]);
  for (const s of sets) {
    s.bundle = `${dir}/${s.file}-sasrec.hearth`;
    if (!existsSync(s.bundle)) {
      log(`hearth train --model sasrec (${s.name}), once`);
      run(hearth, ['train', '--data', s.data, ...s.args, '--model', 'sasrec', ...s.train, '--out', s.bundle]);
    }
  }
  return sets;
}

// `hearth bench-reasons`: reasons under a budget of leave-one-out encodings against the exact
// leave-one-out (the default), on every user's training history of each real bundle.
const AGREEMENT_BUDGETS = [2, 8, 32];
function measureAgreement() {
  const out = [];
  for (const s of reasonBundles()) {
    for (const encodings of AGREEMENT_BUDGETS) {
      log(`hearth bench-reasons --encodings ${encodings} (${s.name})`);
      const r = JSON.parse(run(hearth, ['bench-reasons', '--bundle', s.bundle, '--data', s.data, ...s.args, '--encodings', String(encodings)]));
      out.push({ dataset: s.name, ...r });
    }
  }
  return out;
}

// ---------------------------------------------------------------- targets and tables

const f = (x, digits = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

// Allocations per warm call of a run's three timed calls (undefined in reports written
// before the bench module counted them).
const allocationsOf = (r) => ({
  recommend: r.recommend.allocations_per_call,
  'recommend (no reasons)': r.recommend_no_reasons.allocations_per_call,
  explain: r.explain.allocations_per_call,
});

// The targets and the Markdown tables of a run's report (also what --report re-renders).
function render({ env, wasm, probe, configs, memory = [], agreement = [] }) {
  const o = env.options ?? { requests: env.requests, cold: configs[0].cold.samples.length, native: !!configs[0].native };
  for (const c of configs) {  // reports written before int8 / PQ variants were measured
    c.catalog ??= 'fp32';
    c.name ??= c.model;
  }
  // The targets on scoring speed are about fp32 catalogs; int8 and PQ read fewer bytes.
  const fp32 = configs.filter((c) => c.catalog === 'fp32');
  const targets = [];
  const target = (name, measured, limit, pass, note = '') => targets.push({ name, measured, limit, pass, note });
  for (const c of fp32) {
    const g = c.wasm.probe.gemv;
    target(`catalog scoring N=${c.n} (wasm gemv / probe, after the ${c.model} run)`, `${f(g.gbps, 1)} / ${f(g.probe_gbps, 1)} GB/s = ${f(100 * g.gbps / g.probe_gbps, 0)}%`, '≥ 80%', g.gbps >= 0.8 * g.probe_gbps);
  }
  for (const c of fp32) {
    for (const r of c.wasm.runs) {
      // The default call; for SASRec also with the fast reasons only (tags, controls; no
      // leave-one-out influences), which is what `reasons: 0` / `explain: false` leave.
      const variants = [['', r.recommend]];
      if (c.model !== 'mf') {
        variants[0][0] = ', default (leave-one-out reasons)';
        variants.push([', fast reasons only (explain: false)', r.recommend_no_reasons]);
      }
      // The floor is the probe over the variant's own bytes: when they fit in the cache (the
      // catalog is read back to back here), that probe is faster than memory. A page's catalog
      // goes cold between taps, so the ratio to the memory floor (bytes / the 256 MB probe) is
      // shown too, for the sizes where scoring is most of the call.
      const dramFloor = c.bytes / ((c.wasm.dram_probe?.gbps ?? probe.gbps) * 1e6);
      const cached = c.floor_ms < 0.9 * dramFloor;
      for (const [label, t] of variants) {
        const ratio = t.p50_ms / c.floor_ms;
        target(`recommend() ${c.model} N=${c.n} L=${r.history}${label} (p50 / floor${cached ? ', cache-resident' : ''})`, `${f(t.p50_ms)} / ${f(c.floor_ms)} ms = ${f(ratio, 1)}×`, '≤ 1.3×', ratio <= 1.3);
        if (cached && c.n >= 100000) {
          const dram = t.p50_ms / dramFloor;
          target(`recommend() ${c.model} N=${c.n} L=${r.history}${label} (p50 / memory floor)`, `${f(t.p50_ms)} / ${f(dramFloor)} ms = ${f(dram, 1)}×`, '≤ 1.3×', dram <= 1.3);
        }
      }
    }
  }
  // The default call's reasons against the same call without them: what a user gets by
  // default may cost at most half again the bare call (the leave-one-out reasons are exact;
  // why this misses is in scripts/BENCHMARKS.md, "Budgeted reasons against exact ones").
  for (const c of fp32.filter((x) => x.model !== 'mf')) {
    for (const r of c.wasm.runs) {
      const ratio = r.recommend.p50_ms / r.recommend_no_reasons.p50_ms;
      target(`recommend() ${c.model} N=${c.n} L=${r.history}, default reasons / explain: false (p50)`,
        `${f(r.recommend.p50_ms)} / ${f(r.recommend_no_reasons.p50_ms)} ms = ${f(ratio, 1)}×`, '≤ 1.5×', ratio <= 1.5);
    }
  }
  // PQ at 1M items: the whole default call (with its reasons) within 2 ms, beside the floor
  // of its scan (the codes / the 256 MB probe's rate; the scan alone is in scripts/bench-pq.mjs).
  for (const c of configs.filter((x) => x.catalog === 'pq' && x.n >= 1000000)) {
    const r = c.wasm.runs.find((x) => x.history === 50);
    if (!r) continue;
    const scanFloor = (c.n * PQ_BYTES) / ((c.wasm.dram_probe?.gbps ?? probe.gbps) * 1e6);
    const variants = [[c.model === 'mf' ? '' : ', default (leave-one-out reasons)', r.recommend]];
    if (c.model !== 'mf') variants.push([', fast reasons only (explain: false)', r.recommend_no_reasons]);
    for (const [label, t] of variants) {
      target(`recommend() ${c.name} N=${c.n} L=50${label} (p50; floor of the code scan ${f(scanFloor)} ms)`,
        `${f(t.p50_ms)} ms = ${f(t.p50_ms / scanFloor, 1)}× the scan floor`, '≤ 2 ms', t.p50_ms <= 2);
    }
  }
  // Peak memory of opening a bundle from a path or a URL: what open + the first call add to
  // the RSS, against the bundle's size. Bytes handed over are the caller's copy, so that case
  // is shown, not judged.
  for (const m of memory.filter((x) => x.how !== 'bytes' && x.n >= 1000000)) {
    target(`peak RSS added by opening ${m.name} N=${m.n} from a ${m.how} (fresh process)`,
      `${f(m.peak - m.baseline, 0)} / ${f(m.bundle_mib, 0)} MiB = ${f(m.ratio, 2)}×`, '≤ 1.2×', m.ratio <= 1.2);
  }
  for (const c of fp32.filter((x) => x.model !== 'mf')) {
    const r = c.wasm.runs.find((x) => x.history === 50);
    if (r) target(`explain() leave-one-out ${c.model} N=${c.n} L=50 (p50)`, `${f(r.explain.p50_ms)} ms (p99 ${f(r.explain.p99_ms)})`, '≤ 20 ms', r.explain.p50_ms <= 20);
  }
  for (const c of configs.filter((x) => x.n === 100000)) {
    const label = c.model === 'mf' ? '' : ', default (leave-one-out reasons)';
    target(`cold start ${c.name} N=100k${label} (instantiate + open + first recommend, median)`, `${f(c.cold.total_ms, 1)} ms`, '≤ 50 ms', c.cold.total_ms <= 50);
    if (c.cold.fast_total_ms !== undefined) {
      target(`cold start ${c.name} N=100k, fast reasons only (explain: false) (median)`, `${f(c.cold.fast_total_ms, 1)} ms`, '≤ 50 ms', c.cold.fast_total_ms <= 50);
    }
  }
  // Fresh process to the first list, the bundle read from its file: int8 and PQ within 250
  // ms at 1M items, fp32 within 500 ms; every kind within 40 ms at 100k.
  for (const c of configs.filter((x) => x.cold.file_to_first_ms !== undefined && (x.n === 100000 || x.n === 1000000))) {
    const limit = c.n === 100000 ? 40 : c.name.includes('int8') || c.name.includes('pq') ? 250 : 500;
    target(`cold start from the file ${c.name} N=${c.n / 1000}k (import + instantiate + open + first recommend, fresh process, median)`,
      `${f(c.cold.file_to_first_ms, 1)} ms`, `≤ ${limit} ms`, c.cold.file_to_first_ms <= limit);
  }
  for (const c of configs) {
    for (const r of c.wasm.runs) {
      const a = Object.values(allocationsOf(r));
      if (a.some((x) => x === undefined)) continue;
      target(`no allocation per warm call (wasm, bench module) ${c.name} N=${c.n} L=${r.history}`,
        `${a.map((x) => f(x, 2)).join(' / ')} allocations per warm call (recommend / no reasons / explain); wasm heap growth ${r.heap_growth_bytes} B`,
        '0', a.every((x) => x === 0));
    }
  }
  if (o.native) {
    for (const c of configs) {
      const worst = Math.max(...c.native.runs.flatMap((r) => [r.recommend.allocations_per_call, r.explain.allocations_per_call]));
      const growth = Math.max(...c.wasm.runs.map((r) => r.heap_growth_bytes));
      // The heap's growth includes the first calls' (warm-up) allocations, sized once; what
      // a warm call allocates is the counters' (this row natively, the rows above in wasm).
      target(`no allocation on the hot path ${c.name} N=${c.n}`, `${f(worst, 2)} C++ allocations per warm call (native); wasm heap growth over warm-up and timed calls ${growth} B`, '0', worst === 0);
    }
  }
  target('wasm binary raw', `${wasm.raw} B (${f(wasm.raw / 1024, 1)} KiB; gzip ${wasm.gzip} B)`, '≤ 300 KB (300,000 B)', wasm.raw <= 300000);

  // ---------------------------------------------------------------- tables

  const md = [];
  md.push(`Node ${env.node}, ${env.cpu} (${env.cores} cores, shared), load average ${env.load_start[0]} → ${env.load_end[0]}, ` +
    `${env.date.slice(0, 10)}, ${env.git}; d = ${DIM}, k = ${K}, one thread, ${o.requests} requests after warm-up; ` +
    `bench bundles (random weights), SASRec 2 blocks, 1 head, max_len 200; ${env.minutes} min.`);
  md.push('');
  md.push(env.bench_module ? `Wasm ${BENCH_NOTE}.` : 'Wasm timings and probes from the product module (a run before the bench build existed).');
  md.push('');
  if (probe.faults) {
    md.push(`First touch of fresh wasm memory (a fresh process growing its memory by 256 MiB and writing a byte a 4 KiB page): ` +
      `${f(probe.faults.ms, 0)} ms, ${f(probe.faults.us_per_page, 1)} µs a page. Every cold start below pays this for each page of the ` +
      'bundle it copies into the heap (307 MB at 1M fp32 items: 75,000 pages).');
    md.push('');
  }
  md.push(`Streaming-read probe (wasm simd128, \`sum_f32\`): ${f(probe.gbps, 1)} GB/s over 256 MB (DRAM); over the bytes ` +
    'of each variant (cache-resident when they fit), measured right after its timings: ' +
    configs.map((c) => `${c.name} N=${c.n} ${f(c.probe_gbps, 1)} GB/s`).join(', ') + '.');
  md.push('');
  md.push('**Node + WebAssembly, warm** (one process per variant, timed after a warm-up; `openEngine(...).recommend(history, { k: 20 })`, `explain(history, item)`; ' +
    '"no reasons" is `{ k: 20, reasons: 0 }`: no MF contributions, no SASRec leave-one-out influences; for SASRec ' +
    'it is the same as `explain: false`, the call with the fast reasons only). ' +
    `Catalogs: fp32 rows; int8 (\`hearth export --int8\`: codes and a scale per row); pq (\`--pq ${PQ_BYTES} --int8\`: ` +
    `${PQ_BYTES}-byte codes scanned with lookup tables, then the int8 rows of the best 10·k (at least 500) candidates re-scored). ` +
    'Floor = bytes read / probe bandwidth at that size; times in ms. Allocations per warm call (recommend / no reasons / ' +
    'explain) from the bench module\'s counter over the timed calls; heap growth over all three.');
  md.push('');
  md.push('| model | N | L | recommend p50 / p95 / p99 | no reasons p50 | explain p50 / p95 / p99 | MB read | floor | p50 / floor | GB/s (% of probe) | allocations per warm call | heap growth B |');
  md.push('|---|---:|---:|---|---:|---|---:|---:|---:|---:|---|---:|');
  for (const c of configs) {
    for (const r of c.wasm.runs) {
      const rr = r.recommend;
      const e = r.explain;
      const achieved = gbps(c.bytes, rr.p50_ms);
      md.push(`| ${c.name} | ${c.n} | ${r.history} | ${f(rr.p50_ms)} / ${f(rr.p95_ms)} / ${f(rr.p99_ms)} | ` +
        `${f(r.recommend_no_reasons.p50_ms)} | ${f(e.p50_ms)} / ${f(e.p95_ms)} / ${f(e.p99_ms)} | ` +
        `${f(c.bytes / 1e6, 1)} | ${f(c.floor_ms)} | ${f(rr.p50_ms / c.floor_ms, 1)}× | ${f(achieved, 1)} (${f(100 * achieved / c.probe_gbps, 0)}%) | ` +
        `${Object.values(allocationsOf(r)).map((x) => f(x, 2)).join(' / ')} | ${r.heap_growth_bytes} |`);
    }
  }
  md.push('');
  md.push('Scoring kernel alone (wasm `gemv_f32`, d = 64, right after each run): ' +
    fp32.map((c) => `${c.model} N=${c.n}: ${f(c.wasm.probe.gemv.ms, 3)} ms, ${f(c.wasm.probe.gemv.gbps, 1)} GB/s`).join('; ') + '.');
  md.push('');
  md.push('**Cold start and memory, cold** (fresh Node processes, median of ' + o.cold + '; ms). Total = instantiate the wasm + ' +
    '`openEngine` on bundle bytes already in memory + the first `recommend()`; not in it: importing the library and ' +
    'reading the file. The open column is split, in other fresh processes, into copying the bytes into the wasm heap, ' +
    'the C++ `Engine` (bundle checks incl. every checksum) and the JS tables. SASRec\'s first `recommend()` is the ' +
    'default call (with leave-one-out reasons); in brackets, other fresh processes whose first call has the fast reasons only:');
  md.push('');
  md.push('| model | N | bundle MB | instantiate | open (copy + C++ + JS) | first recommend | total | import | file read | peak RSS MB | wasm heap MB |');
  md.push('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const c of configs) {
    const k = c.cold;
    const parts = k.engine_ms === undefined ? '' : ` (${f(k.copy_ms, 1)} + ${f(k.engine_ms, 1)} + ${f(k.js_ms, 1)})`;
    const fast = k.fast_total_ms === undefined ? '' : ` (fast reasons: ${f(k.fast_first_ms, 1)})`;
    const fastTotal = k.fast_total_ms === undefined ? '' : ` (${f(k.fast_total_ms, 1)})`;
    md.push(`| ${c.name} | ${c.n} | ${f(c.bundle_bytes / 1e6, 1)} | ${f(k.instantiate_ms, 1)} | ${f(k.open_ms, 1)}${parts} | ` +
      `${f(k.first_ms, 1)}${fast} | **${f(k.total_ms, 1)}**${fastTotal} | ${f(k.import_ms, 1)} | ${f(k.read_ms, 1)} | ${f(c.wasm.peak_rss_bytes / 2 ** 20, 0)} | ${f(c.wasm.wasm_heap_bytes / 2 ** 20, 0)} |`);
  }
  md.push('');
  md.push(`WebAssembly binary: ${wasm.raw} B raw, ${wasm.gzip} B gzip -9 (JS glue ${wasm.glue_raw} B, ${wasm.glue_gzip} B gzip).`);
  if (memory.length) {
    md.push('');
    md.push('**Memory of opening a bundle** (cold: a fresh Node process per case, `createRecommender({ bundle })` + the first ' +
      '`recommend()`; added = its peak RSS minus the RSS once the library and module are loaded; `scripts/bench-memory.mjs`):');
    md.push('');
    md.push('| bundle | N | MiB | given as | added MiB | added / bundle | open + first result (ms) |');
    md.push('|---|---:|---:|---|---:|---:|---:|');
    for (const m of memory) {
      md.push(`| ${m.name} | ${m.n} | ${f(m.bundle_mib, 0)} | ${m.how} | ${f(m.peak - m.baseline, 0)} | ${f(m.ratio, 2)}× | ${f(m.ms, 0)} |`);
    }
  }
  if (agreement.length) {
    md.push('');
    md.push('**Budgeted reasons against exact leave-one-out** (native `hearth bench-reasons`, warm: one process per budget ' +
      'over every user\'s training history; the default reasons are the exact ones). Agreement = the reasons shown (up ' +
      'to 3, in order) are exactly the exact leave-one-out\'s; in brackets, the top reason alone. ms = p50 per call:');
    md.push('');
    md.push(`| model | window | users | ${AGREEMENT_BUDGETS.map((b) => `${b} encodings: agreement (top) / ms`).join(' | ')} | exact ms | no reasons ms |`);
    md.push(`|---|---|---:|${AGREEMENT_BUDGETS.map(() => '---|').join('')}---:|---:|`);
    for (const dataset of [...new Set(agreement.map((a) => a.dataset))]) {
      const runs = AGREEMENT_BUDGETS.map((b) => agreement.find((a) => a.dataset === dataset && a.encodings === b));
      for (const w of runs[0].windows) {
        const cells = runs.map((r) => {
          const x = r?.windows.find((y) => y.window === w.window);
          return x ? `${f(100 * x.agreement, 1)}% (${f(100 * x.agreement_first, 1)}%) / ${f(x.budget_p50_ms)}` : '–';
        });
        md.push(`| ${dataset} | ${w.window} | ${w.users} | ${cells.join(' | ')} | ${f(w.exact_p50_ms)} | ${f(w.no_reasons_p50_ms)} |`);
      }
    }
  }
  if (o.native) {
    const np = configs[0].native.probe;
    md.push('');
    md.push(`**Native, warm** (\`hearth bench-native\`, timed after a warm-up; cold start in fresh processes, in brackets the same steps in the warm process; ${configs[0].native.scoring.kernel}; probe ${np.kernel} ${f(np.dram_gbps, 1)} GB/s over 256 MB); ms:`);
    md.push('');
    md.push('| model | N | L | recommend p50 / p95 / p99 | no reasons p50 | explain p50 / p95 / p99 | allocations per call (rec / explain) | gemv GB/s (% of probe) | p50 / floor | cold start: fresh process (warm process) | peak RSS MB |');
    md.push('|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|');
    for (const c of configs) {
      const nat = c.native;
      const floor = c.bytes / (nat.probe.matched_gbps * 1e6);
      for (const r of nat.runs) {
        md.push(`| ${c.name} | ${c.n} | ${r.history} | ${f(r.recommend.p50_ms)} / ${f(r.recommend.p95_ms)} / ${f(r.recommend.p99_ms)} | ` +
          `${f(r.recommend_no_reasons.p50_ms)} | ${f(r.explain.p50_ms)} / ${f(r.explain.p95_ms)} / ${f(r.explain.p99_ms)} | ${f(r.recommend.allocations_per_call)} / ${f(r.explain.allocations_per_call)} | ` +
          `${f(nat.scoring.gbps, 1)} (${f(100 * nat.scoring.gbps / nat.probe.matched_gbps, 0)}%) | ${f(r.recommend.p50_ms / floor, 1)}× | ` +
          `${f(nat.cold_start_fresh_ms, 1)} (${f(nat.cold_start_ms.median, 1)}) | ${f(nat.peak_rss_bytes / 2 ** 20, 0)} |`);
      }
    }
  }
  md.push('');
  md.push('**Targets** (Node, wasm, one thread; ratios within this run):');
  md.push('');
  md.push('| target | measured | limit | |');
  md.push('|---|---|---|---|');
  for (const t of targets) md.push(`| ${t.name} | ${t.measured} | ${t.limit} | ${t.pass ? 'PASS' : '**MISS**'} |`);
  return { table: md.join('\n'), targets };
}

function publish(report, readme) {
  const { table, targets } = render(report);
  report.targets = targets;
  writeFileSync(`${root}out/bench/bench.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${root}out/bench/bench.md`, `${table}\n`);
  console.log(table);
  log(`wrote out/bench/bench.json and out/bench/bench.md`);
  if (readme) updateReadme(table);
}

// The tables live in scripts/BENCHMARKS.md (the README links to them).
function updateReadme(table) {
  const path = `${root}scripts/BENCHMARKS.md`;
  const text = readFileSync(path, 'utf8');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`scripts/BENCHMARKS.md has no ${begin} ... ${end} block`);
  writeFileSync(path, `${text.slice(0, a + begin.length)}\n${table}\n${text.slice(b)}`);
  log('updated the tables in scripts/BENCHMARKS.md');
}

if (o.report) {
  publish(JSON.parse(readFileSync(`${root}out/bench/bench.json`, 'utf8')), o.readme);
} else {
  await measureAll();
}
