// The packed library as a web developer ships it: `npm pack` of this tree installed into a
// fresh project (bundlers from npm, pinned by tests/bundlers/package-lock.json), built with
// Vite and webpack 5 in their default production configurations and loaded by a plain
// import-map page, then run in Chromium and in Firefox ESR: in the page's thread, in a worker
// and with threads (served cross-origin isolated), also from a second origin. Every page must
// give exactly the lists the source tree gives in Node. The examples of web/examples run
// against the same installed package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, readdirSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, normalize } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { trainedBundle } from '../web/helpers.mjs';
import { repo } from './helpers.mjs';
import { ENGINES, openBrowser } from './drivers.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const fixtures = join(repo, 'tests/bundlers');
const examples = join(repo, 'web/examples');
let work;
let project;
let bundle;
let history;
let expected;
let onboardingIds;

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const listOf = (list) => ({ ids: list.map((r) => r.id), scores: list.map((r) => r.score), reasons: list.map((r) => r.because.map((b) => b.id)) });

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'hearth-bundlers-'));
  const [{ filename }] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], repo));
  project = join(work, 'project');
  mkdirSync(project);
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(fixtures, f), join(project, f));
  run(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project);
  run(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(work, filename)], project);
  bundle = trainedBundle('hybrid').bundle;
  const rec = await createRecommender({ bundle, storage: 'memory' });
  const ids = rec.catalog().map((c) => c.id);
  history = [ids[3], ids[10], ids[20]];
  expected = listOf(await rec.recommend(history, { k: 5 }));
  onboardingIds = (await rec.recommend({ k: 8 })).map((r) => r.id);
  await rec.dispose();
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/**
 * A static server for `root` that makes its pages cross-origin isolated; `cors` lets pages of
 * other origins load its files (as a CDN does). `host` is the loopback address it listens on:
 * 127.0.0.1 and 127.0.0.2 are two origins.
 */
async function serveDir(root, { cors = false, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    const path = join(root, normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, ''));
    let body;
    try { body = readFileSync(path.endsWith('/') ? join(path, 'index.html') : path); } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(path)] || 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      ...(cors ? { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' } : {}),
    }).end(body);
  });
  await new Promise((r) => server.listen(0, host, r));
  return {
    url: `http://${host}:${server.address().port}/`,
    close: async () => {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
}

const pageErrors = (page) => page.errors.filter((e) => !/favicon|status of 404/.test(e));

/** Serves `dir` (with the bundle) and returns what tests/bundlers/app/main.js computed there. */
async function runPage(engine, dir, { options = {}, host } = {}) {
  copyFileSync(bundle, join(dir, 'catalog.hearth'));
  const server = await serveDir(dir, { host });
  const browser = await openBrowser(engine);
  try {
    const page = await browser.newPage();
    const query = `history=${encodeURIComponent(JSON.stringify(history))}&options=${encodeURIComponent(JSON.stringify(options))}`;
    await page.goto(`${server.url}index.html?${query}`);
    try {
      await page.waitFor(() => document.body && document.body.dataset.done === 'true');
    } catch (e) {
      const progress = await page.evaluate(() => window.hearthProgress).catch(() => null);
      throw new Error(`${e.message}; the page got as far as ${JSON.stringify(progress)}; errors: ${page.errors.join(' | ')}`);
    }
    return { result: await page.evaluate(() => window.hearthResult), errors: pageErrors(page) };
  } finally {
    await browser.close();
    await server.close();
  }
}

function checkResult({ result, errors }, what, engine) {
  assert.deepEqual(errors, [], `${what}: no page errors`);
  assert.equal(result.isolated, true, `${what}: the page is cross-origin isolated`);
  for (const mode of ['inThread', 'worker', 'threads', 'workerThreads']) {
    const got = result[mode];
    assert.ok(got && !got.error, `${what} ${mode}: ${got && got.error}`);
    assert.deepEqual({ ids: got.ids, scores: got.scores, reasons: got.reasons }, expected, `${what} ${mode}: the same list as in Node`);
  }
  assert.equal(result.inThread.threads, 1);
  // Firefox's worker mode scores on one thread, and says so (web/LOADING.md#threads).
  const firefoxWorker = engine === 'firefox' && result.cores > 1;
  if (result.cores > 1) {
    assert.ok(result.threads.threads > 1, `${what}: the threaded module runs on ${result.cores} cores`);
    assert.equal(result.workerThreads.threads > 1, !firefoxWorker, `${what}: threads inside the worker (${result.workerThreads.threads})`);
  }
  assert.deepEqual(result.warnings.map((w) => w.code), firefoxWorker ? ['threads'] : [], `${what}: nothing else fell back`);
  if (firefoxWorker) assert.match(result.warnings[0].message, /Firefox.*worker mode scores on one thread/);
}

const files = (dir) => readdirSync(dir, { recursive: true }).map(String);

// Node's code (web/src/node/) is loaded in Node only: a browser bundle holds none of it.
function assertNoNodeCode(dist, what) {
  for (const f of files(dist).filter((name) => /\.(m?js)$/.test(name))) {
    const text = readFileSync(join(dist, f), 'utf8');
    for (const word of ['worker_threads', 'fs/promises', 'node:']) assert.ok(!text.includes(word), `${what}: ${f} holds Node-only code ('${word}')`);
  }
}
const once = (make) => { let p; return () => (p ??= make()); };

const viteApp = once(async () => {
  const app = join(project, 'vite-app');
  mkdirSync(app);
  copyFileSync(join(fixtures, 'vite/index.html'), join(app, 'index.html'));
  copyFileSync(join(fixtures, 'app/main.js'), join(app, 'main.js'));
  run(join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], app);
  const dist = join(app, 'dist');
  const emitted = files(dist);
  assert.equal(emitted.filter((f) => f.endsWith('.wasm')).length, 2, `one copy of each wasm module: ${emitted.join(', ')}`);
  assert.equal(emitted.filter((f) => /^assets\/hearth-mt.*\.mjs$/.test(f)).length, 1, `one copy of the threaded glue: ${emitted.join(', ')}`);
  assertNoNodeCode(dist, 'Vite');
  return dist;
});

const webpackApp = once(async () => {
  const app = join(project, 'webpack-app');
  mkdirSync(join(app, 'src'), { recursive: true });
  copyFileSync(join(fixtures, 'app/main.js'), join(app, 'src/index.js'));
  run(join(project, 'node_modules/.bin/webpack'), ['--mode', 'production'], app);
  const dist = join(app, 'dist');
  copyFileSync(join(fixtures, 'webpack/index.html'), join(dist, 'index.html'));
  assertNoNodeCode(dist, 'webpack');
  return dist;
});

// esbuild copies no assets and does not follow worker URLs: the app is bundled, the worker
// entry bundled separately, the module files copied beside them, and their places given
// (the `worker` and `wasm` options), as web/README.md tells esbuild users.
const esbuildApp = once(async () => {
  const { build } = await import('esbuild');
  const app = join(project, 'esbuild-app');
  mkdirSync(app);
  copyFileSync(join(fixtures, 'app/main.js'), join(app, 'main.js'));
  const common = { absWorkingDir: app, bundle: true, platform: 'browser', format: 'esm', minify: true, logLevel: 'silent' };
  const out = join(app, 'dist');
  const main = await build({ ...common, entryPoints: ['main.js'], outdir: out });
  const worker = await build({ ...common, entryPoints: { 'hearth-worker': 'hearth-recommender/worker' }, outdir: out });
  assert.deepEqual([...main.errors, ...main.warnings, ...worker.errors, ...worker.warnings], []);
  for (const f of ['hearth.wasm', 'hearth-mt.mjs', 'hearth-mt.wasm', 'hearth-mt.worker.js']) {
    copyFileSync(join(project, 'node_modules/hearth-recommender/web/dist', f), join(out, f));
  }
  writeFileSync(join(out, 'index.html'), readFileSync(join(fixtures, 'vite/index.html'), 'utf8'));
  assertNoNodeCode(out, 'esbuild');
  return out;
});

const plainSite = once(async () => {
  const site = join(work, 'plain');
  mkdirSync(site);
  cpSync(join(project, 'node_modules/hearth-recommender'), join(site, 'hearth-recommender'), { recursive: true });
  copyFileSync(join(fixtures, 'app/main.js'), join(site, 'main.js'));
  copyFileSync(join(fixtures, 'plain/index.html'), join(site, 'index.html'));
  return site;
});

// web/examples, run as a reader would: a new visitor's list, then a like changes it.
async function checkExample(engine, dir, what) {
  const server = await serveDir(dir);
  const browser = await openBrowser(engine);
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}index.html`);
    await page.waitFor(() => document.body.dataset.ready === 'true');
    assert.deepEqual(await page.attributes('#list li', 'data-id'), onboardingIds, `${what}: a new visitor's list`);
    const [liked] = await page.texts('#list li bdi');
    await page.evaluate(() => { document.body.dataset.ready = 'false'; });
    await page.click('#list li button');
    await page.waitFor(() => document.body.dataset.ready === 'true');
    const reasons = await page.texts('#list li small');
    assert.ok(reasons.some((r) => r.includes(`because you liked ${liked}`)), `${what}: ${reasons.join(' | ')}`);
    assert.deepEqual(pageErrors(page), [], `${what}: no page errors`);
  } finally {
    await browser.close();
    await server.close();
  }
}

const viteExample = once(async () => {
  const app = join(project, 'vite-example');
  mkdirSync(join(app, 'public'), { recursive: true });
  for (const f of ['index.html', 'main.js']) copyFileSync(join(examples, 'vite', f), join(app, f));
  copyFileSync(bundle, join(app, 'public/catalog.hearth'));
  run(join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], app);
  return join(app, 'dist');
});

const plainExample = once(async () => {
  const site = join(work, 'plain-example');
  mkdirSync(site);
  for (const f of ['index.html', 'main.js']) copyFileSync(join(examples, 'plain', f), join(site, f));
  cpSync(join(project, 'node_modules/hearth-recommender'), join(site, 'hearth-recommender'), { recursive: true });
  copyFileSync(bundle, join(site, 'catalog.hearth'));
  return site;
});

for (const { name: engine, available } of ENGINES) {
  const skip = available ? false : `${engine} is not installed here (scripts/setup installs it)`;

  test(`${engine}: Vite (default production build) bundles the package; in-thread, in a worker and with threads`, { skip }, async () => {
    checkResult(await runPage(engine, await viteApp()), `${engine} Vite`, engine);
  });

  test(`${engine}: webpack 5 (default production build, minified) bundles the package; in all three modes`, { skip }, async () => {
    checkResult(await runPage(engine, await webpackApp()), `${engine} webpack`, engine);
  });

  test(`${engine}: esbuild bundles the package (worker entry and wasm files placed by hand); in all three modes`, { skip }, async () => {
    checkResult(await runPage(engine, await esbuildApp(), { options: { worker: '/hearth-worker.js', wasm: '/' } }), `${engine} esbuild`, engine);
  });

  test(`${engine}: a plain page with an import map loads the installed package as it is`, { skip }, async () => {
    checkResult(await runPage(engine, await plainSite()), `${engine} import map`, engine);
  });

  test(`${engine}: from another origin (a CDN) the library, its worker and both modules load, given the wasm URL or not`, { skip }, async () => {
    const cdnRoot = join(work, `cdn-${engine}`);
    mkdirSync(cdnRoot);
    cpSync(join(project, 'node_modules/hearth-recommender'), join(cdnRoot, 'hearth-recommender'), { recursive: true });
    const cdn = await serveDir(cdnRoot, { cors: true, host: '127.0.0.2' });
    try {
      const lib = `${cdn.url}hearth-recommender/`;
      const site = join(work, `cross-origin-page-${engine}`);
      mkdirSync(site);
      copyFileSync(join(fixtures, 'app/main.js'), join(site, 'main.js'));
      writeFileSync(join(site, 'index.html'), readFileSync(join(fixtures, 'plain/index.html'), 'utf8')
        .replace('./hearth-recommender/web/src/index.js', `${lib}web/src/index.js`));
      // The page is on 127.0.0.1, the library on 127.0.0.2: two origins.
      const given = { worker: `${lib}web/src/worker-host.js`, wasm: `${lib}web/dist/` };
      checkResult(await runPage(engine, site, { options: given }), `${engine} another origin, URLs given`, engine);
      checkResult(await runPage(engine, site), `${engine} another origin, worker: true`, engine);
    } finally {
      await cdn.close();
    }
  });

  test(`${engine}: web/examples: the Vite example builds and recommends; a like changes the list with its reason`, { skip }, async () => {
    await checkExample(engine, await viteExample(), `${engine} Vite example`);
  });

  test(`${engine}: web/examples: the plain page works with the package copied beside it`, { skip }, async () => {
    await checkExample(engine, await plainExample(), `${engine} plain example`);
  });
}

test('web/examples: the Node example prints the top five with their reasons', async () => {
  copyFileSync(join(examples, 'node/recommend.mjs'), join(project, 'recommend.mjs'));
  const lines = run(process.execPath, ['recommend.mjs', bundle, ...history], project).trim().split('\n');
  const rec = await createRecommender({ bundle, storage: 'memory' });
  const want = await rec.recommend(history, { k: 5 });
  await rec.dispose();
  assert.deepEqual(lines.map((l) => l.split('\t')[0]), want.map((r) => r.id));
  assert.deepEqual(lines.map((l) => l.split('\t')[1]), want.map((r) => r.title));
});
