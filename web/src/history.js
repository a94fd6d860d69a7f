// The user's history, kept on the device and nowhere else. This module never touches the
// network; it only talks to the storage adapter it is given (web/STORAGE.md has the format
// and the policies for versions, quota, corruption and multi-tab sync).
//
// There is no authoritative in-memory copy: every change is one atomic read-modify-write
// through the adapter, so several tabs (or stores) over the same storage never overwrite
// each other. Where the adapter cannot promise that across tabs (localStorage: staleReads),
// recorded events are also journalled and put back if a stale write dropped them.
import { HearthError } from './errors.js';
import { checkAdapter, isQuotaError, utf8Length } from './storage/adapter.js';
import { createMemoryAdapter } from './storage/memory.js';
import { createLocalStorageAdapter, localStorageWorks } from './storage/local.js';
import { createIndexedDBAdapter } from './storage/indexeddb.js';

export { createMemoryAdapter, createLocalStorageAdapter, createIndexedDBAdapter, isQuotaError };

/** The storage schema this version writes (older ones are migrated on open). */
export const SCHEMA_VERSION = 3;
/** The exportData() format version. */
export const EXPORT_VERSION = 2;
/** Event types, in the order of their stored codes (append only: the index is the code). */
export const EVENT_TYPES = Object.freeze(['view', 'click', 'like', 'dislike', 'rate', 'purchase', 'skip']);

const TYPE_CODE = new Map(EVENT_TYPES.map((t, i) => [t, i]));
const KEY_PREFIX = 'hearth:history:';
const QUARANTINE_PREFIX = 'hearth:quarantine:';
const JOURNAL_PREFIX = 'hearth:journal:';
/**
 * How long a store's journal keeps an event it recorded. A stale read is milliseconds old and
 * every open store repairs as soon as it hears of a change (see _startSync); this covers the
 * case where the recording tab is gone and no other store reads the history for a while.
 */
const JOURNAL_MS = 60_000;
const JOURNAL_MAX = 500;
const MAX_ITEM = 512;
const MAX_ID = 256;
const MAX_QUOTA_ATTEMPTS = 40;

/**
 * @typedef {'view' | 'click' | 'like' | 'dislike' | 'rate' | 'purchase' | 'skip'} EventType
 * @typedef {{ type: EventType, item: string, ts: number, value?: number, id?: string }} HistoryEvent
 * @typedef {{ code: string, message: string, namespace: string, [detail: string]: unknown }} HistoryWarning
 * @typedef {{ source: 'local' | 'remote', type: string }} HistoryChange
 * @typedef {{ events: HistoryEvent[], items: string[], tags: string[], lessTags: string[], paused: boolean,
 *   dropped: { capacity: number, quota: number }, rev: string, writers: Record<string, [number, number]> }} Doc
 */

// ---------------------------------------------------------------------------------------
// Validation

// Never throws: a deeply nested or cyclic value cannot be stringified (JSON.stringify and
// String() recurse), so it is named by its kind instead.
function show(v) {
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  if (v === null || typeof v !== 'object') {
    try { return JSON.stringify(v) ?? String(v); } catch { return typeof v; }
  }
  try {
    const text = JSON.stringify(v);
    if (typeof text === 'string') return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch { /* too deep or cyclic */ }
  return Array.isArray(v) ? 'an array' : 'an object';
}

const MAX_IMPORT_DEPTH = 32;

/**
 * Throws HearthError('import') when the value nests deeper than an export can (an export
 * needs 4 levels), instead of a RangeError from some recursive step later. Iterative, so it
 * cannot overflow the stack itself; each object is visited once (cycles are not followed).
 */
function checkDepth(value) {
  const seen = new Set();
  /** @type {[unknown, number, string][]} */
  const stack = [[value, 0, '']];
  while (stack.length > 0) {
    const [v, depth, path] = /** @type {[any, number, string]} */ (stack.pop());
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    if (depth >= MAX_IMPORT_DEPTH) {
      throw new HearthError('import', `${path || 'the export'} holds values nested more than ${MAX_IMPORT_DEPTH} levels deep (an export needs a few)`);
    }
    seen.add(v);
    // The message names where the deep value starts (events[3]), not the whole path down.
    const name = (step) => (depth < 2 ? `${path}${step}` : path);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1, name(`[${i}]`)]);
    } else {
      for (const key of Object.keys(v)) stack.push([v[key], depth + 1, name(path ? `.${key}` : key)]);
    }
  }
}

/**
 * A validated copy of an event, or a HearthError(code) naming the bad field of `where`.
 * @returns {HistoryEvent}
 */
function normalizeEvent(e, where, code, defaultTs) {
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw new HearthError(code, `${where} must be an object, got ${show(e)}`);
  if (!TYPE_CODE.has(e.type)) throw new HearthError(code, `${where}.type must be one of ${EVENT_TYPES.join(', ')}, got ${show(e.type)}`);
  if (typeof e.item !== 'string' || e.item.length === 0 || e.item.length > MAX_ITEM) {
    throw new HearthError(code, `${where}.item must be a non-empty string of at most ${MAX_ITEM} characters, got ${show(e.item)}`);
  }
  const ts = e.ts === undefined && defaultTs !== undefined ? defaultTs : e.ts;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) throw new HearthError(code, `${where}.ts must be a finite number of milliseconds >= 0, got ${show(e.ts)}`);
  // Any finite rating: bundles are trained on different scales (0.5-5, 1-10, ...), and
  // the recommender only needs a finite number.
  if (e.type === 'rate' && e.value === undefined) throw new HearthError(code, `${where}.value is required for a 'rate' event`);
  if (e.value !== undefined && (typeof e.value !== 'number' || !Number.isFinite(e.value))) {
    throw new HearthError(code, `${where}.value must be a finite number, got ${show(e.value)}`);
  }
  if (e.id !== undefined && (typeof e.id !== 'string' || e.id.length === 0 || e.id.length > MAX_ID)) {
    throw new HearthError(code, `${where}.id must be a non-empty string of at most ${MAX_ID} characters, got ${show(e.id)}`);
  }
  /** @type {HistoryEvent} */
  const out = { type: e.type, item: e.item, ts };
  if (e.value !== undefined) out.value = e.value;
  if (e.id !== undefined) out.id = e.id;
  return out;
}

function checkItem(item, what) {
  if (typeof item !== 'string' || item.length === 0 || item.length > MAX_ITEM) {
    throw new HearthError('argument', `${what} must be a non-empty string of at most ${MAX_ITEM} characters, got ${show(item)}`);
  }
  return item;
}

// ---------------------------------------------------------------------------------------
// Stored format. v3 (current), compact because localStorage is small:
//   {"hearth":3,"r":rev,"t0":ms,"i":[item ids],"e":[[type,item index,ts-t0,value?,id?],...],
//    "ni":[items],"nt":[hidden tags],"nl":[tags shown less],"p":1?,"d":[capacity drops,quota drops]?}
// A missing value before an id is null. Times are offsets from t0 rather than chained
// deltas so that one damaged entry cannot shift the times of the entries after it.

// Identity of a stored value across reads: IndexedDB hands out a fresh copy of a
// non-string value on every read, so those compare by their JSON.
function fingerprint(raw) {
  if (typeof raw === 'string') return raw;
  try { return `\0${JSON.stringify(raw)}`; } catch { return `\0${String(raw)}`; }
}

/** Thrown inside an update when the stored value cannot be used as it is. */
class Corrupt extends Error {
  constructor(raw, reason, bad = null, doc = null) {
    super(reason);
    this.raw = raw;
    this.fingerprint = fingerprint(raw);
    this.reason = reason;
    /** Entries dropped from an otherwise sound value, or null when the whole value is bad. */
    this.bad = bad;
    /** What remains usable (null: start clean). */
    this.doc = doc;
  }
}

/** @returns {Doc} */
function emptyDoc() {
  return { events: [], items: [], tags: [], lessTags: [], paused: false, dropped: { capacity: 0, quota: 0 }, rev: '', writers: {} };
}

// v1 was the first, verbose format: { app: 'hearth', schema: 1, events: [{ type, itemId,
// timestamp, value?, eventId? }], notInterested: [item ids], paused }. It had no tags.
// Each migration takes the parsed value of version n and returns that of version n+1;
// entries it cannot convert are passed through unchanged so that v2's reader quarantines
// them with their original content.
const MIGRATIONS = {
  1(v1) {
    if (!Array.isArray(v1.events)) throw new Error('schema 1: events is not an array');
    const convertible = (e) => e && typeof e === 'object' && !Array.isArray(e) && TYPE_CODE.has(e.type)
      && typeof e.itemId === 'string' && typeof e.timestamp === 'number' && Number.isFinite(e.timestamp);
    const t0 = v1.events.reduce((m, e) => (convertible(e) && e.timestamp < m ? e.timestamp : m), Infinity);
    const value = { hearth: 2, r: '', t0: Number.isFinite(t0) ? t0 : 0, i: [], e: [], ni: v1.notInterested, p: v1.paused ? 1 : 0 };
    const table = new Map();
    value.e = v1.events.map((e) => {
      if (!convertible(e)) return e;
      if (!table.has(e.itemId)) { table.set(e.itemId, value.i.length); value.i.push(e.itemId); }
      const entry = [TYPE_CODE.get(e.type), table.get(e.itemId), e.timestamp - value.t0];
      const id = e.eventId ?? undefined;
      if ((e.value ?? null) !== null || id !== undefined) entry.push(e.value ?? null);
      if (id !== undefined) entry.push(id);
      return entry;
    });
    return value;
  },
  // v2 had one kind of not-interested tag (hidden, `nt`); v3 adds tags shown less (`nl`).
  // Nothing to convert: a v2 value reads as v3 with no tags shown less.
  2(v2) {
    return { ...v2, hearth: 3 };
  },
};

function stringArray(value, field) {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${field} is not an array`);
  return value;
}

/**
 * Reads a stored value. Returns the doc and its schema version, throws Corrupt when the value
 * (or some of its entries) cannot be used, and HearthError('storage') for a newer schema.
 * @returns {{ doc: Doc, version: number }}
 */
function decodeDoc(raw, key) {
  if (raw === null || raw === undefined) return { doc: emptyDoc(), version: SCHEMA_VERSION };
  if (typeof raw !== 'string') throw new Corrupt(raw, 'not a string');
  let value;
  try { value = JSON.parse(raw); } catch { throw new Corrupt(raw, 'not valid JSON'); }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Corrupt(raw, 'not a Hearth history (not a JSON object)');
  let version;
  if (Number.isInteger(value.hearth) && value.hearth >= 2) version = value.hearth;
  else if (value.app === 'hearth' && value.schema === 1) version = 1;
  else throw new Corrupt(raw, 'not a Hearth history (foreign value)');
  if (version > SCHEMA_VERSION) {
    // Not corruption: a newer library wrote it. Touching it would destroy that data.
    throw new HearthError('storage', `${key} was written by a newer Hearth (schema ${version}; this version reads up to ${SCHEMA_VERSION}); left untouched`);
  }
  const from = version;
  try {
    for (let v = version; v < SCHEMA_VERSION; v++) value = MIGRATIONS[v](value);
  } catch (e) {
    throw new Corrupt(raw, `schema ${from} value cannot be migrated: ${e.message}`);
  }
  /** @type {Doc} */
  const doc = emptyDoc();
  const bad = [];
  try {
    const items = stringArray(value.i, 'i');
    const entries = stringArray(value.e, 'e');
    if (entries.length > 0 && !Number.isFinite(value.t0)) throw new Error('t0 is not a finite number');
    entries.forEach((entry, index) => {
      const reason = entryProblem(entry, items);
      if (reason) { bad.push({ index, entry, reason }); return; }
      /** @type {HistoryEvent} */
      const event = { type: EVENT_TYPES[entry[0]], item: items[entry[1]], ts: value.t0 + entry[2] };
      if (entry.length > 3 && entry[3] !== null) event.value = entry[3];
      if (entry.length > 4) event.id = entry[4];
      doc.events.push(event);
    });
    for (const [field, into] of [['ni', doc.items], ['nt', doc.tags], ['nl', doc.lessTags]]) {
      stringArray(value[field], field).forEach((s, index) => {
        if (typeof s === 'string' && s.length > 0) into.push(s);
        else bad.push({ field, index, entry: s, reason: 'not a non-empty string' });
      });
    }
    doc.paused = value.p === 1 || value.p === true;
    if (Array.isArray(value.d)) doc.dropped = { capacity: Number(value.d[0]) || 0, quota: Number(value.d[1]) || 0 };
    doc.rev = typeof value.r === 'string' ? value.r : '';
    // Writer sequence numbers (localStorage only; see the journal below). Advisory: a
    // malformed entry is dropped, not quarantined.
    if (value.w && typeof value.w === 'object' && !Array.isArray(value.w)) {
      for (const [writer, mark] of Object.entries(value.w)) {
        if (Array.isArray(mark) && Number.isInteger(mark[0]) && Number.isFinite(mark[1])) doc.writers[writer] = [mark[0], mark[1]];
      }
    }
  } catch (e) {
    throw new Corrupt(raw, `schema ${from} value has the wrong shape: ${e.message}`);
  }
  // Entries written by hand or by another program may be out of order; keep time order.
  if (!isSorted(doc.events)) doc.events = sortEvents(doc.events);
  if (bad.length > 0) throw new Corrupt(raw, `${bad.length} damaged entr${bad.length === 1 ? 'y' : 'ies'}`, bad, doc);
  return { doc, version: from };
}

function entryProblem(entry, items) {
  if (!Array.isArray(entry) || entry.length < 3 || entry.length > 5) return 'not an entry array';
  if (!Number.isInteger(entry[0]) || entry[0] < 0 || entry[0] >= EVENT_TYPES.length) return 'unknown type code';
  if (!Number.isInteger(entry[1]) || entry[1] < 0 || entry[1] >= items.length || typeof items[entry[1]] !== 'string' || items[entry[1]] === '') return 'bad item index';
  if (typeof entry[2] !== 'number' || !Number.isFinite(entry[2])) return 'bad time';
  const value = entry.length > 3 ? entry[3] : null;
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) return 'bad value';
  if (entry[0] === TYPE_CODE.get('rate') && value === null) return 'rating without value';
  if (entry.length > 4 && (typeof entry[4] !== 'string' || entry[4] === '')) return 'bad id';
  return null;
}

function isSorted(events) {
  for (let i = 1; i < events.length; i++) if (events[i].ts < events[i - 1].ts) return false;
  return true;
}

function sortEvents(events) {
  return events.map((e, i) => [e, i]).sort((a, b) => a[0].ts - b[0].ts || a[1] - b[1]).map(([e]) => e);
}

/** @param {Doc} doc */
function encodeDoc(doc, rev) {
  const t0 = doc.events.length > 0 ? doc.events[0].ts : 0;
  const table = new Map();
  const items = [];
  const entries = doc.events.map((e) => {
    let index = table.get(e.item);
    if (index === undefined) { index = items.length; table.set(e.item, index); items.push(e.item); }
    const entry = [TYPE_CODE.get(e.type), index, e.ts - t0];
    if (e.value !== undefined || e.id !== undefined) entry.push(e.value ?? null);
    if (e.id !== undefined) entry.push(e.id);
    return entry;
  });
  /** @type {Record<string, unknown>} */
  const value = { hearth: SCHEMA_VERSION, r: rev, t0, i: items, e: entries };
  if (doc.items.length) value.ni = doc.items;
  if (doc.tags.length) value.nt = doc.tags;
  if (doc.lessTags.length) value.nl = doc.lessTags;
  if (doc.paused) value.p = 1;
  if (doc.dropped.capacity || doc.dropped.quota) value.d = [doc.dropped.capacity, doc.dropped.quota];
  if (doc.writers && Object.keys(doc.writers).length > 0) value.w = doc.writers;
  return JSON.stringify(value);
}

/** Merges two time-ordered lists; on equal times the events of `a` come first. */
function mergeEvents(a, b) {
  if (b.length === 0) return a;
  if (a.length === 0 || a[a.length - 1].ts <= b[0].ts) return a.concat(b);
  const out = new Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) out[k++] = b[j].ts < a[i].ts ? b[j++] : a[i++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/** Inserts in time order; equal times keep arrival order. Most events append. */
function insertEvent(events, event) {
  let at = events.length;
  while (at > 0 && events[at - 1].ts > event.ts) at--;
  events.splice(at, 0, event);
}

// Identity of an event without an id, so that importing the same export twice adds nothing.
function eventKey(e) {
  return JSON.stringify([e.type, e.item, e.ts, e.value ?? null, e.id ?? null]);
}

/**
 * Frees room under quota pressure. Attempt 1 merges repeated views of an item into its latest
 * view; each later attempt also keeps only the newest ~70% of what the previous one kept.
 * The latest event and `keep` (the one being recorded) are never dropped.
 * @returns {number} events dropped
 */
function compact(doc, attempt, keep) {
  const before = doc.events.length;
  const lastView = new Map();
  doc.events.forEach((e, i) => { if (e.type === 'view') lastView.set(e.item, i); });
  doc.events = doc.events.filter((e, i) => e === keep || e.type !== 'view' || lastView.get(e.item) === i);
  const target = Math.max(1, Math.floor(before * 0.7 ** (attempt - 1)));
  if (attempt > 1 && doc.events.length > target) dropOldest(doc, doc.events.length - target, keep);
  return before - doc.events.length;
}

function dropOldest(doc, count, keep) {
  const last = doc.events[doc.events.length - 1];
  const out = [];
  for (const e of doc.events) {
    if (count > 0 && e !== keep && e !== last) count--;
    else out.push(e);
  }
  doc.events = out;
}

function newRev() {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);
}

// ---------------------------------------------------------------------------------------
// The store

async function resolveAdapter(storage) {
  if (typeof storage === 'object' && storage !== null) return { adapter: checkAdapter(storage), owned: false };
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  switch (storage) {
    case 'memory': return { adapter: createMemoryAdapter(), owned: true };
    case 'localStorage': return { adapter: createLocalStorageAdapter(), owned: true };
    case 'indexedDB': return { adapter: createIndexedDBAdapter(), owned: true };
    case 'auto': {
      if (isNode) return { adapter: createMemoryAdapter(), owned: true };
      const local = localStorageWorks() ? createLocalStorageAdapter() : null;
      let reason = 'IndexedDB is not available here';
      if (globalThis.indexedDB) {
        let idb = null;
        try {
          idb = createIndexedDBAdapter();
          // Opening the database is what fails where IndexedDB cannot be used (some private modes).
          await withTimeout(Promise.resolve(idb.get('hearth:probe')), IDB_OPEN_TIMEOUT_MS, 'opening it took too long');
          return { adapter: idb, owned: true, migrateFrom: local };
        } catch (e) {
          reason = `IndexedDB cannot be used here (${e && e.message ? e.message : e})`;
          idb?.close?.();
        }
      }
      if (local) return { adapter: local, owned: true, fallback: `${reason}; the history is kept in localStorage instead (see STORAGE.md for what that guarantees across tabs)` };
      return { adapter: createMemoryAdapter(), owned: true, fallback: `${reason} and localStorage cannot be written; the history is kept in memory only` };
    }
    default:
      throw new HearthError('argument', `storage must be 'auto', 'memory', 'localStorage', 'indexedDB' or an adapter, got ${show(storage)}`);
  }
}

const IDB_OPEN_TIMEOUT_MS = 10_000;

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// A short, stable name for a stored value (two FNV-1a hashes and the length), so that the
// migration marker can say which localStorage value was moved without keeping a copy.
function digest(text) {
  let a = 0x811c9dc5, b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${text.length.toString(36)}`;
}

/**
 * Adds the events and lists of `incoming` to `base` (a multiset union: an event stored in
 * both, by id or else by content, is kept once per copy in base), so that merging the same
 * value twice adds nothing the second time.
 * @param {Doc} base @param {Doc} incoming @returns {Doc}
 */
function mergeDocs(base, incoming) {
  const ids = new Set();
  const counts = new Map();
  for (const e of base.events) {
    if (e.id !== undefined) ids.add(e.id);
    else counts.set(eventKey(e), (counts.get(eventKey(e)) ?? 0) + 1);
  }
  const added = [];
  for (const e of incoming.events) {
    if (e.id !== undefined) {
      if (ids.has(e.id)) continue;
      ids.add(e.id);
    } else {
      const key = eventKey(e);
      const n = counts.get(key) ?? 0;
      if (n > 0) { counts.set(key, n - 1); continue; }
    }
    added.push({ ...e });
  }
  const union = (a, b, not = []) => [...new Set([...a, ...b.filter((x) => !not.includes(x))])];
  return {
    events: mergeEvents(base.events, sortEvents(added)),
    items: union(base.items, incoming.items),
    tags: union(base.tags, incoming.tags, base.lessTags),
    lessTags: union(base.lessTags, incoming.lessTags, base.tags),
    paused: base.paused || incoming.paused,
    dropped: { capacity: Math.max(base.dropped.capacity, incoming.dropped.capacity), quota: Math.max(base.dropped.quota, incoming.dropped.quota) },
    rev: '',
  };
}

const MIGRATED_PREFIX = 'hearth:migrated:';

/**
 * Moves a namespace's localStorage history (what 'auto' used before) into IndexedDB, once:
 * one IndexedDB transaction merges it into the IndexedDB history and writes a marker naming
 * the value moved, so two tabs opening at once (IndexedDB runs them one after the other), or
 * a tab whose localStorage copy is not up to date yet, cannot add it twice; then the
 * localStorage value is removed if it is still the one moved. A value written there later
 * (by an older Hearth in another tab) is merged on a later open, without duplicates.
 */
async function migrateFromLocalStorage(store, idb, local) {
  const key = store._key;
  let raw;
  try { raw = await local.get(key); } catch { return; }
  if (typeof raw !== 'string') return;
  const mark = digest(raw);
  const at = Date.now();
  const quarantineKey = `${store._quarantinePrefix()}${at}-${Math.random().toString(36).slice(2, 8)}`;
  const outcome = { moved: 0, corrupt: /** @type {Corrupt | null} */ (null), newer: /** @type {unknown} */ (null), retry: false };
  try {
    await idb.updateMany([key, MIGRATED_PREFIX + store._namespace, quarantineKey], ([current, done]) => {
      Object.assign(outcome, { moved: 0, corrupt: null, newer: null, retry: false });
      if (done === mark) return [undefined, undefined, undefined];  // moved already (another tab, or before a crash)
      let incoming;
      try {
        incoming = decodeDoc(raw, key).doc;
      } catch (e) {
        if (!(e instanceof Corrupt)) { outcome.newer = e; return [undefined, undefined, undefined]; }
        outcome.corrupt = e;
        incoming = e.doc ?? emptyDoc();
      }
      let base;
      try {
        base = current === null ? emptyDoc() : decodeDoc(current, key).doc;
      } catch {
        // A damaged IndexedDB value: opening quarantines it; the move happens on the next open.
        outcome.retry = true;
        return [undefined, undefined, undefined];
      }
      const merged = mergeDocs(base, incoming);
      outcome.moved = merged.events.length - base.events.length;
      // What cannot be read goes to IndexedDB's quarantine, as a damaged IndexedDB value would.
      const c = outcome.corrupt;
      const record = c && JSON.stringify({ hearth: 'quarantine', namespace: store._namespace, from: `localStorage ${key}`, at, reason: c.reason,
        ...(c.bad ? { entries: c.bad } : { value: raw }) });
      return [encodeDoc(merged, newRev()), mark, record ?? undefined];
    });
  } catch (e) {
    store._warn('migrated', `could not move ${key} from localStorage to IndexedDB (${e && e.message}); it stays in localStorage and is tried again on the next open`, { from: 'localStorage', to: 'indexedDB', moved: false });
    return;
  }
  if (outcome.newer || outcome.retry) {
    if (outcome.newer) store._warn('migrated', `${key} in localStorage was not moved to IndexedDB: ${/** @type {Error} */ (outcome.newer).message}`, { from: 'localStorage', to: 'indexedDB', moved: false });
    return;
  }
  // Moved (here, or by another tab before): the localStorage copy is no longer needed.
  try { await local.update(key, (now) => (now === raw ? null : undefined)); } catch { /* removed on a later open */ }
  if (outcome.corrupt) {
    const c = outcome.corrupt;
    store._warn('corrupt', `${c.bad ? `${c.bad.length} damaged entries of ` : ''}${key} in localStorage (${c.reason}) moved to ${quarantineKey} in IndexedDB`, { key, quarantineKey, reason: c.reason });
  }
  if (outcome.moved > 0 || outcome.corrupt) {
    store._warn('migrated', `${key} moved from localStorage to IndexedDB (${outcome.moved} events)`, { from: 'localStorage', to: 'indexedDB', events: outcome.moved });
  }
}

/**
 * Opens the history of one namespace. Reading it migrates an older schema and quarantines a
 * damaged value, so problems surface here (as warnings) rather than on the first record().
 * Nothing is sent anywhere: the history lives only in the chosen storage.
 * @param {{ storage?: 'auto' | 'memory' | 'localStorage' | 'indexedDB' | import('./storage/adapter.js').StorageAdapter,
 *   namespace?: string, maxEvents?: number, onWarning?: (warning: HistoryWarning) => void, broadcast?: boolean }} [options]
 *   storage: 'auto' is IndexedDB in browsers (moving a history 'auto' kept in localStorage before into it,
 *   once), localStorage where IndexedDB cannot be used (with a 'fallback' warning), memory in Node;
 *   maxEvents: the oldest events beyond this are dropped (default 5000);
 *   broadcast: tell other tabs of changes through BroadcastChannel (default true)
 * @returns {Promise<HistoryStore>}
 */
export async function openHistory(options = {}) {
  if (!options || typeof options !== 'object') throw new HearthError('argument', 'openHistory options must be an object');
  const { storage = 'auto', namespace = 'default', maxEvents = 5000, onWarning, broadcast = true } = options;
  if (typeof namespace !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(namespace)) {
    throw new HearthError('argument', `namespace must be 1-64 characters of A-Z a-z 0-9 . _ -, got ${show(namespace)}`);
  }
  if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new HearthError('argument', `maxEvents must be a positive integer, got ${show(maxEvents)}`);
  if (onWarning !== undefined && typeof onWarning !== 'function') throw new HearthError('argument', 'onWarning must be a function');
  const { adapter, owned, fallback, migrateFrom } = await resolveAdapter(storage);
  const store = new HistoryStore(adapter, owned, { namespace, maxEvents, onWarning, broadcast: !!broadcast });
  if (fallback) store._warn('fallback', fallback, { adapter: adapter.kind });
  try {
    if (migrateFrom) await migrateFromLocalStorage(store, adapter, migrateFrom);
    await store._open();
  } catch (e) {
    store.close();
    throw e;
  }
  return store;
}

/** One namespace's history over a storage adapter. Create it with openHistory(). */
export class HistoryStore {
  /** @internal */
  constructor(adapter, owned, { namespace, maxEvents, onWarning, broadcast }) {
    this._adapter = adapter;
    this._owned = owned;
    this._namespace = namespace;
    this._key = KEY_PREFIX + namespace;
    this._maxEvents = maxEvents;
    this._onWarning = onWarning;
    this._broadcast = broadcast;
    this._listeners = new Set();
    this._rev = null;
    this._paused = false;
    this._cache = { raw: /** @type {unknown} */ (undefined), doc: /** @type {Doc | null} */ (null) };
    this._acceptCorrupt = /** @type {Corrupt | null} */ (null);
    this._session = { capacity: 0, quota: 0, capacityWarned: false };
    this._closed = false;
    this._channel = null;
    this._unwatch = null;
    // Where update() may read a value older than one another tab already wrote (localStorage
    // in browsers that run tabs in separate processes), each store also keeps a journal of
    // the events it recorded recently under a key only it writes, and every store puts back
    // the journalled events a stale write dropped (see STORAGE.md, "Guarantees").
    this._journal = adapter.staleReads ? {
      writer: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`,
      seq: 0,
      /** @type {{ s: number, t: number, e: HistoryEvent }[]} */
      entries: [],
      /** @type {Map<string, { raw: string, entries: any[] }>} parsed journals of other stores, by key */
      parsed: new Map(),
    } : null;
  }

  /** The namespace this store reads and writes. */
  get namespace() {
    return this._namespace;
  }

  /**
   * Whether recording is paused, as last seen (this tab's changes, other tabs' once their
   * notification arrived). record() itself always checks the stored state.
   */
  get paused() {
    return this._paused;
  }

  /**
   * Adds an event. Duplicate ids are recorded once, so retries are safe.
   * @param {{ type: EventType, item: string, value?: number, ts?: number, id?: string }} event
   *   value: required (finite) for 'rate', optional strength for the others; ts: ms, default now
   * @returns {Promise<{ recorded: boolean, reason?: 'paused' | 'duplicate' }>}
   */
  async record(event) {
    this._live();
    const e = normalizeEvent(event, 'event', 'argument', Date.now());
    return this._mutate('record', (doc, ctx) => {
      if (doc.paused) return { recorded: false, reason: 'paused' };
      if (e.id !== undefined && doc.events.some((x) => x.id === e.id)) return { recorded: false, reason: 'duplicate' };
      const copy = { ...e };
      insertEvent(doc.events, copy);
      ctx.keep = copy;
      ctx.changed = true;
      return { recorded: true };
    });
  }

  /**
   * All events, oldest first (by ts; equal times in the order they were recorded).
   * @returns {Promise<HistoryEvent[]>}
   */
  async events() {
    const doc = await this._read();
    return doc.events.map((e) => ({ ...e }));
  }

  /**
   * Removes every event of an item, or every event the predicate accepts. The predicate runs
   * inside the storage transaction: it must be synchronous, and may see an event twice when
   * the write is retried.
   * @param {string | ((event: HistoryEvent) => boolean)} what an item id or a synchronous predicate
   * @returns {Promise<number>} how many events were removed
   */
  async forget(what) {
    this._live();
    let test;
    if (typeof what === 'function') {
      test = (e) => {
        const verdict = what({ ...e });
        // It runs inside a storage transaction, which cannot wait for a promise.
        if (verdict && typeof verdict.then === 'function') throw new HearthError('argument', 'forget() predicate must be synchronous');
        return !!verdict;
      };
    } else {
      const item = checkItem(what, 'forget() item');
      test = (e) => e.item === item;
    }
    return this._mutate('forget', (doc, ctx) => {
      const before = doc.events.length;
      doc.events = doc.events.filter((e) => !test(e));
      ctx.changed = doc.events.length !== before;
      return before - doc.events.length;
    });
  }

  /**
   * Marks an item, or a tag, as not interesting. A tag is hidden (`mode: 'hide'`, the
   * default: items with it are never recommended) or shown less (`mode: 'less'`: they are
   * down-weighted). The history only keeps the lists; the recommender applies them.
   * @param {string | { tag: string, mode?: 'hide' | 'less' }} what
   * @returns {Promise<boolean>} false when it was already marked (in that mode)
   */
  async notInterested(what) {
    const [list, value] = this._target(what, 'notInterested()');
    const other = list === 'tags' ? 'lessTags' : list === 'lessTags' ? 'tags' : null;
    return this._mutate('notInterested', (doc, ctx) => {
      if (doc[list].includes(value)) return false;
      doc[list].push(value);
      // A tag is in one mode at a time: marking it again in the other mode moves it.
      if (other) doc[other] = doc[other].filter((x) => x !== value);
      ctx.changed = true;
      return true;
    });
  }

  /**
   * Removes an item or a tag (in either mode) from the not-interested lists.
   * @param {string | { tag: string }} what
   * @returns {Promise<boolean>} false when it was not marked
   */
  async undoNotInterested(what) {
    const [list, value] = this._target(what, 'undoNotInterested()');
    const lists = list === 'items' ? ['items'] : ['tags', 'lessTags'];
    return this._mutate('undoNotInterested', (doc, ctx) => {
      for (const l of lists) {
        const before = doc[l].length;
        doc[l] = doc[l].filter((x) => x !== value);
        if (doc[l].length !== before) ctx.changed = true;
      }
      return ctx.changed;
    });
  }

  /**
   * @returns {Promise<{ items: string[], tags: string[], lessTags: string[] }>} the
   *   not-interested items, the hidden tags and the tags shown less
   */
  async notInterestedList() {
    const doc = await this._read();
    return { items: [...doc.items], tags: [...doc.tags], lessTags: [...doc.lessTags] };
  }

  /**
   * Deletes this namespace's events and not-interested list (the paused state is kept, so
   * clearing never silently restarts recording). Quarantined values are kept: see
   * clearQuarantine().
   * @returns {Promise<void>}
   */
  async clear() {
    await this._mutate('clear', (doc, ctx) => {
      ctx.changed = doc.events.length > 0 || doc.items.length > 0 || doc.tags.length > 0 || doc.lessTags.length > 0 || doc.dropped.capacity > 0 || doc.dropped.quota > 0;
      Object.assign(doc, { ...emptyDoc(), paused: doc.paused, writers: doc.writers });
    });
  }

  /** Deletes this namespace's quarantined values. @returns {Promise<number>} how many */
  async clearQuarantine() {
    this._live();
    const keys = await this._call(() => this._adapter.keys(this._quarantinePrefix()));
    for (const key of keys) await this._call(() => this._adapter.remove(key));
    return keys.length;
  }

  /** Stops recording: record() resolves { recorded: false, reason: 'paused' }. Applies to every tab. */
  async pause() {
    await this._mutate('pause', (doc, ctx) => { ctx.changed = !doc.paused; doc.paused = true; });
  }

  /** Resumes recording. */
  async resume() {
    await this._mutate('resume', (doc, ctx) => { ctx.changed = doc.paused; doc.paused = false; });
  }

  /**
   * Everything stored for this namespace as a plain, versioned JSON-ready object.
   * @returns {Promise<{ format: 'hearth-history', version: number, namespace: string, exportedAt: string,
   *   events: HistoryEvent[], notInterested: { items: string[], tags: string[], lessTags: string[] }, paused: boolean }>}
   */
  async exportData() {
    const doc = await this._read();
    return {
      format: 'hearth-history',
      version: EXPORT_VERSION,
      namespace: this._namespace,
      exportedAt: new Date().toISOString(),
      events: doc.events.map((e) => ({ ...e })),
      notInterested: { items: [...doc.items], tags: [...doc.tags], lessTags: [...doc.lessTags] },
      paused: doc.paused,
    };
  }

  /**
   * Loads an export (object or JSON text). Everything is validated before anything is
   * written; an error names the bad field, e.g. `events[3].value`. With merge (default) the
   * events are added to the current ones (an event with a known id, or identical to a stored
   * one, is skipped, so importing twice changes nothing); without it they replace them, and
   * the export's paused state is adopted.
   * @param {object | string} data
   * @param {{ merge?: boolean }} [options]
   * @returns {Promise<{ imported: number, skipped: number, dropped: number }>}
   */
  async importData(data, options = {}) {
    this._live();
    const merge = options.merge ?? true;
    const input = parseImport(data);
    return this._mutate('import', (doc, ctx) => {
      if (!merge) Object.assign(doc, { ...emptyDoc(), paused: input.paused ?? doc.paused, dropped: doc.dropped, writers: doc.writers });
      // Events with an id are matched by id; the others by content (eventKey includes the
      // id, so an event without one never equals one with one).
      const ids = new Set();
      const seen = new Set();
      for (const e of doc.events) {
        if (e.id !== undefined) ids.add(e.id);
        else seen.add(eventKey(e));
      }
      let skipped = 0;
      const added = [];
      for (const e of input.events) {
        if (e.id !== undefined) {
          if (ids.has(e.id)) { skipped++; continue; }
          ids.add(e.id);
        } else {
          const key = eventKey(e);
          if (seen.has(key)) { skipped++; continue; }
          seen.add(key);
        }
        added.push({ ...e });
      }
      // One sort and one merge (n log n), not an insertion per event (quadratic when the
      // export is not oldest first). Same order as inserting one by one: by time, stored
      // events before imported ones of the same time, imported ones in export order.
      doc.events = mergeEvents(doc.events, sortEvents(added));
      for (const [list, other] of [['items', null], ['lessTags', 'tags'], ['tags', 'lessTags']]) {
        const have = new Set(doc[list]);
        const incoming = new Set(input[list]);
        for (const x of incoming) if (!have.has(x)) { doc[list].push(x); have.add(x); }
        // A tag is in one mode at a time; the export's mode wins (hidden over shown less).
        if (other) doc[other] = doc[other].filter((x) => !incoming.has(x));
      }
      ctx.changed = true;
      ctx.added = added;
      return { imported: added.length, skipped };
    }, (result, ctx) => {
      const kept = new Set(ctx.doc.events);
      const dropped = ctx.added.filter((e) => !kept.has(e)).length;
      return { imported: result.imported - dropped, skipped: result.skipped, dropped };
    });
  }

  /**
   * What is stored, where and how big, for a privacy dashboard.
   * @returns {Promise<object>} see HistoryStorageReport in index.d.ts
   */
  async storageReport() {
    const doc = await this._read();
    const raw = await this._call(() => this._adapter.get(this._key));
    const size = (key, value) => (typeof value !== 'string' ? 0
      : this._adapter.size ? this._adapter.size(key, value) : utf8Length(key) + utf8Length(value));
    const quarantined = [];
    for (const key of await this._call(() => this._adapter.keys(this._quarantinePrefix()))) {
      const value = await this._call(() => this._adapter.get(key));
      let reason;
      try { reason = JSON.parse(value).reason; } catch { /* shown without a reason */ }
      quarantined.push({ key, bytes: size(key, value), reason });
    }
    const report = {
      adapter: this._adapter.kind,
      where: this._adapter.where ?? this._adapter.kind,
      namespace: this._namespace,
      key: this._key,
      schema: SCHEMA_VERSION,
      events: doc.events.length,
      items: new Set(doc.events.map((e) => e.item)).size,
      notInterested: { items: doc.items.length, tags: doc.tags.length, lessTags: doc.lessTags.length },
      paused: doc.paused,
      maxEvents: this._maxEvents,
      bytes: size(this._key, raw),
      dropped: { ...doc.dropped },
      quarantined,
      contents: 'event type, item id, time, optional value and event id; not-interested items and tags (hidden or shown less); paused flag',
    };
    const storage = globalThis.navigator?.storage;
    if (storage && typeof storage.persisted === 'function') {
      try { report.persisted = !!(await storage.persisted()); } catch { /* unknown */ }
    }
    return report;
  }

  /**
   * Asks the browser to keep this origin's storage under storage pressure
   * (navigator.storage.persist()). Opt-in: Hearth never calls it by itself.
   * @returns {Promise<boolean>} whether storage is now persistent (false where unsupported)
   */
  async requestPersistence() {
    this._live();
    const storage = globalThis.navigator?.storage;
    if (!storage || typeof storage.persist !== 'function') return false;
    try { return !!(await storage.persist()); } catch { return false; }
  }

  /**
   * Calls listener after every change, made here ({ source: 'local' }) or in another tab or
   * store over the same storage ({ source: 'remote' }).
   * @param {(change: HistoryChange) => void} listener
   * @returns {() => void} unsubscribe
   */
  subscribe(listener) {
    this._live();
    if (typeof listener !== 'function') throw new HearthError('argument', 'subscribe() needs a function');
    this._listeners.add(listener);
    return () => { this._listeners.delete(listener); };
  }

  /** Stops listening for other tabs and releases the storage it opened. Later calls throw. */
  close() {
    if (this._closed) return;
    this._closed = true;
    this._listeners.clear();
    this._unwatch?.();
    this._channel?.close();
    if (this._owned) this._adapter.close?.();
  }

  // -------------------------------------------------------------------------------------

  _live() {
    if (this._closed) throw new HearthError('disposed', 'this history store has been closed');
  }

  _quarantinePrefix() {
    return `${QUARANTINE_PREFIX}${this._namespace}:`;
  }

  _target(what, name) {
    this._live();
    if (what && typeof what === 'object' && 'tag' in what) {
      if (typeof what.tag !== 'string' || what.tag.length === 0 || what.tag.length > MAX_ITEM) throw new HearthError('argument', `${name} tag must be a non-empty string, got ${show(what.tag)}`);
      const mode = what.mode ?? 'hide';
      if (mode !== 'hide' && mode !== 'less') throw new HearthError('argument', `${name} mode must be 'hide' or 'less', got ${show(what.mode)}`);
      return [mode === 'less' ? 'lessTags' : 'tags', what.tag];
    }
    return ['items', checkItem(what, `${name} item`)];
  }

  // Adapter calls with foreign errors turned into HearthError('storage'); quota errors and
  // our own signals pass through for the callers that handle them.
  async _call(fn) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof HearthError || e instanceof Corrupt || isQuotaError(e)) throw e;
      throw new HearthError('storage', `${this._adapter.kind}: ${e && e.message ? e.message : String(e)}`);
    }
  }

  _warn(code, message, detail = {}) {
    if (!this._onWarning) return;
    try { this._onWarning({ code, message, namespace: this._namespace, ...detail }); } catch { /* a faulty handler must not break storage */ }
  }

  _emit(change) {
    for (const listener of [...this._listeners]) {
      try { listener(change); } catch (e) { this._warn('listener', `a subscribe() listener threw: ${e && e.message}`); }
    }
  }

  // Decodes with the cache; a value already quarantined by this store decodes to what remains.
  _decode(raw) {
    if (this._cache.doc && raw === this._cache.raw) return { doc: this._cache.doc, version: SCHEMA_VERSION };
    try {
      const out = decodeDoc(raw, this._key);
      if (out.version === SCHEMA_VERSION) this._cache = { raw, doc: out.doc };
      return out;
    } catch (e) {
      if (e instanceof Corrupt && this._acceptCorrupt && this._acceptCorrupt.fingerprint === e.fingerprint) {
        return { doc: e.doc ?? emptyDoc(), version: 0 };  // version 0: must be rewritten
      }
      throw e;
    }
  }

  async _open() {
    await this._read();
    this._startSync();
  }

  /** The current doc (treat as read-only). Repairs and migrates through _mutate when needed. */
  async _read() {
    this._live();
    const raw = await this._call(() => this._adapter.get(this._key));
    let decoded;
    try {
      decoded = this._decode(raw);
    } catch (e) {
      if (!(e instanceof Corrupt)) throw e;
      decoded = null;
    }
    if (decoded && decoded.version === SCHEMA_VERSION && !(this._journal && this._replay(decoded.doc, Date.now(), true))) {
      this._seen(decoded.doc);
      return decoded.doc;
    }
    // Older schema, damaged, or missing journalled events: rewrite it (atomically, so a tab
    // doing the same cannot clash).
    const migrating = decoded && decoded.version !== SCHEMA_VERSION ? decoded.version : null;
    await this._mutate('repair', () => undefined);
    if (migrating) this._warn('migrated', `${this._key} migrated from schema ${migrating} to ${SCHEMA_VERSION}`, { from: migrating, to: SCHEMA_VERSION });
    return this._cache.doc ?? emptyDoc();
  }

  _seen(doc) {
    this._paused = doc.paused;
  }

  /**
   * Runs change(doc, ctx) inside one atomic update, handling damaged values, the event cap
   * and the quota. change must be a pure function of doc (it reruns on retries) and set
   * ctx.changed when it modified doc. finish(result, ctx) adjusts the result once written.
   */
  async _mutate(type, change, finish) {
    this._live();
    const journalled = { seq: /** @type {number | undefined} */ (undefined) };  // kept across retries
    for (let attempt = 0, repairs = 0; ; ) {
      const ctx = { journalled, changed: false, keep: null, added: [], doc: /** @type {Doc | null} */ (null), capacity: 0, quota: 0, rev: '', encoded: '' };
      let result;
      try {
        await this._call(() => this._adapter.update(this._key, (raw) => {
          const { doc: stored, version } = this._decode(raw);
          const doc = { ...stored, events: [...stored.events], items: [...stored.items], tags: [...stored.tags], lessTags: [...stored.lessTags], dropped: { ...stored.dropped }, writers: { ...stored.writers } };
          ctx.doc = doc;
          const now = Date.now();
          const replayed = this._journal ? this._replay(doc, now, false, journalled.seq) : 0;
          result = change(doc, ctx);
          if (this._journal && ctx.keep) this._journalWrite(doc, ctx, now);
          if (!ctx.changed && !replayed && version === SCHEMA_VERSION) return undefined;
          if (doc.events.length > this._maxEvents) {
            const before = doc.events.length;
            dropOldest(doc, before - this._maxEvents, ctx.keep);
            ctx.capacity = before - doc.events.length;
            doc.dropped.capacity += ctx.capacity;
          }
          if (attempt > 0) {
            ctx.quota = compact(doc, attempt, ctx.keep);
            doc.dropped.quota += ctx.quota;
          }
          ctx.rev = newRev();
          doc.rev = ctx.rev;
          // Known before the write lands, so this store's own change notification is ignored.
          this._rev = ctx.rev;
          ctx.encoded = encodeDoc(doc, ctx.rev);
          return ctx.encoded;
        }));
      } catch (e) {
        if (e instanceof Corrupt) {
          if (++repairs > 3) {
            this._journalDrop(journalled.seq);
            throw new HearthError('storage', `${this._key} keeps changing to damaged values`);
          }
          await this._quarantine(e);
          continue;
        }
        if (isQuotaError(e)) {
          // The journal is the first thing to give way: keep only this update's entry.
          if (this._journal && this._journal.entries.length > 1) {
            this._journal.entries = this._journal.entries.filter((x) => x.s === journalled.seq);
            this._journalSave();
          }
          const remaining = ctx.doc ? ctx.doc.events.length : 0;
          if (++attempt > MAX_QUOTA_ATTEMPTS || (attempt > 2 && remaining <= 1)) {
            this._journalDrop(journalled.seq);
            throw new HearthError('storage', `${this._adapter.kind} is full: even the newest event does not fit; nothing was written`);
          }
          continue;
        }
        this._journalDrop(journalled.seq);
        throw e;
      }
      if (ctx.rev) {
        this._acceptCorrupt = null;
        this._cache = { raw: ctx.encoded, doc: ctx.doc };
        this._seen(ctx.doc);
        this._afterWrite(type, ctx);
      } else if (ctx.doc) {
        this._seen(ctx.doc);
      }
      return finish ? finish(result, ctx) : result;
    }
  }

  _journalPrefix() {
    return `${JOURNAL_PREFIX}${this._namespace}:`;
  }

  /**
   * Puts back the journalled events of every store that `doc` does not have (their writer's
   * sequence number in doc is older than the entry's): a write based on a stale read dropped
   * them. With `check`, only says whether there are any. Runs inside update(), so it reads the
   * journals synchronously (adapters with staleReads must have synchronous get/keys/set/remove).
   * @returns {number} events put back (with check: 1 if any would be)
   */
  _replay(doc, now, check = false, inFlight = undefined) {
    const journal = /** @type {NonNullable<HistoryStore['_journal']>} */ (this._journal);
    const prefix = this._journalPrefix();
    let keys;
    try { keys = /** @type {string[]} */ (this._adapter.keys(prefix)); } catch { return 0; }
    if (!Array.isArray(keys)) return 0;
    let ids = null;
    let restored = 0;
    for (const key of keys) {
      const writer = key.slice(prefix.length);
      let entries;
      if (writer === journal.writer) {
        entries = journal.entries;
      } else {
        let raw;
        try { raw = this._adapter.get(key); } catch { continue; }
        if (typeof raw !== 'string') continue;
        const cached = journal.parsed.get(key);
        if (cached && cached.raw === raw) entries = cached.entries;
        else {
          try { entries = JSON.parse(raw); } catch { entries = null; }
          if (!Array.isArray(entries)) entries = [];
          journal.parsed.set(key, { raw, entries });
        }
        const newest = entries.length > 0 ? entries[entries.length - 1].t : 0;
        if (!check && !(newest > now - 3 * JOURNAL_MS)) {
          // A journal nobody wrote for a while (its tab is gone): nothing in it is replayed any more.
          try { this._adapter.remove(key); } catch { /* next time */ }
          journal.parsed.delete(key);
          continue;
        }
      }
      const mark = doc.writers[writer];
      const have = mark ? mark[0] : 0;
      let last = null;
      for (const entry of entries) {
        if (!entry || !(entry.s > have) || !(entry.t > now - JOURNAL_MS)) continue;
        if (writer === journal.writer && entry.s === inFlight) continue;  // this very update, retried
        let event;
        try { event = normalizeEvent(entry.e, 'journal entry', 'storage', undefined); } catch { continue; }
        if (check) return 1;
        last = entry;
        if (event.id !== undefined) {
          ids ??= new Set(doc.events.filter((e) => e.id !== undefined).map((e) => e.id));
          if (ids.has(event.id)) continue;
          ids.add(event.id);
        }
        insertEvent(doc.events, event);
        restored++;
      }
      if (last) doc.writers[writer] = [last.s, last.t];
    }
    return restored;
  }

  /** Journals the event this update records (ctx.keep) before the history is written. */
  _journalWrite(doc, ctx, now) {
    const journal = /** @type {NonNullable<HistoryStore['_journal']>} */ (this._journal);
    // A retried update keeps its sequence number and replaces its entry.
    const seq = ctx.journalled.seq ??= ++journal.seq;
    const entries = journal.entries.filter((x) => x.s !== seq && x.t > now - JOURNAL_MS);
    entries.push({ s: seq, t: now, e: { ...ctx.keep } });
    journal.entries = entries.length > JOURNAL_MAX ? entries.slice(-JOURNAL_MAX) : entries;
    doc.writers[journal.writer] = [seq, now];
    for (const [writer, [, t]] of Object.entries(doc.writers)) {
      if (t < now - 3 * JOURNAL_MS) delete doc.writers[writer];
    }
    this._journalSave();
  }

  _journalSave() {
    const journal = /** @type {NonNullable<HistoryStore['_journal']>} */ (this._journal);
    const key = `${this._journalPrefix()}${journal.writer}`;
    try {
      if (journal.entries.length > 0) this._adapter.set(key, JSON.stringify(journal.entries));
      else this._adapter.remove(key);
    } catch {
      // No room for the journal: the event is still recorded, only without this protection.
      try { this._adapter.remove(key); } catch { /* nothing more to do */ }
    }
  }

  /** Takes back the journal entry of an update that finally failed (nothing was recorded). */
  _journalDrop(seq) {
    if (!this._journal || seq === undefined) return;
    this._journal.entries = this._journal.entries.filter((x) => x.s !== seq);
    this._journalSave();
  }

  _afterWrite(type, ctx) {
    if (ctx.capacity > 0) {
      this._session.capacity += ctx.capacity;
      if (!this._session.capacityWarned) {
        this._session.capacityWarned = true;
        this._warn('capacity', `more than maxEvents (${this._maxEvents}) events: the oldest are dropped (reported once per store)`, { dropped: ctx.capacity });
      }
    }
    if (ctx.quota > 0) {
      this._session.quota += ctx.quota;
      this._warn('quota', `${this._adapter.kind} is full: ${ctx.quota} old events were compacted away to make room`, { dropped: ctx.quota });
    }
    if (type === 'repair') return;
    this._channel?.postMessage({ key: this._key, rev: ctx.rev });
    this._emit({ source: 'local', type });
  }

  /** Moves a damaged value (or the damaged entries of one) aside, then lets _mutate rewrite. */
  async _quarantine(corrupt) {
    const at = Date.now();
    const key = `${this._quarantinePrefix()}${at}-${Math.random().toString(36).slice(2, 8)}`;
    const original = typeof corrupt.raw === 'string' ? corrupt.raw : corrupt.fingerprint.slice(1);
    const record = JSON.stringify({
      hearth: 'quarantine', namespace: this._namespace, from: this._key, at, reason: corrupt.reason,
      ...(corrupt.bad ? { entries: corrupt.bad } : { value: original }),
    });
    let kept = true;
    try {
      await this._call(() => this._adapter.set(key, record));
    } catch (e) {
      if (!isQuotaError(e) || corrupt.bad) {
        kept = false;
      } else {
        // The damaged value itself fills the storage: free it, then keep the copy.
        try {
          await this._call(() => this._adapter.update(this._key, (raw) => (fingerprint(raw) === corrupt.fingerprint ? null : undefined)));
          await this._call(() => this._adapter.set(key, record));
        } catch { kept = false; }
      }
    }
    this._acceptCorrupt = corrupt;
    const what = corrupt.bad ? `${corrupt.bad.length} damaged entries of ${this._key}` : `${this._key}`;
    this._warn('corrupt', kept
      ? `${what} (${corrupt.reason}) moved to ${key}; ${corrupt.bad ? 'the rest of the history is kept' : 'this namespace starts empty'}`
      : `${what} (${corrupt.reason}) could not be kept (storage full); ${corrupt.bad ? 'the rest of the history is kept' : 'this namespace starts empty'}`,
    { key: this._key, quarantineKey: kept ? key : null, reason: corrupt.reason });
  }

  _startSync() {
    const onRemote = () => { this._remoteChanged(); };
    if (typeof this._adapter.watch === 'function') {
      // With a journal, another store's journal changing is news too: if a stale write dropped
      // its event and that store is gone (reloaded, closed), this store puts the event back.
      const journals = this._journal ? this._journalPrefix() : null;
      this._unwatch = this._adapter.watch((key) => {
        if (key === null || key === this._key || (journals && key.startsWith(journals))) onRemote();
      });
    }
    if (this._broadcast && this._adapter.channel && typeof BroadcastChannel === 'function') {
      this._channel = new BroadcastChannel(`hearth-history:${this._adapter.channel}:${this._namespace}`);
      this._channel.onmessage = onRemote;
      // In Node an open channel would keep the process alive.
      /** @type {any} */ (this._channel).unref?.();
    }
  }

  // Notifications only say "look again"; the revision in the stored value says whether
  // anything changed that this store has not seen (its own writes, duplicates of a change
  // arriving by both storage event and BroadcastChannel).
  async _remoteChanged() {
    if (this._closed) return;
    try {
      const doc = await this._read();
      if (this._closed || doc.rev === this._rev) return;
      this._rev = doc.rev;
      this._emit({ source: 'remote', type: 'change' });
    } catch (e) {
      this._warn('sync', `cannot read a change made elsewhere: ${e && e.message}`);
    }
  }
}

function parseImport(data) {
  let value = data;
  if (typeof data === 'string') {
    try { value = JSON.parse(data); } catch (e) { throw new HearthError('import', `not valid JSON: ${e.message}`); }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HearthError('import', 'an export must be an object');
  checkDepth(value);
  if (value.format !== 'hearth-history') throw new HearthError('import', `format must be 'hearth-history', got ${show(value.format)}`);
  if (!Number.isInteger(value.version) || value.version < 1) throw new HearthError('import', `version must be a positive integer, got ${show(value.version)}`);
  if (value.version > EXPORT_VERSION) throw new HearthError('import', `version ${value.version} is newer than this Hearth reads (${EXPORT_VERSION})`);
  if (!Array.isArray(value.events)) throw new HearthError('import', 'events must be an array');
  const events = value.events.map((e, i) => normalizeEvent(e, `events[${i}]`, 'import', undefined));
  const ni = value.notInterested ?? { items: [], tags: [] };
  if (!ni || typeof ni !== 'object') throw new HearthError('import', 'notInterested must be an object { items, tags }');
  const strings = (list, field) => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw new HearthError('import', `${field} must be an array`);
    list.forEach((s, i) => { if (typeof s !== 'string' || s.length === 0 || s.length > MAX_ITEM) throw new HearthError('import', `${field}[${i}] must be a non-empty string, got ${show(s)}`); });
    return list;
  };
  if (value.paused !== undefined && typeof value.paused !== 'boolean') throw new HearthError('import', `paused must be a boolean, got ${show(value.paused)}`);
  return {
    events,
    items: strings(ni.items, 'notInterested.items'),
    tags: strings(ni.tags, 'notInterested.tags'),
    lessTags: strings(ni.lessTags, 'notInterested.lessTags'),  // version 2 and later
    paused: value.paused,
  };
}
