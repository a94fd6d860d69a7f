// The packed library as a web developer ships it: `npm pack` of this tree installed into a
// fresh project (bundlers from npm, pinned by tests/bundlers/package-lock.json), built with
// Vite, webpack 5 and esbuild in their default production configurations and loaded by a
// plain import-map page, then run in Chromium: in the page's thread, in a worker and with
// threads (served cross-origin isolated), also from a second origin. Every page must give
// exactly the lists the source tree gives in Node. The examples of web/examples run against
// the same installed package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, readdirSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { trainedBundle } from '../web/helpers.mjs';
import { createServer } from 'node:http';
import { extname, normalize } from 'node:path';
import { launch, repo } from './helpers.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const fixtures = join(repo, 'tests/bundlers');
let work;
let project;
let bundle;
let history;
let expected;

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

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
  const list = await rec.recommend(history, { k: 5 });
  expected = { ids: list.map((r) => r.id), scores: list.map((r) => r.score), reasons: list.map((r) => r.because.map((b) => b.id)) };
  await rec.dispose();
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/**
 * A static server for `root` that makes its pages cross-origin isolated; `cors` lets pages of
 * other origins load its files (as a CDN does). `host` is 127.0.0.1 or localhost: two origins.
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
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://${host}:${server.address().port}/` };
}

const closeServer = async (server) => {
  server.closeAllConnections?.();
  await new Promise((r) => server.close(r));
};

/**
 * Serves `dir` (with the bundle) cross-origin isolated and returns what the page computed;
 * `options` reach the page's createRecommender calls (worker, wasm).
 */
async function runPage(dir, { options = {}, host } = {}) {
  copyFileSync(bundle, join(dir, 'catalog.hearth'));
  const { server, url } = await serveDir(dir, { host });
  const browser = await launch();
  try {
    const query = `history=${encodeURIComponent(JSON.stringify(history))}&options=${encodeURIComponent(JSON.stringify(options))}`;
    await browser.page.goto(`${url}index.html?${query}`);
    await browser.page.waitForFunction(() => document.body && document.body.dataset.done === 'true', null, { timeout: 60000 });
    const result = await browser.page.evaluate(() => window.hearthResult);
    return { result, errors: browser.errors.filter((e) => !/favicon|status of 404/.test(e)) };
  } finally {
    await browser.close();
    await closeServer(server);
  }
}

function checkResult({ result, errors }, what) {
  assert.deepEqual(errors, [], `${what}: no page errors`);
  assert.equal(result.isolated, true, `${what}: the page is cross-origin isolated`);
  for (const mode of ['inThread', 'worker', 'threads', 'workerThreads']) {
    const got = result[mode];
    assert.ok(got && !got.error, `${what} ${mode}: ${got && got.error}`);
    assert.deepEqual({ ids: got.ids, scores: got.scores, reasons: got.reasons }, expected, `${what} ${mode}: the same list as in Node`);
  }
  assert.equal(result.inThread.threads, 1);
  if (result.cores > 1) {
    assert.ok(result.threads.threads > 1, `${what}: the threaded module runs on ${result.cores} cores`);
    assert.ok(result.workerThreads.threads > 1, `${what}: threads inside the worker too`);
  }
  assert.deepEqual(result.warnings, [], `${what}: nothing fell back`);
}

const files = (dir) => readdirSync(dir, { recursive: true }).map(String);

test('Vite (default production build) bundles the package; it recommends in-thread, in a worker and with threads', async () => {
  const app = join(project, 'vite-app');
  mkdirSync(app);
  copyFileSync(join(fixtures, 'vite/index.html'), join(app, 'index.html'));
  copyFileSync(join(fixtures, 'app/main.js'), join(app, 'main.js'));
  run(join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], app);
  const dist = join(app, 'dist');
  const emitted = files(dist);
  assert.equal(emitted.filter((f) => f.endsWith('.wasm')).length, 2, `one copy of each wasm module: ${emitted.join(', ')}`);
  checkResult(await runPage(dist), 'Vite');
});

test('webpack 5 (default production build, minified) bundles the package; it recommends in all three modes', async () => {
  const app = join(project, 'webpack-app');
  mkdirSync(join(app, 'src'), { recursive: true });
  copyFileSync(join(fixtures, 'app/main.js'), join(app, 'src/index.js'));
  run(join(project, 'node_modules/.bin/webpack'), ['--mode', 'production'], app);
  const dist = join(app, 'dist');
  copyFileSync(join(fixtures, 'webpack/index.html'), join(dist, 'index.html'));
  checkResult(await runPage(dist), 'webpack');
});

test('a plain page with an import map loads the installed package as it is', async () => {
  const site = join(work, 'plain');
  mkdirSync(site);
  cpSync(join(project, 'node_modules/hearth-recommender'), join(site, 'hearth-recommender'), { recursive: true });
  copyFileSync(join(fixtures, 'app/main.js'), join(site, 'main.js'));
  writeFileSync(join(site, 'index.html'), readFileSync(join(fixtures, 'plain/index.html'), 'utf8'));
  checkResult(await runPage(site), 'import map');
});

test('from another origin (a CDN): the library, its worker and both modules load there, given the wasm URL or not', async () => {
  const cdnRoot = join(work, 'cdn');
  mkdirSync(cdnRoot);
  cpSync(join(project, 'node_modules/hearth-recommender'), join(cdnRoot, 'hearth-recommender'), { recursive: true });
  const cdn = await serveDir(cdnRoot, { cors: true });
  try {
    const lib = `${cdn.url}hearth-recommender/`;
    const site = join(work, 'cross-origin-page');
    mkdirSync(site);
    copyFileSync(join(fixtures, 'app/main.js'), join(site, 'main.js'));
    writeFileSync(join(site, 'index.html'), readFileSync(join(fixtures, 'plain/index.html'), 'utf8')
      .replace('./hearth-recommender/web/src/index.js', `${lib}web/src/index.js`));
    // The page is on localhost, the library on 127.0.0.1: two origins.
    const given = { worker: `${lib}web/src/worker-host.js`, wasm: `${lib}web/dist/` };
    checkResult(await runPage(site, { options: given, host: 'localhost' }), 'another origin, URLs given');
    checkResult(await runPage(site, { host: 'localhost' }), 'another origin, worker: true');
  } finally {
    await closeServer(cdn.server);
  }
});

// web/examples, run as a reader would: the package's name resolved from the installed tarball.
async function checkExample(dir, what) {
  const { server, url } = await serveDir(dir);
  const browser = await launch();
  try {
    const { page } = browser;
    await page.goto(`${url}index.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
    const ids = await page.$$eval('#list li', (lis) => lis.map((li) => li.dataset.id));
    assert.deepEqual(ids, onboardingIds, `${what}: a new visitor's list`);
    // Like the first item: the list is recomputed from the stored history, with the reason.
    const liked = await page.$eval('#list li bdi', (b) => b.textContent);
    await page.evaluate(() => { document.body.dataset.ready = 'false'; });
    await page.click('#list li button');
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const reasons = await page.$$eval('#list li small', (s) => s.map((x) => x.textContent));
    assert.ok(reasons.some((r) => r.includes(`because you liked ${liked}`)), `${what}: ${reasons.join(' | ')}`);
    assert.deepEqual(browser.errors.filter((e) => !/favicon|status of 404/.test(e)), [], `${what}: no page errors`);
  } finally {
    await browser.close();
    await closeServer(server);
  }
}

let onboardingIds;
const examples = join(repo, 'web/examples');

test('web/examples: the Vite example builds and recommends, and a like changes the list with its reason', async () => {
  const rec = await createRecommender({ bundle, storage: 'memory' });
  onboardingIds = (await rec.recommend({ k: 8 })).map((r) => r.id);
  await rec.dispose();
  const app = join(project, 'vite-example');
  mkdirSync(join(app, 'public'), { recursive: true });
  for (const f of ['index.html', 'main.js']) copyFileSync(join(examples, 'vite', f), join(app, f));
  copyFileSync(bundle, join(app, 'public/catalog.hearth'));
  run(join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], app);
  await checkExample(join(app, 'dist'), 'Vite example');
});

test('web/examples: the plain page works with the package copied beside it', async () => {
  const site = join(work, 'plain-example');
  mkdirSync(site);
  for (const f of ['index.html', 'main.js']) copyFileSync(join(examples, 'plain', f), join(site, f));
  cpSync(join(project, 'node_modules/hearth-recommender'), join(site, 'hearth-recommender'), { recursive: true });
  copyFileSync(bundle, join(site, 'catalog.hearth'));
  await checkExample(site, 'plain example');
});

test('web/examples: the Node example prints the top five with their reasons', async () => {
  copyFileSync(join(examples, 'node/recommend.mjs'), join(project, 'recommend.mjs'));
  const lines = run(process.execPath, ['recommend.mjs', bundle, ...history], project).trim().split('\n');
  const rec = await createRecommender({ bundle, storage: 'memory' });
  const want = await rec.recommend(history, { k: 5 });
  await rec.dispose();
  assert.deepEqual(lines.map((l) => l.split('\t')[0]), want.map((r) => r.id));
  assert.deepEqual(lines.map((l) => l.split('\t')[1]), want.map((r) => r.title));
});
