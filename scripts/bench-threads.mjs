// The threaded module in Chromium (not part of the test suite): recommend() p50/p95 with one
// thread and with the threaded module, on a cross-origin isolated page (demo/serve.mjs sends
// COOP/COEP), for the MF bench bundles of scripts/bench (made here when missing).
//
//   node scripts/bench-threads.mjs [--sizes 100000,1000000] [--requests 100]
//
// Writes out/bench/threads.json and prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../demo/serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const sizes = option('--sizes', '100000,1000000').split(',').map(Number);
const requests = Number(option('--requests', '100'));
const K = 20;
const L = 50;

const site = mkdtempSync(join(tmpdir(), 'hearth-bench-threads-'));
mkdirSync(join(site, 'lib'));
symlinkSync(join(root, 'web/src'), join(site, 'lib/src'));
symlinkSync(join(root, 'web/dist'), join(site, 'lib/dist'));
writeFileSync(join(site, 'index.html'), '<!doctype html><title>bench</title>\n');
for (const n of sizes) {
  const bundle = join(root, `out/bench/bundles/mf-${n}-d64-s1.hearth`);
  if (!existsSync(bundle)) {
    mkdirSync(dirname(bundle), { recursive: true });
    execFileSync(join(root, 'build/native/bin/hearth'), ['bench-bundle', '--items', String(n), '--dim', '64', '--model', 'mf', '--seed', '1', '--out', bundle]);
  }
  symlinkSync(bundle, join(site, `mf-${n}.hearth`));
}

const { server, url } = await startServer({ root: site, port: 0, quiet: true });
const profile = mkdtempSync(join(tmpdir(), 'hearth-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.HEARTH_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--js-flags=--max-old-space-size=4096'],
});
const results = [];
try {
  for (const n of sizes) {
    for (const threads of [false, undefined]) {
      const page = await context.newPage();
      await page.goto(url);
      const r = await page.evaluate(async ({ n, threads, requests, K, L }) => {
        const { createRecommender } = await import('/lib/src/index.js');
        const rec = await createRecommender({ bundle: `/mf-${n}.hearth`, storage: 'memory', cache: false, threads });
        let seed = 7;
        const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
        const catalog = rec.catalog().map((item) => item.id);
        const histories = Array.from({ length: 32 }, () => Array.from({ length: L }, () => catalog[Math.floor(rand() * catalog.length)]));
        const time = async (options) => {
          for (let i = 0; i < 20; i++) await rec.recommend(histories[i % 32], options);
          const t = [];
          for (let i = 0; i < requests; i++) {
            const t0 = performance.now();
            await rec.recommend(histories[i % 32], options);
            t.push(performance.now() - t0);
          }
          t.sort((a, b) => a - b);
          return { p50: t[Math.floor(t.length / 2)], p95: t[Math.min(t.length - 1, Math.floor(t.length * 0.95))] };
        };
        const out = { threads: rec.threads, cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated,
          recommend: await time({ k: K }), noReasons: await time({ k: K, reasons: 0 }) };
        rec.dispose();
        return out;
      }, { n, threads, requests, K, L });
      results.push({ n, requested: threads === false ? 'one thread' : 'threaded (default)', ...r });
      await page.close();
    }
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  server.closeAllConnections?.();
  server.close();
  rmSync(site, { recursive: true, force: true });
}

const f = (x) => x.toFixed(2);
const lines = [
  `Chromium ${context.browser()?.version() ?? ''} headless, ${cpus()[0].model.trim()} (${cpus().length} cores), cross-origin isolated page; ` +
  `MF bench bundles, d = 64, k = ${K}, L = ${L}, ${requests} requests after 20 warm-up calls; ms.`,
  '',
  '| N | module | threads | recommend p50 / p95 | no reasons p50 / p95 | speed-up (p50) |',
  '|---:|---|---:|---|---|---:|',
];
for (const r of results) {
  const one = results.find((x) => x.n === r.n && x.requested === 'one thread');
  lines.push(`| ${r.n} | ${r.requested} | ${r.threads} | ${f(r.recommend.p50)} / ${f(r.recommend.p95)} | ` +
    `${f(r.noReasons.p50)} / ${f(r.noReasons.p95)} | ${f(one.recommend.p50 / r.recommend.p50)}× |`);
}
mkdirSync(join(root, 'out/bench'), { recursive: true });
writeFileSync(join(root, 'out/bench/threads.json'), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
console.log(lines.join('\n'));
