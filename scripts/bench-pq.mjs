// Product-quantized catalogs in WebAssembly (Node, one thread): the PQ fast scan alone
// (probePqScan) and the candidate selection (probePqSelect) over N items, against the fp32
// gemv (probeGemv) over N x d floats and the streaming-read floor (probeStreamSum), then
// whole recommend() calls through the JS API on each bundle given. Each part runs in its
// own Node process. All of it runs in the bench build of the module (build/wasm/bench, made
// by scripts/build: the product bindings plus the probes, wasm/bench_probes.cpp); the
// product module (web/dist) has no probes.
//
//   node scripts/bench-pq.mjs --items 1000000 --subspaces 32 [--dim 64]
//        [--bundles fp32.hearth,int8.hearth,pq.hearth] [--history 50] [--requests 30]
//        [--module DIR]   (the bench module's folder; default build/wasm/bench)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_MODULE_DIR, BENCH_MODULE_NOTE, loadBenchModule, median, mulberry32, openEngineOn, timeKernel } from './bench-lib.mjs';

const self = fileURLToPath(import.meta.url);

async function childKernels({ items, subspaces, dim, module }) {
  const m = await loadBenchModule(module);
  const rand = mulberry32(1);
  const blocks = Math.ceil(items / 32);
  const codeBytes = blocks * 16 * subspaces;
  const codes = m.allocateAligned(codeBytes);
  for (let i = 0; i < codeBytes; i++) m.HEAPU8[codes + i] = (rand() * 256) | 0;
  const lut = m._malloc(subspaces * 16);
  for (let i = 0; i < subspaces * 16; i++) m.HEAPU8[lut + i] = (rand() * 256) | 0;
  const sums = m._malloc(blocks * 32 * 2);
  const out = {};
  out.scan_ms = timeKernel(500, (r) => m.probePqScan(codes, blocks, subspaces / 2, lut, sums, r));
  out.scan_bytes = codeBytes;
  out.select_ms = timeKernel(500, (r) => m.probePqSelect(sums, items, 500, r));
  m._free(codes);
  m._free(sums);
  m._free(lut);
  const floatBytes = items * dim * 4;
  const rows = m.allocateAligned(floatBytes);
  if (!rows) throw new Error(`cannot allocate ${floatBytes} bytes in wasm`);
  m.HEAPF32.fill(0.01, rows >>> 2, (rows + floatBytes) >>> 2);
  const q = m._malloc(dim * 4);
  const o = m._malloc(items * 4);
  m.HEAPF32.fill(0.5, q >>> 2, (q >>> 2) + dim);
  out.gemv_f32_ms = timeKernel(800, (r) => m.probeGemv(rows, items, dim, q, o, r));
  out.gemv_f32_bytes = floatBytes;
  out.stream_ms = timeKernel(800, (r) => m.probeStreamSum(rows, items * dim, r));
  out.stream_gbps = floatBytes / (out.stream_ms * 1e6);
  out.fp32_floor_ms = out.stream_ms;
  return out;
}

async function childRecommend({ bundle, history, requests, module }) {
  const { EngineRecommender } = await import('../web/src/engine.js');
  const rec = openEngineOn(await loadBenchModule(module), EngineRecommender, readFileSync(bundle));
  // Histories of distinct items drawn from the 10,000 most popular (a padded bundle's
  // trained items come first; a bench bundle's ids are all valid).
  const ids = rec.catalog().slice(0, 10000).map((item) => item.id);
  const rand = mulberry32(7);
  const pool = [];
  for (let h = 0; h < 16; h++) {
    const seen = new Set();
    const list = [];
    while (list.length < Math.min(history, ids.length)) {
      const i = Math.floor(rand() * ids.length);
      if (seen.has(i)) continue;
      seen.add(i);
      list.push({ id: ids[i], value: 1 + Math.floor(rand() * 5) });
    }
    pool.push(list);
  }
  const time = async (options) => {
    for (let i = 0; i < 5; i++) await rec.recommend(pool[i % pool.length], options);
    const ms = [];
    for (let r = 0; r < requests; r++) {
      const t = performance.now();
      await rec.recommend(pool[r % pool.length], options);
      ms.push(performance.now() - t);
    }
    return median(ms);
  };
  const out = { bundle, recommend_ms: await time({ k: 10 }), recommend_no_reasons_ms: await time({ k: 10, reasons: 0 }) };
  rec.dispose();
  return out;
}

if (process.argv[2] === '--child') {
  const fn = { kernels: childKernels, recommend: childRecommend }[process.argv[3]];
  process.stdout.write(JSON.stringify(await fn(JSON.parse(process.argv[4]))));
  process.exit(0);
}

const o = { items: 1000000, subspaces: 32, dim: 64, bundles: [], history: 50, requests: 30, module: BENCH_MODULE_DIR };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  const value = process.argv[i + 1];
  if (!(key in o)) throw new Error(`unknown option --${key}`);
  o[key] = key === 'bundles' ? value.split(',') : key === 'module' ? resolve(value) : Number(value);
}

function child(kind, args) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', self, '--child', kind, JSON.stringify(args)],
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${kind} child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

process.stderr.write(`bench-pq: ${BENCH_MODULE_NOTE}; module: ${o.module}\n`);
const result = { module: `bench build (product bindings plus probes): ${o.module}`, items: o.items, subspaces: o.subspaces, dim: o.dim };
result.kernels = child('kernels', o);
result.recommend = o.bundles.map((bundle) => child('recommend', { bundle, history: o.history, requests: o.requests, module: o.module }));
console.log(JSON.stringify(result, null, 2));
