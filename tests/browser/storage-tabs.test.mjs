// Several real pages of one origin (one browser profile; Chromium and Firefox ESR) recording
// into one history at the same time, for each storage adapter: every event whose record() resolved { recorded: true }
// must be stored exactly once. Also a page reloaded in the middle of a burst: nothing it was
// told was recorded may be lost. The single-threaded fakes of tests/web cannot see these races
// (Chromium keeps a per-process copy of localStorage and syncs it asynchronously).
//
//   node --test --test-concurrency=1 tests/browser/storage-tabs.test.mjs
//
// HEARTH_STORAGE_REV=<git revision> runs the same test against that revision's web/src
// (e.g. the commit before the fix, to see that the test fails there).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINES, openBrowser } from './drivers.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REV = process.env.HEARTH_STORAGE_REV || '';
const RUNS = Number(process.env.HEARTH_STORAGE_RUNS || 2);  // per page count: 2 x 2 pages + 2 x 3 pages
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

let server;
let base;
let oldTree = null;
const browsers = new Map();  // engine -> a browser opened on first use

// Serves web/src (or the chosen revision's) and the test page, nothing else.
function serve() {
  const roots = { '/web/src/': join(oldTree ?? repo, 'web/src'), '/tests/browser/storage-page/': join(repo, 'tests/browser/storage-page') };
  return new Promise((ready) => {
    server = createServer(async (req, res) => {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const prefix = Object.keys(roots).find((p) => path.startsWith(p));
      const file = prefix && normalize(join(roots[prefix], path.slice(prefix.length)));
      if (!file || !file.startsWith(roots[prefix] + sep) || !TYPES[file.slice(file.lastIndexOf('.'))]) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))], 'cache-control': 'no-store' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    server.listen(0, '127.0.0.1', () => { base = `http://127.0.0.1:${server.address().port}`; ready(); });
  });
}

before(async () => {
  if (REV) {
    oldTree = mkdtempSync(join(tmpdir(), 'hearth-old-'));
    execSync(`git archive ${REV} web/src | tar -x -C ${oldTree}`, { cwd: repo });
  }
  await serve();
});

after(async () => {
  for (const b of browsers.values()) await (await b).close();
  server?.closeAllConnections?.();
  await new Promise((r) => (server ? server.close(r) : r()));
  if (oldTree) rmSync(oldTree, { recursive: true, force: true });
});

const pageUrl = () => `${base}/tests/browser/storage-page/index.html`;

async function newPage(engine, query = '') {
  if (!browsers.has(engine)) browsers.set(engine, openBrowser(engine));
  const page = await (await browsers.get(engine)).newPage();
  await page.goto(pageUrl() + query);
  await page.waitFor(() => document.documentElement.dataset.ready === 'true');
  return page;
}

const pageErrors = (page) => page.errors.filter((e) => !/favicon|status of 404/.test(e));

/** Every stored id, read by a page opened afterwards. */
async function readBack(engine, storage, namespace) {
  const page = await newPage(engine);
  try {
    return await page.evaluate((o) => window.hearthRead(o), { storage, namespace });
  } finally {
    await page.close();
  }
}

/** Counts acknowledged ids missing from `stored`, and ids stored more than once. */
function tally(acknowledged, stored) {
  const counts = new Map();
  for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
  const lost = acknowledged.filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  return { lost, duplicated };
}

const ADAPTERS = ['indexedDB', 'localStorage', 'auto'];
let namespaces = 0;

for (const { name: engine, available } of ENGINES) {
  const skip = available ? false : `${engine} is not installed here (scripts/setup installs it)`;
  for (const storage of ADAPTERS) {
    test(`${engine}, ${storage}: 2 and 3 pages recording at once lose and duplicate nothing (${RUNS} runs of >= 1,000 events each)`, { skip }, async (t) => {
      const results = [];
      for (const pages of [2, 3]) {
        const tabs = await Promise.all(Array.from({ length: pages }, () => newPage(engine)));
        try {
          for (let run = 0; run < RUNS; run++) {
            const namespace = `tabs-${storage}-${++namespaces}`;
            const count = Math.ceil(1000 / pages);
            const started = Date.now();
            const startAt = started + 300;  // all pages start together
            const outcomes = await Promise.all(tabs.map((page, p) => page.evaluate((o) => window.hearthRecord(o),
              { storage, namespace, count, prefix: `p${p}`, maxGap: 5, startAt })));
            const acknowledged = outcomes.flatMap((o) => o.acknowledged);
            const stored = await readBack(engine, storage, namespace);
            const { lost, duplicated } = tally(acknowledged, stored.ids);
            const result = { engine, storage, adapter: outcomes[0].adapter, pages, run: run + 1, events: pages * count, acknowledged: acknowledged.length,
              stored: stored.ids.length, lost: lost.length, duplicated: duplicated.length, ms: Date.now() - started };
            results.push(result);
            t.diagnostic(JSON.stringify(result));
            const failed = outcomes.flatMap((o) => o.other);
            assert.deepEqual(failed.slice(0, 5), [], `every record() succeeded (${failed.length} did not)`);
            if (storage === 'auto') assert.equal(outcomes[0].adapter, 'indexedDB', `'auto' is IndexedDB in ${engine}`);
          }
        } finally {
          for (const page of tabs) assert.deepEqual(pageErrors(page), []);
          await Promise.all(tabs.map((page) => page.close()));
        }
      }
      const bad = results.filter((r) => r.lost || r.duplicated);
      assert.deepEqual(bad, [], 'runs that lost or duplicated acknowledged events');
      assert.ok(results.every((r) => r.acknowledged >= 1000), 'each run recorded >= 1,000 events');
    });

    test(`${engine}, ${storage}: a page reloaded in the middle of a burst loses nothing it acknowledged`, { skip }, async (t) => {
      const namespace = `reload-${storage}-${++namespaces}`;
      const [a, b] = await Promise.all([newPage(engine), newPage(engine)]);
      try {
        const acked = new Set();
        await a.expose('hearthAck', (id) => { acked.add(id); });
        const startAt = Date.now() + 300;
        const burst = (page, prefix) => page.evaluate((o) => window.hearthRecord(o), { storage, namespace, count: 400, prefix, maxGap: 3, startAt });
        const interrupted = burst(a, 'a').then(() => 'finished', (e) => `interrupted: ${e.message.split('\n')[0]}`);
        const other = burst(b, 'b');  // another page keeps recording meanwhile
        const deadline = Date.now() + 20_000;
        while (acked.size < 120 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        const atReload = acked.size;
        await a.reload();
        await a.waitFor(() => document.documentElement.dataset.ready === 'true');
        const outcome = await interrupted;
        const fromB = await other;
        const stored = await readBack(engine, storage, namespace);
        const acknowledged = [...acked, ...fromB.acknowledged];
        const { lost, duplicated } = tally(acknowledged, stored.ids);
        t.diagnostic(JSON.stringify({ engine, storage, ackedBeforeReload: atReload, ackedByReloaded: acked.size, ackedByOther: fromB.acknowledged.length,
          stored: stored.ids.length, lost: lost.length, duplicated: duplicated.length, burst: outcome }));
        assert.ok(atReload >= 120 && atReload < 400, `reloaded mid-burst (${atReload} of 400 acknowledged)`);
        assert.deepEqual(lost, [], 'acknowledged events lost');
        assert.deepEqual(duplicated, [], 'events stored twice');
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }

  test(`${engine}: 'auto' moves a localStorage history into IndexedDB once, also when three pages open it at once`, { skip }, async (t) => {
    const namespace = `move-${++namespaces}`;
    // What 'auto' kept before: a history in localStorage (written here with storage: 'localStorage').
    const before = await newPage(engine);
    const old = await before.evaluate((o) => window.hearthRecord(o), { storage: 'localStorage', namespace, count: 300, prefix: 'old', maxGap: 0, startAt: 0 });
    await before.close();
    assert.equal(old.acknowledged.length, 300);
    const tabs = await Promise.all([newPage(engine), newPage(engine), newPage(engine)]);
    try {
      const startAt = Date.now() + 300;
      const outcomes = await Promise.all(tabs.map((page, p) => page.evaluate((o) => window.hearthRecord(o),
        { storage: 'auto', namespace, count: 100, prefix: `new${p}`, maxGap: 3, startAt })));
      const stored = await readBack(engine, 'auto', namespace);
      const { lost, duplicated } = tally([...old.acknowledged, ...outcomes.flatMap((o) => o.acknowledged)], stored.ids);
      const moved = outcomes.flatMap((o) => o.warnings.filter((w) => w.code === 'migrated'));
      t.diagnostic(JSON.stringify({ stored: stored.ids.length, lost: lost.length, duplicated: duplicated.length, migratedWarnings: moved.map((w) => w.message) }));
      assert.deepEqual(outcomes.map((o) => o.adapter), ['indexedDB', 'indexedDB', 'indexedDB']);
      assert.equal(stored.ids.length, 600);
      assert.deepEqual(lost, []);
      assert.deepEqual(duplicated, []);
      assert.equal(moved.length, 1, 'one page moved it');
      assert.match(moved[0].message, /\(300 events\)/);
      assert.ok(outcomes.every((o) => !o.warnings.some((w) => w.code === 'fallback')));
      assert.equal(await tabs[0].evaluate((key) => localStorage.getItem(key), `hearth:history:${namespace}`), null, 'the localStorage copy is removed');
      // An older Hearth in another tab still writes to localStorage: the next open merges what
      // it added, once; opening again adds nothing.
      const late = await tabs[0].evaluate((o) => window.hearthRecord(o), { storage: 'localStorage', namespace, count: 50, prefix: 'late', maxGap: 0, startAt: 0 });
      assert.equal(late.acknowledged.length, 50);
      for (let i = 0; i < 2; i++) {
        const again = await readBack(engine, 'auto', namespace);
        assert.equal(again.ids.length, 650);
        assert.equal(new Set(again.ids).size, 650);
      }
    } finally {
      await Promise.all(tabs.map((page) => page.close()));
    }
  });

  test(`${engine}: 'auto' falls back to localStorage, with a 'fallback' warning, where IndexedDB cannot be opened`, { skip }, async () => {
    const namespace = `fallback-${++namespaces}`;
    const page = await newPage(engine, '?noidb');
    try {
      const result = await page.evaluate((o) => window.hearthRecord(o), { storage: 'auto', namespace, count: 20, prefix: 'f', maxGap: 0, startAt: 0 });
      assert.equal(result.adapter, 'localStorage');
      assert.equal(result.acknowledged.length, 20);
      const fallback = result.warnings.filter((w) => w.code === 'fallback');
      assert.equal(fallback.length, 1);
      assert.match(fallback[0].message, /IndexedDB cannot be used here .*localStorage/);
    } finally {
      await page.close();
    }
  });
}
