// Small SVG charts. Labels are SVG text nodes (never markup), and each chart carries a
// text summary for screen readers.
import { s } from './dom.js';
import { t, num, pct, listText } from './i18n/index.js';

/**
 * A line chart of y over x with min/max ticks.
 * @param {{ points: {x:number,y:number}[], label: string, yName: string, xName: string }} spec
 */
export function lineChart({ points, label, yName, xName }) {
  const W = 320, H = 160, L = 48, R = 10, T = 14, B = 30;
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 - y0 < 1e-12) { y0 -= 0.5 * Math.abs(y0 || 1); y1 += 0.5 * Math.abs(y1 || 1); }
  const px = (x) => L + (x1 === x0 ? (W - L - R) / 2 : ((x - x0) / (x1 - x0)) * (W - L - R));
  const py = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
  const summary = t('chartSummary', { label, y: yName, x: xName, first: num(ys[0], 4), x0: xs[0], last: num(ys[ys.length - 1], 4), x1: xs[xs.length - 1] });
  return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary },
    s('title', {}, summary),
    s('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }),
    s('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }),
    s('text', { class: 'tick', x: L - 4, y: py(y1) + 4, 'text-anchor': 'end' }, num(y1, 3)),
    s('text', { class: 'tick', x: L - 4, y: py(y0) + 4, 'text-anchor': 'end' }, num(y0, 3)),
    s('text', { class: 'tick', x: px(x0), y: H - B + 14, 'text-anchor': 'middle' }, num(x0)),
    s('text', { class: 'tick', x: px(x1), y: H - B + 14, 'text-anchor': 'middle' }, num(x1)),
    s('text', { class: 'axis-label', x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }, xName),
    s('text', { class: 'axis-label', x: 4, y: 10 }, yName),
    s('path', { class: 'series', d: path }),
    points.map((p) => s('circle', { class: 'dot', cx: px(p.x), cy: py(p.y), r: 2.5 })));
}

/**
 * Horizontal bars comparing shares per category for two series (e.g. history vs recs).
 * @param {{ categories: string[], series: {name:string, cls:string, values:number[]}[], label: string }} spec
 */
export function compareBars({ categories, series, label }) {
  const row = 12 * series.length + 8, L = 96, W = 320, R = 44, T = 4;
  const H = T + row * categories.length + 4;
  const max = Math.max(1e-9, ...series.flatMap((se) => se.values));
  const parts = [];
  categories.forEach((c, i) => {
    const y = T + i * row;
    parts.push(s('text', { class: 'tick', x: L - 6, y: y + 6 + 6 * series.length, 'text-anchor': 'end' }, c));
    series.forEach((se, j) => {
      const v = se.values[i];
      const w = (v / max) * (W - L - R);
      parts.push(s('rect', { class: se.cls, x: L, y: y + j * 12, width: Math.max(w, v > 0 ? 1 : 0), height: 10 }));
      parts.push(s('text', { class: 'tick', x: L + w + 4, y: y + j * 12 + 9 }, pct(v)));
    });
  });
  const summary = [label, ...categories.map((c, i) => t('barsCategory', {
    category: c, values: listText(series.map((se) => t('barsValue', { series: se.name, percent: pct(se.values[i]) }))),
  }))].join('; ');
  return s('svg', { class: 'chart bars', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary },
    s('title', {}, summary), parts);
}
