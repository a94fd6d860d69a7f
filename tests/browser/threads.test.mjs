// The threaded module in a real browser: the demo server sends the cross-origin isolation
// headers, so the library loads hearth-mt.* and splits catalog scoring across threads. Its
// lists, scores and reasons must be exactly those of the single-thread module, and a page
// that is not isolated (or asks for one thread) must get the single-thread module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveSite, launch } from './helpers.mjs';

let site;
before(async () => { site = await serveSite(); });
after(async () => { await site?.close(); });

test('threaded scoring, in the page and in a worker, gives exactly the single-thread results', async (t) => {
  const { page, errors, close } = await launch();
  try {
    await page.goto(`${site.url}lib/src/index.js`);  // a same-origin page of the isolated site
    const out = await page.evaluate(async (ids) => {
      const { createRecommender } = await import('/lib/src/index.js');
      const single = await createRecommender({ bundle: '/model.hearth', storage: 'memory', threads: false });
      const threaded = await createRecommender({ bundle: '/model.hearth', storage: 'memory' });
      // Worker mode: the threaded module runs inside the worker, its threads nested in it.
      const worker = await createRecommender({ bundle: '/model.hearth', storage: 'memory', worker: true });
      const histories = [ids.slice(0, 1), ids.slice(3, 12), ids.slice(40, 90), ids.filter((_, i) => i % 7 === 0)];
      const pairs = [];
      for (const history of histories) {
        for (const options of [{ k: 20 }, { k: 10, model: 'mf' }, { k: 10, model: 'sasrec' }, { k: 8, diversity: 0.5, novelty: 0.3 }]) {
          const want = await single.recommend(history, options);
          pairs.push([want, await threaded.recommend(history, options)], [want, await worker.recommend(history, options)]);
        }
        const [top] = await single.recommend(history, { k: 1 });
        pairs.push([await single.explain(history, top.id), await threaded.explain(history, top.id)]);
      }
      // Asking for more threads than the module started is clamped, not a hang.
      const module = threaded._inner._module;
      const before = module.scoringThreads();
      module.setScoringThreads(8);
      const clamped = { threads: module.scoringThreads(), max: module.maxScoringThreads() };
      pairs.push([await single.recommend(histories[2], { k: 20 }), await threaded.recommend(histories[2], { k: 20 })]);
      module.setScoringThreads(before);
      const result = {
        clamped,
        isolated: globalThis.crossOriginIsolated, cores: navigator.hardwareConcurrency,
        singleThreads: single.threads, threadedThreads: threaded.threads, workerThreads: worker.threads, pairs,
      };
      single.dispose();
      threaded.dispose();
      await worker.dispose();
      return result;
    }, site.ids);
    assert.equal(out.isolated, true, 'the demo server makes the page cross-origin isolated');
    assert.equal(out.singleThreads, 1);
    if (!(out.cores > 1)) {
      // One core: the library rightly loads the one-thread module, so nothing threaded ran.
      t.skip(`the browser reports ${out.cores} core(s): the threaded module is not used, so it cannot be compared`);
      return;
    }
    assert.ok(out.threadedThreads > 1, `threads on ${out.cores} cores: ${out.threadedThreads}`);
    assert.equal(out.clamped.max, 4, 'three started workers and the calling thread');
    assert.equal(out.clamped.threads, 4, 'setScoringThreads(8) is clamped to the threads that exist');
    assert.equal(out.workerThreads, out.threadedThreads, 'the worker is isolated too and loads the threaded module');
    for (const [want, got] of out.pairs) assert.deepEqual(got, want);
    assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);  // but the favicon
  } finally {
    await close();
  }
});

test('without cross-origin isolation, or asked for one thread, the library picks one thread', async () => {
  const { page, errors, close } = await launch();
  try {
    await page.goto(`${site.url}lib/src/index.js`);
    const out = await page.evaluate(async () => {
      const { threadCount } = await import('/lib/src/module.js');
      const isolated = { all: threadCount(), off: threadCount(false), one: threadCount(1), many: threadCount(64) };
      // As on a page served without COOP/COEP: crossOriginIsolated is false there.
      Object.defineProperty(globalThis, 'crossOriginIsolated', { value: false, configurable: true });
      return { cores: navigator.hardwareConcurrency, ...isolated, notIsolated: threadCount(), notIsolatedMany: threadCount(64) };
    });
    assert.equal(out.notIsolated, 1);
    assert.equal(out.notIsolatedMany, 1);
    assert.equal(out.off, 1);
    assert.equal(out.one, 1);
    assert.equal(out.all, Math.min(out.cores, 4));
    assert.equal(out.many, Math.min(out.cores, 4));
    assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);  // but the favicon
  } finally {
    await close();
  }
});

test('a threaded module that cannot load falls back to one thread and says so (onWarning)', async () => {
  const { page, errors, close } = await launch();
  try {
    await page.goto(`${site.url}lib/src/index.js`);
    const out = await page.evaluate(async (ids) => {
      const { createRecommender } = await import('/lib/src/index.js');
      const warnings = [];
      // The threaded files are not where the page says; the one-thread module is.
      const wasm = (file) => (file.startsWith('hearth-mt') ? `/missing/${file}` : `/lib/dist/${file}`);
      const rec = await createRecommender({ bundle: '/model.hearth', storage: 'memory', wasm, onWarning: (w) => warnings.push(w) });
      const list = await rec.recommend(ids.slice(0, 5), { k: 5 });
      const result = { isolated: globalThis.crossOriginIsolated, cores: navigator.hardwareConcurrency, threads: rec.threads, warnings, count: list.length };
      await rec.dispose();
      return result;
    }, site.ids);
    assert.equal(out.isolated, true);
    assert.equal(out.count, 5, 'it still recommends');
    assert.equal(out.threads, 1);
    if (out.cores > 1) {
      assert.deepEqual(out.warnings.map((w) => w.code), ['threads']);
      assert.match(out.warnings[0].message, /threaded module could not be loaded.*one thread/);
    }
    assert.ok(errors.every((e) => /404|missing/.test(e)), errors.join('\n'));
  } finally {
    await close();
  }
});
