// "About this model": what the bundle says about itself (model, hyper-parameters, training,
// held-out metrics), the training curve, and the genre mix of the history vs. the picks.
import { h, bdi } from './dom.js';
import { t, tp, num, unit, significant, compare, listParts } from './i18n/index.js';
import { lineChart, compareBars } from './charts.js';
import { modelName } from './why.js';
import { tagsOfKind } from './tags.js';

const METRICS = ['hr@10', 'ndcg@10', 'recall@20', 'mrr', 'coverage@10'];

// The page's words for a string the trainer wrote (a protocol), or the string itself,
// isolated, when the page has none.
function known(prefix, value) {
  try {
    return t(`${prefix}${value}`);
  } catch {
    return bdi(String(value));
  }
}

function genreShares(ctx, items) {
  const counts = new Map();
  let total = 0;
  for (const it of items) {
    for (const tag of tagsOfKind(ctx, it.tags, 'genre')) { counts.set(tag, (counts.get(tag) || 0) + 1); total++; }
  }
  return { counts, total };
}

function genreMix(ctx, recs) {
  const mine = genreShares(ctx, ctx.historyIds.map((id) => ctx.byId.get(id)).filter(Boolean));
  const picks = genreShares(ctx, recs);
  if (mine.total === 0) return h('p', {}, t('genreMixEmpty'));
  const categories = [...new Set([...mine.counts.keys(), ...picks.counts.keys()])]
    .sort((a, b) => (mine.counts.get(b) || 0) - (mine.counts.get(a) || 0) || compare(a, b)).slice(0, 10);
  const share = (m, c) => (m.total ? (m.counts.get(c) || 0) / m.total : 0);
  return h('figure', {},
    compareBars({
      label: t('genreMixLabel'),
      categories,
      series: [
        { name: t('seriesHistory'), cls: 'hist', values: categories.map((c) => share(mine, c)) },
        { name: t('seriesRecs'), cls: 'recs', values: categories.map((c) => share(picks, c)) },
      ],
    }),
    h('figcaption', {}, tp('genreMixCaption', {
      history: h('span', { class: 'key hist' }, t('yourHistory')),
      recs: h('span', { class: 'key recs' }, t('yourTop10')),
    })));
}

// The bundle's privacy statement in the page's words (web/src/privacy.js normalizes it).
function privacyWords(p) {
  if (!p.private) return t(p.stated ? 'privacyNone' : 'privacyUnstated');
  const notCovered = p.notCovered.map((code) => known('notCovered_', code));
  return [
    t('privacyPrivate', { epsilon: significant(p.epsilon, 3), delta: significant(p.delta, 2) }),
    p.maxItemsPerUser !== null ? [' ', t('privacyBound', { count: p.maxItemsPerUser })] : null,
    p.minItemUsers !== null ? [' ', t('privacyItemFilter', { count: p.minItemUsers })] : null,
    notCovered.length ? [' ', tp('privacyNotCovered', { list: listParts(notCovered) })] : null,
  ];
}

export async function renderAbout(ctx, view) {
  const { rec } = ctx;
  const meta = rec.meta || {};
  const training = meta.training || {};
  const metrics = meta.metrics || {};
  const recs = await rec.recommend({ k: 10, explain: false, ...ctx.recommendOptions() });

  const models = Object.entries(metrics).filter(([, m]) => m && typeof m === 'object');
  const protocol = models.length && models[0][1].protocol;
  const metricsTable = models.length ? h('table', { class: 'metrics', id: 'metrics' },
    h('caption', {}, tp('heldOut', { protocol: protocol ? known('protocol_', protocol) : t('heldOutDefault') })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('modelColumn')), METRICS.map((m) => h('th', { scope: 'col' }, t(`metric_${m}`))))),
    h('tbody', {}, models.map(([name, m]) => h('tr', {},
      h('th', { scope: 'row' }, modelName(name)), METRICS.map((k) => h('td', { class: 'num' }, m[k] === undefined ? '–' : num(m[k], 4)))))))
    : h('p', {}, t('noMetrics'));

  const curve = Array.isArray(training.curve) ? training.curve : [];
  const charts = [];
  if (curve.length > 1) {
    charts.push(h('figure', {}, lineChart({ points: curve.map((c) => ({ x: c.epoch, y: c.loss })), label: t('trainingLoss'), yName: t('loss'), xName: t('epoch') }),
      h('figcaption', {}, t('trainingLossCaption'))));
    if (curve.some((c) => c.val_ndcg10 !== undefined)) {
      charts.push(h('figure', {}, lineChart({ points: curve.map((c) => ({ x: c.epoch, y: c.val_ndcg10 })), label: t('validationNdcg'), yName: 'NDCG@10', xName: t('epoch') }),
        h('figcaption', {}, t('validationNdcgCaption'))));
    }
  }

  const hp = meta.hyperparameters || {};
  const mfKind = rec.models.mf ? known('mf_', rec.models.mf) : '';
  view.replaceChildren(
    h('h2', {}, t('aboutTitle')),
    h('dl', { class: 'facts', id: 'bundle-facts' },
      h('dt', {}, t('factModel')), h('dd', {}, meta.model ? modelName(meta.model) : '–'),
      h('dt', {}, t('factCatalog')), h('dd', {}, t('nItems', { count: rec.size })),
      h('dt', {}, t('factBundle')), h('dd', {}, tp('bundleSize', {
        size: unit(ctx.bundleBytes / 1e6, 'megabyte', 2), integrity: h('code', {}, ctx.bundleIntegrity),
      })),
      h('dt', {}, t('factScoring')), h('dd', { id: 'scoring-threads' }, rec.threads > 1
        ? t('threadsMany', { count: rec.threads })
        : t('threadsOne')),
      rec.models.hybridWeight !== null ? [h('dt', {}, t('factHybrid')), h('dd', {}, tp('hybridShare', { share: num(rec.models.hybridWeight, 2), mf: mfKind }))] : null,
      training.users !== undefined ? [h('dt', {}, t('factTrainedOn')), h('dd', {}, tp('trainedOn', {
        events: t('nEvents', { count: training.events }),
        users: t('nUsers', { count: training.users }),
        source: training.source ? h('code', {}, training.source) : t('unknownSource'),
        seconds: unit(training.seconds ?? NaN, 'second', 1),
      }))] : null,
      training.protocol ? [h('dt', {}, t('factProtocol')), h('dd', {}, known('protocol_', training.protocol))] : null,
      h('dt', {}, t('factPrivacy')), h('dd', { id: 'privacy' }, privacyWords(rec.privacy))),
    metricsTable,
    h('h3', {}, t('trainingCurve')),
    charts.length ? h('div', { class: 'charts' }, charts) : h('p', {}, t('noCurve')),
    h('h3', {}, t('genreMix')),
    genreMix(ctx, recs),
    h('h3', {}, t('hyperparameters')),
    h('dl', { class: 'facts hp' }, Object.entries(hp).map(([k, v]) => [
      h('dt', {}, h('code', {}, k)),
      h('dd', {}, typeof v === 'number' ? significant(v, 6) : h('code', {}, typeof v === 'object' ? JSON.stringify(v) : String(v)))])));
}
