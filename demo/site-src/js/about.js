// "About this model": what the bundle says about itself (model, hyper-parameters, training,
// held-out metrics), the training curve, and the genre mix of the history vs. the picks.
import { h, fmt, isGenre } from './dom.js';
import { lineChart, compareBars } from './charts.js';

const METRICS = ['hr@10', 'ndcg@10', 'recall@20', 'mrr', 'coverage@10'];

function genreShares(items) {
  const counts = new Map();
  let total = 0;
  for (const it of items) {
    for (const t of it.tags.filter(isGenre)) { counts.set(t, (counts.get(t) || 0) + 1); total++; }
  }
  return { counts, total };
}

function genreMix(ctx, recs) {
  const mine = genreShares(ctx.historyIds.map((id) => ctx.byId.get(id)).filter(Boolean));
  const picks = genreShares(recs);
  if (mine.total === 0) return h('p', {}, 'Rate or like a few items to see how your history and your recommendations compare.');
  const categories = [...new Set([...mine.counts.keys(), ...picks.counts.keys()])]
    .sort((a, b) => (mine.counts.get(b) || 0) - (mine.counts.get(a) || 0)).slice(0, 10);
  const share = (m, c) => (m.total ? (m.counts.get(c) || 0) / m.total : 0);
  return h('figure', {},
    compareBars({
      label: 'Genre mix of your history and of your recommendations',
      categories,
      series: [
        { name: 'history', cls: 'hist', values: categories.map((c) => share(mine, c)) },
        { name: 'recommendations', cls: 'recs', values: categories.map((c) => share(picks, c)) },
      ],
    }),
    h('figcaption', {}, h('span', { class: 'key hist' }, 'your history'), ' vs. ', h('span', { class: 'key recs' }, 'your top 10')));
}

export async function renderAbout(ctx, view) {
  const { rec } = ctx;
  const meta = rec.meta || {};
  const training = meta.training || {};
  const metrics = meta.metrics || {};
  const recs = await rec.recommend({ k: 10, explain: false, ...ctx.recommendOptions() });

  const models = Object.entries(metrics).filter(([, m]) => m && typeof m === 'object');
  const metricsTable = models.length ? h('table', { class: 'metrics', id: 'metrics' },
    h('caption', {}, `Held-out evaluation (${models[0][1].protocol || 'leave-last-out'})`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Model'), METRICS.map((m) => h('th', { scope: 'col' }, m.toUpperCase())))),
    h('tbody', {}, models.map(([name, m]) => h('tr', {},
      h('th', { scope: 'row' }, name), METRICS.map((k) => h('td', { class: 'num' }, m[k] === undefined ? '–' : fmt(m[k], 4)))))))
    : h('p', {}, 'This bundle carries no evaluation metrics (train with --eval to add them).');

  const curve = Array.isArray(training.curve) ? training.curve : [];
  const charts = [];
  if (curve.length > 1) {
    charts.push(h('figure', {}, lineChart({ points: curve.map((c) => ({ x: c.epoch, y: c.loss })), label: 'Training loss', yName: 'loss', xName: 'epoch' }),
      h('figcaption', {}, 'Training loss per epoch')));
    if (curve.some((c) => c.val_ndcg10 !== undefined)) {
      charts.push(h('figure', {}, lineChart({ points: curve.map((c) => ({ x: c.epoch, y: c.val_ndcg10 })), label: 'Validation NDCG@10', yName: 'NDCG@10', xName: 'epoch' }),
        h('figcaption', {}, 'Validation NDCG@10 per epoch')));
    }
  }

  const hp = meta.hyperparameters || {};
  view.replaceChildren(
    h('h2', {}, 'About this model'),
    h('dl', { class: 'facts', id: 'bundle-facts' },
      h('dt', {}, 'Model'), h('dd', {}, String(meta.model ?? 'unknown')),
      h('dt', {}, 'Catalog'), h('dd', {}, `${rec.size} items`),
      h('dt', {}, 'Bundle'), h('dd', {}, `${fmt(ctx.bundleBytes / 1e6, 2)} MB, integrity ${ctx.bundleIntegrity}`),
      h('dt', {}, 'Scoring'), h('dd', { id: 'scoring-threads' }, rec.threads > 1
        ? `on ${rec.threads} threads (this page is cross-origin isolated)`
        : 'on one thread'),
      rec.models.hybridWeight !== null ? [h('dt', {}, 'Hybrid'), h('dd', {}, `SASRec share ${fmt(rec.models.hybridWeight, 2)}, MF (${rec.models.mf}) the rest`)] : null,
      training.users !== undefined ? [h('dt', {}, 'Trained on'), h('dd', {}, `${training.events} events from ${training.users} users (${training.source ?? 'unknown source'}) in ${fmt(training.seconds ?? NaN, 1)} s`)] : null,
      training.protocol ? [h('dt', {}, 'Protocol'), h('dd', {}, String(training.protocol))] : null),
    metricsTable,
    h('h3', {}, 'Training curve'),
    charts.length ? h('div', { class: 'charts' }, charts) : h('p', {}, 'No training curve in this bundle.'),
    h('h3', {}, 'Genre mix'),
    genreMix(ctx, recs),
    h('h3', {}, 'Hyper-parameters'),
    h('dl', { class: 'facts hp' }, Object.entries(hp).map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v))])));
}
