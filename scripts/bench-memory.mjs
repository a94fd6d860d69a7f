// Peak memory of opening a bundle in Node, each case in a fresh process: the process's peak
// RSS after open + one recommend(), against the bundle's bytes (target: what the open adds
// <= 1.2x the bundle; issue "memory at the bundle's size").
//   node scripts/bench-memory.mjs BUNDLE [BUNDLE ...]        path, URL and bytes for each
//   HEARTH_WEB_SRC=DIR/web/src ...                           another copy of the library (A/B)
// "baseline" is the RSS after the library and its WebAssembly module are loaded (a tiny
// bundle opened and closed), so "added" is what opening this bundle costs.
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const here = fileURLToPath(import.meta.url);
const webSrc = resolve(process.env.HEARTH_WEB_SRC ?? resolve(here, '../../web/src'));

if (process.argv[1] === here && process.argv[2] === '--child') {
  const [, , , how, path, tiny] = process.argv;
  const { createRecommender } = await import(pathToFileURL(resolve(webSrc, 'index.js')).href);
  const warm = await createRecommender({ bundle: tiny, storage: 'memory' });
  await warm.dispose();
  const mib = (b) => b / 1048576;
  const baseline = process.memoryUsage().rss;
  let source = path;
  let server = null;
  if (how === 'url') {
    // Streams the file (the server must not hold it in memory either).
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(statSync(path).size) });
      createReadStream(path).pipe(res);
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    source = `http://127.0.0.1:${server.address().port}/b.hearth`;
  } else if (how === 'bytes') {
    source = new Uint8Array(readFileSync(path));
  }
  const started = performance.now();
  const rec = await createRecommender({ bundle: source, storage: 'memory', cache: false });
  await rec.recommend([], { k: 10 });
  const ms = performance.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024;
  server?.close();
  console.log(JSON.stringify({ how, baseline: mib(baseline), peak: mib(peak), ms }));
  await rec.dispose();
  process.exit(0);
}

// One case in a fresh process: `how` is 'path', 'url' or 'bytes'; `tiny` a small bundle that
// loads the library and module first. Returns { how, baseline, peak, ms, bundle_mib, ratio }
// (MiB; ratio = what opening added / the bundle's size).
export function openMemory(bundle, how, tiny, env = process.env) {
  const r = spawnSync(process.execPath, [here, '--child', how, bundle, tiny], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${bundle} (${how}) failed:\n${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop());
  const bundleMib = statSync(bundle).size / 1048576;
  return { ...m, bundle_mib: bundleMib, ratio: (m.peak - m.baseline) / bundleMib };
}

// A 100-item bundle for openMemory's warm-up.
export function tinyBundle(hearthCli, path) {
  const r = spawnSync(hearthCli, ['bench-bundle', '--items', '100', '--model', 'mf', '--out', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hearth bench-bundle failed: ${r.stderr}`);
  return path;
}

if (process.argv[1] === here && process.argv[2] !== '--child') {
  const bundles = process.argv.slice(2);
  if (bundles.length === 0) throw new Error('usage: node scripts/bench-memory.mjs BUNDLE [BUNDLE ...]');
  const tiny = tinyBundle(process.env.HEARTH_CLI ?? 'build/native/bin/hearth', resolve(here, '../../out/bench/memory-tiny.hearth'));
  console.log(`library: ${webSrc}`);
  console.log('| bundle | MiB | given as | baseline RSS (MiB) | peak RSS (MiB) | added / bundle | open + first result (ms) | target <= 1.2x |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const bundle of bundles) {
    for (const how of ['path', 'url', 'bytes']) {
      const m = openMemory(bundle, how, tiny);
      // Bytes the caller passes are the caller's: the library's copy in the heap is a second one.
      const verdict = how === 'bytes' ? 'n/a (the caller holds a copy)' : m.ratio <= 1.2 ? 'PASS' : 'MISS';
      console.log(`| ${bundle.split('/').pop()} | ${m.bundle_mib.toFixed(0)} | ${how} | ${m.baseline.toFixed(0)} | ${m.peak.toFixed(0)} | ${m.ratio.toFixed(2)}x | ${m.ms.toFixed(0)} | ${verdict} |`);
    }
  }
}
