// The page's words, numbers, dates and sort order in the person's language. Every message
// lives in one table per language (en.js, zh-Hans.js: the same keys); a message is a string
// with {name} places, or, when it depends on a count, one string per plural category of the
// language ({ one, other } in English, { other } in Chinese), chosen by Intl.PluralRules.
// Numbers go through Intl.NumberFormat, dates Intl.DateTimeFormat, lists of names
// Intl.ListFormat, sorting Intl.Collator, all of the current language. A language is a table
// and a direction: a right-to-left one needs nothing else.
import en from './en.js';
import zhHans from './zh-Hans.js';

/** The languages of the page: their tables, writing direction and own name (the switch's label). */
export const LANGUAGES = {
  en: { messages: en, dir: 'ltr', name: 'English' },
  'zh-Hans': { messages: zhHans, dir: 'ltr', name: '中文' },
};

/** Where the person's choice is remembered (localStorage, under the demo's namespace). */
export const STORAGE_KEY = 'hearth-demo:language';

/**
 * The page's language for a browser's preferred languages, first match wins: any Chinese
 * (zh, zh-CN, zh-SG, zh-Hans, ...) is Simplified Chinese, English is English, anything else
 * is skipped; English when nothing matches.
 * @param {readonly string[]} preferred e.g. navigator.languages
 * @returns {'en' | 'zh-Hans'}
 */
export function pickLanguage(preferred) {
  for (const tag of preferred || []) {
    const primary = String(tag).toLowerCase().split(/[-_]/)[0];
    if (primary === 'zh') return 'zh-Hans';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

/** The remembered choice if there is one, else the browser's preference. */
export function initialLanguage() {
  let stored = null;
  try { stored = globalThis.localStorage?.getItem(STORAGE_KEY) ?? null; } catch { /* storage may be off */ }
  if (stored && LANGUAGES[stored]) return stored;
  const nav = globalThis.navigator;
  return pickLanguage(nav?.languages?.length ? nav.languages : [nav?.language]);
}

let current = 'en';
let formatters = new Map();

/** The current language code ('en' or 'zh-Hans'). */
export function language() {
  return current;
}

/** The current language's writing direction. */
export function direction() {
  return LANGUAGES[current].dir;
}

/** Switches the language; `remember` stores the choice for the next visit. */
export function setLanguage(code, { remember = false } = {}) {
  if (!LANGUAGES[code]) throw new Error(`i18n: unknown language '${code}'`);
  current = code;
  formatters = new Map();
  if (remember) {
    try { globalThis.localStorage?.setItem(STORAGE_KEY, code); } catch { /* not remembered, still switched */ }
  }
}

// One formatter per kind and options for the current language (creating them is not free).
function formatter(kind, options = {}) {
  const key = kind + JSON.stringify(options);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl[kind](current, options);
    formatters.set(key, f);
  }
  return f;
}

/** The plural category of a count in the current language ('one', 'other', ...). */
export function pluralOf(count) {
  return formatter('PluralRules').select(count);
}

/** A number as the current language writes it; `digits` fixes the decimals. */
export function num(x, digits) {
  if (!Number.isFinite(x)) return String(x);
  return formatter('NumberFormat', digits === undefined ? { maximumFractionDigits: 3 }
    : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

/** A number to `digits` significant digits at most (hyper-parameters: 0.001, 64). */
export function significant(x, digits = 6) {
  if (!Number.isFinite(x)) return String(x);
  return formatter('NumberFormat', { maximumSignificantDigits: digits }).format(x);
}

/** A share in [0, 1] as a whole percentage. */
export function pct(x) {
  return formatter('NumberFormat', { style: 'percent', maximumFractionDigits: 0 }).format(x);
}

/** A number with a unit ('megabyte', 'second', ...). */
export function unit(x, name, digits = 1) {
  return formatter('NumberFormat', { style: 'unit', unit: name, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

/** A point in time (milliseconds since the epoch), date and time. */
export function dateTime(ts) {
  return formatter('DateTimeFormat', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ts));
}

/** Compares two strings in the current language's order. */
export function compare(a, b) {
  return formatter('Collator').compare(a, b);
}

/** A sorted copy, in the current language's order. */
export function sorted(strings) {
  return [...strings].sort(compare);
}

/** Strings joined as the language lists things: "A, B and C", "A、B和C". */
export function listText(strings) {
  return formatter('ListFormat', { type: 'conjunction' }).format(strings.map(String));
}

/**
 * Parts (strings or DOM nodes) joined as the language lists things: each part stays its own
 * node, only the words between them are text.
 * @param {(string | Node)[]} parts
 * @returns {(string | Node)[]}
 */
export function listParts(parts) {
  if (parts.length < 2) return [...parts];
  const out = [];
  let i = 0;
  for (const p of formatter('ListFormat', { type: 'conjunction' }).formatToParts(parts.map((_, k) => `\u0001${k}`))) {
    out.push(p.type === 'element' ? parts[i++] : p.value);
  }
  return out;
}

function template(key, args) {
  const table = LANGUAGES[current].messages;
  let m = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
  if (m === undefined) throw new Error(`i18n: no message '${key}' in ${current}`);
  if (typeof m === 'object') m = m[pluralOf(Number(args.count))] ?? m.other;
  return m;
}

function fill(key, args, value) {
  const out = [];
  const text = template(key, args);
  let at = 0;
  for (const match of text.matchAll(/\{(\w+)\}/g)) {
    if (match.index > at) out.push(text.slice(at, match.index));
    if (!(match[1] in args)) throw new Error(`i18n: message '${key}' needs {${match[1]}}`);
    out.push(value(args[match[1]]));
    at = match.index + match[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/**
 * A message as text. Numbers in `args` are formatted; `count` also picks the plural form.
 * @param {string} key
 * @param {Record<string, unknown>} [args]
 */
export function t(key, args = {}) {
  return fill(key, args, (v) => (typeof v === 'number' ? num(v) : Array.isArray(v) ? v.join('') : String(v))).join('');
}

/**
 * A message as parts for the DOM helper: nodes in `args` (a title in a <bdi>, a list of
 * them) are kept as nodes, so nothing from the data is ever joined into one string.
 */
export function tp(key, args = {}) {
  return fill(key, args, (v) => (typeof v === 'number' ? num(v) : v));
}
