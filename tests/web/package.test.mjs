// Packaging: the npm tarball installs into an empty project and recommends; a browser
// bundle built by esbuild resolves; every import in the shipped files is one a browser
// can follow from a plain <script type=module>; and the .d.ts type-checks real usage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecommender } from '../../web/src/index.js';
import { trainedBundle } from './helpers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work;
let project;
let installed;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'hearth-pack-'));
  const [{ filename }] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'smoke', private: true, type: 'module' }));
  // No dependencies, so an offline install of the tarball needs nothing from a registry.
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(work, 'npm-cache'), join(work, filename)],
    { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  installed = join(project, 'node_modules', 'hearth-recommender');
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the installed tarball recommends, in-thread and in a worker, as the source tree does', async () => {
  const { bundle } = trainedBundle('als');
  const history = ['1140', { id: '1136', value: 5 }];
  writeFileSync(join(project, 'smoke.mjs'), `
    import { createRecommender, HearthError } from 'hearth-recommender';
    const [bundle, history] = [process.argv[2], JSON.parse(process.argv[3])];
    const rec = await createRecommender({ bundle });
    const inThread = await rec.recommend(history, { k: 5 });
    rec.dispose();
    const remote = await createRecommender({ bundle, worker: true });
    const inWorker = await remote.recommend(history, { k: 5 });
    await remote.dispose();
    console.log(JSON.stringify({ inThread, inWorker, error: typeof HearthError }));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ['smoke.mjs', bundle, JSON.stringify(history)], { cwd: project, encoding: 'utf8' }));
  const rec = await createRecommender({ bundle });
  const expected = await rec.recommend(history, { k: 5 });
  rec.dispose();
  assert.equal(out.inThread.length, 5);
  assert.deepEqual(out.inThread, expected);
  assert.deepEqual(out.inWorker, expected);
  assert.equal(out.error, 'function');
});

test('the tarball ships what the library loads, and only that', () => {
  const files = (dir) => readdirSync(dir, { recursive: true }).map(String);
  const shipped = files(installed);
  for (const f of ['package.json', 'LICENSE', 'web/index.d.ts', 'web/dist/hearth.mjs', 'web/dist/hearth.wasm',
    'web/dist/hearth-mt.mjs', 'web/dist/hearth-mt.wasm', 'web/dist/hearth-mt.worker.js', 'web/src/index.js',
    'web/src/loader.js', 'web/src/worker-host.js', 'web/src/node/worker-host.js', 'web/src/node/platform.js', 'web/src/worker-client.js',
    'web/README.md', 'web/LOADING.md', 'web/STORAGE.md', 'core/device/bundle/FORMAT.md', 'core/train/import/IMPORT.md']) {
    assert.ok(shipped.includes(f), `${f} is in the tarball`);
  }
  assert.ok(!shipped.some((f) => f.startsWith('tests') || /\.(cpp|h)$/.test(f)), 'no C++ sources or tests');
  assert.ok(shipped.filter((f) => f.startsWith('core/') && /\.[a-z]+$/i.test(f)).every((f) => f.endsWith('.md')), 'only the documents of core/');
  // Every document the package README links to is in the package.
  const readme = readFileSync(join(installed, 'web/README.md'), 'utf8');
  for (const [, link] of readme.matchAll(/\]\((?!https?:|#)([^)#]+)/g)) {
    assert.ok(existsSync(resolve(installed, 'web', link)), `web/README.md links to ${link}, which is shipped`);
  }
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  assert.deepEqual(Object.keys(pkg.exports['.'])[0], 'types', 'types come first in the exports map');
  assert.deepEqual(Object.keys(pkg.exports['./worker']), ['node', 'default'], 'Node gets its own worker script');
  assert.equal(pkg.dependencies, undefined);
});

test('every import in the shipped JavaScript is a relative path a browser can fetch', () => {
  // A plain <script type=module> has no resolver: bare names would fail to load. Node
  // built-ins are imported only under web/src/node/, which node.js loads on first use in
  // Node through a specifier bundlers do not follow.
  const sources = readdirSync(join(installed, 'web'), { recursive: true }).map(String).filter((f) => /\.(m?js)$/.test(f));
  for (const file of sources) {
    const path = join(installed, 'web', file);
    const text = readFileSync(path, 'utf8');
    const specifiers = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] || m[2]);
    for (const spec of specifiers) {
      if (file.startsWith('src/node/') && spec.startsWith('node:')) continue;
      assert.match(spec, /^\.\.?\//, `${file} imports '${spec}'`);
      assert.ok(existsSync(resolve(dirname(path), spec)), `${file}: '${spec}' is shipped`);
    }
  }
});

test('esbuild bundles the package for the browser; hearth.wasm and the worker stay beside the output', async () => {
  const { build } = await import('esbuild');
  writeFileSync(join(project, 'entry.js'), `
    import { createRecommender } from 'hearth-recommender';
    const rec = await createRecommender({ bundle: '/catalog.hearth', worker: new URL('./hearth-worker.js', import.meta.url) });
    document.body.textContent = JSON.stringify(await rec.recommend([]));
  `);
  const result = await build({
    absWorkingDir: project,
    entryPoints: ['entry.js'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outdir: 'dist',
    logLevel: 'silent',
    write: true,
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
  const out = readFileSync(join(project, 'dist', 'entry.js'), 'utf8');
  // The Emscripten loader finds the wasm relative to the bundle: copy it next to it.
  assert.match(out, /new URL\("hearth\.wasm", import\.meta\.url\)/);
  assert.ok(!/from\s*["']node:/.test(out), 'no static import of Node built-ins');
  // The worker entry is bundled separately, as LOADING.md tells bundler users to do.
  const worker = await build({
    absWorkingDir: project,
    entryPoints: { 'hearth-worker': 'hearth-recommender/worker' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outdir: 'dist',
    logLevel: 'silent',
  });
  assert.deepEqual(worker.errors, []);
  assert.match(readFileSync(join(project, 'dist', 'hearth-worker.js'), 'utf8'), /new URL\("hearth\.wasm", import\.meta\.url\)/);
});

test('the .d.ts type-checks the example usage (tsc --noEmit)', () => {
  const tsc = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
  try {
    execFileSync(tsc, ['--noEmit', '-p', join(root, 'tests/web/types/tsconfig.json')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
