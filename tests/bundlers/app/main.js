// The page every bundler test builds: the packed library imported by its package name, as a
// web developer would, recommending in the page's thread, in a worker and with threads
// (the page is served cross-origin isolated). The result is left on window for the test.
import { createRecommender, HearthError } from 'hearth-recommender';

async function run() {
  const params = new URLSearchParams(location.search);
  const history = JSON.parse(params.get('history') || '[]');
  const bundle = params.get('bundle') || '/catalog.hearth';
  // Given by the cross-origin test: the worker script and the wasm folder on another origin.
  const { worker = true, wasm } = JSON.parse(params.get('options') || '{}');
  const result = { isolated: globalThis.crossOriginIsolated === true, cores: navigator.hardwareConcurrency, warnings: [] };
  const modes = [['inThread', { threads: false }], ['worker', { worker, threads: false }], ['threads', {}], ['workerThreads', { worker }]];
  window.hearthProgress = [];  // read by the test when the page does not finish
  for (const [name, options] of modes) {
    window.hearthProgress.push(`${name}: start`);
    try {
      if (wasm) options.wasm = wasm;
      const rec = await createRecommender({ bundle, storage: 'memory', onWarning: (w) => result.warnings.push(w), ...options });
      window.hearthProgress.push(`${name}: opened (${rec.threads} thread(s))`);
      const list = await rec.recommend(history, { k: 5 });
      window.hearthProgress.push(`${name}: recommended`);
      result[name] = { threads: rec.threads, ids: list.map((r) => r.id), scores: list.map((r) => r.score), reasons: list.map((r) => r.because.map((b) => b.id)) };
      await rec.dispose();
    } catch (e) {
      result[name] = { error: `${e instanceof HearthError ? `HearthError(${e.code})` : e && e.name}: ${e && e.message}` };
    }
  }
  window.hearthResult = result;
  document.body.dataset.done = 'true';
}
run();
