// The history store's API on the memory adapter: recording, validation, idempotence,
// forgetting, not-interested, pause, export/import, reports, persistence opt-in, privacy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { HearthError } from '../../web/src/errors.js';
import { openHistory, createMemoryAdapter, EVENT_TYPES } from '../../web/src/history.js';
import { warnings } from './history-fakes.mjs';

const open = (options = {}) => openHistory({ storage: 'memory', ...options });

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof HearthError, `expected HearthError, got ${e}`);
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('records every event type, oldest first by ts, with value and id kept', async () => {
  const h = await open();
  let ts = 1000;
  for (const type of EVENT_TYPES) {
    const r = await h.record(type === 'rate' ? { type, item: `i-${type}`, value: 4.5, ts: ts++ } : { type, item: `i-${type}`, ts: ts++ });
    assert.deepEqual(r, { recorded: true });
  }
  await h.record({ type: 'view', item: 'early', ts: 10, id: 'e1' });
  const events = await h.events();
  assert.equal(events.length, EVENT_TYPES.length + 1);
  assert.deepEqual(events[0], { type: 'view', item: 'early', ts: 10, id: 'e1' });
  assert.deepEqual(events.find((e) => e.type === 'rate'), { type: 'rate', item: 'i-rate', ts: 1004, value: 4.5 });
  assert.deepEqual(events.map((e) => e.ts), [...events.map((e) => e.ts)].sort((a, b) => a - b));
  const before = Date.now();
  await h.record({ type: 'click', item: 'now' });
  const last = (await h.events()).at(-1);
  assert.ok(last.ts >= before && last.ts <= Date.now());
  h.close();
});

test('equal timestamps keep arrival order', async () => {
  const h = await open();
  for (const item of ['a', 'b', 'c']) await h.record({ type: 'view', item, ts: 5 });
  assert.deepEqual((await h.events()).map((e) => e.item), ['a', 'b', 'c']);
});

test('duplicate ids are recorded once', async () => {
  const h = await open();
  assert.deepEqual(await h.record({ type: 'like', item: 'x', id: 'ev-1', ts: 1 }), { recorded: true });
  assert.deepEqual(await h.record({ type: 'like', item: 'x', id: 'ev-1', ts: 2 }), { recorded: false, reason: 'duplicate' });
  assert.equal((await h.events()).length, 1);
});

test('invalid events are rejected with the field named', async () => {
  const h = await open();
  await rejectsWith(h.record(null), 'argument', /event must be an object/);
  await rejectsWith(h.record({ type: 'watch', item: 'a' }), 'argument', /event\.type must be one of/);
  await rejectsWith(h.record({ type: 'view', item: '' }), 'argument', /event\.item/);
  await rejectsWith(h.record({ type: 'view', item: 'a', ts: -1 }), 'argument', /event\.ts/);
  await rejectsWith(h.record({ type: 'view', item: 'a', ts: NaN }), 'argument', /event\.ts/);
  await rejectsWith(h.record({ type: 'rate', item: 'a' }), 'argument', /event\.value is required/);
  await rejectsWith(h.record({ type: 'rate', item: 'a', value: Infinity }), 'argument', /event\.value must be a finite/);
  await rejectsWith(h.record({ type: 'view', item: 'a', id: 7 }), 'argument', /event\.id/);
  assert.equal((await h.events()).length, 0);
  await rejectsWith(openHistory({ storage: 'memory', namespace: 'a b' }), 'argument', /namespace/);
  await rejectsWith(openHistory({ storage: 'memory', maxEvents: 0 }), 'argument', /maxEvents/);
  await rejectsWith(openHistory({ storage: 'floppy' }), 'argument', /storage must be/);
  await rejectsWith(openHistory({ storage: { kind: 'x', get() {} } }), 'argument', /no set\(\)/);
});

test('forget by item id and by predicate', async () => {
  const h = await open();
  await h.record({ type: 'view', item: 'a', ts: 1 });
  await h.record({ type: 'like', item: 'a', ts: 2 });
  await h.record({ type: 'view', item: 'b', ts: 3 });
  await h.record({ type: 'skip', item: 'c', ts: 4 });
  assert.equal(await h.forget('a'), 2);
  assert.equal(await h.forget('nothing'), 0);
  assert.equal(await h.forget((e) => e.type === 'skip'), 1);
  assert.deepEqual((await h.events()).map((e) => e.item), ['b']);
  await rejectsWith(h.forget(async () => true), 'argument', /synchronous/);
  assert.equal((await h.events()).length, 1, 'an async predicate removes nothing');
});

test('not interested: items and tags, idempotent, undo', async () => {
  const h = await open();
  assert.equal(await h.notInterested('x'), true);
  assert.equal(await h.notInterested('x'), false);
  assert.equal(await h.notInterested({ tag: 'Horror' }), true);
  assert.deepEqual(await h.notInterestedList(), { items: ['x'], tags: ['Horror'], lessTags: [] });
  assert.equal(await h.undoNotInterested('x'), true);
  assert.equal(await h.undoNotInterested({ tag: 'Nope' }), false);
  assert.deepEqual(await h.notInterestedList(), { items: [], tags: ['Horror'], lessTags: [] });
  await rejectsWith(h.notInterested({ tag: '' }), 'argument', /tag/);
});

test('not interested in a tag: hidden or shown less, one mode at a time, undo either', async () => {
  const h = await open();
  assert.equal(await h.notInterested({ tag: 'Horror', mode: 'less' }), true);
  assert.equal(await h.notInterested({ tag: 'Horror', mode: 'less' }), false);
  assert.equal(await h.notInterested({ tag: 'Drama' }), true);
  assert.deepEqual(await h.notInterestedList(), { items: [], tags: ['Drama'], lessTags: ['Horror'] });
  // Marking a tag in the other mode moves it.
  assert.equal(await h.notInterested({ tag: 'Horror', mode: 'hide' }), true);
  assert.equal(await h.notInterested({ tag: 'Drama', mode: 'less' }), true);
  assert.deepEqual(await h.notInterestedList(), { items: [], tags: ['Horror'], lessTags: ['Drama'] });
  assert.equal(await h.undoNotInterested({ tag: 'Drama' }), true);
  assert.deepEqual(await h.notInterestedList(), { items: [], tags: ['Horror'], lessTags: [] });
  await rejectsWith(h.notInterested({ tag: 'Comedy', mode: 'never' }), 'argument', /mode must be 'hide' or 'less'/);
  assert.equal((await h.storageReport()).notInterested.tags, 1);
});

test('exports carry tags shown less; version 1 exports (no such tags) still import', async () => {
  const a = await open({ namespace: 'a' });
  await a.notInterested({ tag: 'Horror', mode: 'less' });
  await a.notInterested({ tag: 'Drama' });
  const data = await a.exportData();
  assert.deepEqual(data.notInterested, { items: [], tags: ['Drama'], lessTags: ['Horror'] });
  const b = await open({ namespace: 'b' });
  await b.notInterested({ tag: 'Horror' });
  await b.importData(data);
  assert.deepEqual(await b.notInterestedList(), { items: [], tags: ['Drama'], lessTags: ['Horror'] }, "the export's mode wins");
  const c = await open({ namespace: 'c' });
  await c.importData({ format: 'hearth-history', version: 1, events: [], notInterested: { items: ['x'], tags: ['Horror'] } });
  assert.deepEqual(await c.notInterestedList(), { items: ['x'], tags: ['Horror'], lessTags: [] });
  await rejectsWith(c.importData({ ...data, notInterested: { lessTags: [''] } }), 'import', /notInterested\.lessTags\[0\]/);
});

test('pause stops recording until resume; clear keeps the paused state', async () => {
  const h = await open();
  await h.pause();
  assert.equal(h.paused, true);
  assert.deepEqual(await h.record({ type: 'view', item: 'a' }), { recorded: false, reason: 'paused' });
  await h.clear();
  assert.equal(h.paused, true);
  await h.resume();
  assert.equal(h.paused, false);
  assert.deepEqual(await h.record({ type: 'view', item: 'a' }), { recorded: true });
  await h.notInterested('z');
  await h.clear();
  assert.deepEqual(await h.events(), []);
  assert.deepEqual(await h.notInterestedList(), { items: [], tags: [], lessTags: [] });
});

test('maxEvents drops the oldest, keeps the newest, warns once', async () => {
  const w = warnings();
  const h = await open({ maxEvents: 3, onWarning: w.onWarning });
  for (let t = 1; t <= 6; t++) await h.record({ type: 'view', item: `i${t}`, ts: t * 10 });
  assert.deepEqual((await h.events()).map((e) => e.ts), [40, 50, 60]);
  // A back-dated event is the one just recorded: it is kept, the oldest other one goes.
  await h.record({ type: 'like', item: 'old', ts: 1 });
  assert.deepEqual((await h.events()).map((e) => e.ts), [1, 50, 60]);
  assert.deepEqual(w.codes(), ['capacity']);
  assert.equal((await h.storageReport()).dropped.capacity, 4);
});

test('export and import round-trip; import is idempotent and merges', async () => {
  const a = await open({ namespace: 'a' });
  await a.record({ type: 'rate', item: 'm1', value: 4, ts: 100, id: 'r1' });
  await a.record({ type: 'view', item: 'm2', ts: 200 });
  await a.notInterested({ tag: 'Horror' });
  const data = await a.exportData();
  assert.equal(data.format, 'hearth-history');
  assert.equal(data.version, 2);
  assert.equal(data.namespace, 'a');
  assert.ok(!Number.isNaN(Date.parse(data.exportedAt)));
  assert.equal(data.paused, false);
  assert.deepEqual(data.notInterested, { items: [], tags: ['Horror'], lessTags: [] });

  const b = await open({ namespace: 'b' });
  await b.record({ type: 'click', item: 'm3', ts: 150 });
  assert.deepEqual(await b.importData(JSON.stringify(data)), { imported: 2, skipped: 0, dropped: 0 });
  assert.deepEqual(await b.importData(data), { imported: 0, skipped: 2, dropped: 0 });
  assert.deepEqual((await b.events()).map((e) => e.item), ['m1', 'm3', 'm2']);
  assert.deepEqual(await b.notInterestedList(), { items: [], tags: ['Horror'], lessTags: [] });

  await b.importData({ ...data, paused: true }, { merge: false });
  assert.deepEqual(await b.events(), data.events);
  assert.equal(b.paused, true);
});

test('import validation names the bad field and writes nothing', async () => {
  const h = await open();
  await h.record({ type: 'view', item: 'keep', ts: 1 });
  const base = { format: 'hearth-history', version: 1, events: [] };
  const bad = [
    ['{nope', /not valid JSON/],
    [[], /must be an object/],
    [{ ...base, format: 'other' }, /format must be 'hearth-history'/],
    [{ ...base, version: 9 }, /version 9 is newer/],
    [{ ...base, events: {} }, /events must be an array/],
    [{ ...base, events: [{ type: 'view', item: 'a', ts: 1 }, { type: 'rate', item: 'b', ts: 2, value: 'x' }] }, /events\[1\]\.value/],
    [{ ...base, events: [{ type: 'view', item: 'a' }] }, /events\[0\]\.ts/],
    [{ ...base, notInterested: { items: [3] } }, /notInterested\.items\[0\]/],
    [{ ...base, paused: 'yes' }, /paused must be a boolean/],
  ];
  for (const [input, pattern] of bad) await rejectsWith(h.importData(input), 'import', pattern);
  assert.deepEqual((await h.events()).map((e) => e.item), ['keep']);
});

test('storageReport says what, where and how many bytes', async () => {
  const h = await open({ namespace: 'rep' });
  await h.record({ type: 'view', item: 'a', ts: 1 });
  await h.record({ type: 'view', item: 'a', ts: 2 });
  await h.notInterested('b');
  const r = await h.storageReport();
  assert.equal(r.adapter, 'memory');
  assert.equal(r.namespace, 'rep');
  assert.equal(r.key, 'hearth:history:rep');
  assert.equal(r.events, 2);
  assert.equal(r.items, 1);
  assert.deepEqual(r.notInterested, { items: 1, tags: 0, lessTags: 0 });
  assert.equal(r.schema, 3);
  assert.ok(r.bytes > 20 && r.bytes < 400, `bytes ${r.bytes}`);
  assert.deepEqual(r.quarantined, []);
  assert.match(r.where, /memory/);
  assert.equal(r.persisted, undefined);
});

test('persistence is opt-in: navigator.storage.persist() only on requestPersistence()', async () => {
  const calls = { persist: 0, persisted: 0 };
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: { storage: { persist: async () => { calls.persist++; return true; }, persisted: async () => { calls.persisted++; return calls.persist > 0; } } },
  });
  try {
    const h = await open();
    await h.record({ type: 'view', item: 'a' });
    assert.equal((await h.storageReport()).persisted, false);
    assert.equal(calls.persist, 0);
    assert.equal(await h.requestPersistence(), true);
    assert.equal(calls.persist, 1);
    assert.equal((await h.storageReport()).persisted, true);
  } finally {
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete globalThis.navigator;
  }
  const h = await open();
  assert.equal(await h.requestPersistence(), false, 'false where unsupported');
});

test('subscribe fires after local changes; unsubscribe and close stop it', async () => {
  const h = await open();
  const seen = [];
  const off = h.subscribe((c) => seen.push(`${c.source}:${c.type}`));
  await h.record({ type: 'view', item: 'a' });
  await h.notInterested('b');
  await h.record({ type: 'view', item: 'a', id: 'x' });
  await h.record({ type: 'view', item: 'a', id: 'x' });  // duplicate: no change, no event
  off();
  await h.forget('a');
  assert.deepEqual(seen, ['local:record', 'local:notInterested', 'local:record']);
  h.close();
  await rejectsWith(h.record({ type: 'view', item: 'a' }), 'disposed');
});

test("'memory' is private per store; a shared adapter is shared", async () => {
  const a = await open();
  const b = await open();
  await a.record({ type: 'view', item: 'a' });
  assert.equal((await b.events()).length, 0);
  const shared = createMemoryAdapter();
  const c = await openHistory({ storage: shared });
  const d = await openHistory({ storage: shared });
  await c.record({ type: 'view', item: 'a' });
  assert.equal((await d.events()).length, 1);
});

test('never touches the network', async () => {
  const dir = new URL('../../web/src/', import.meta.url);
  const files = ['history.js', ...readdirSync(new URL('storage/', dir)).map((f) => `storage/${f}`)];
  for (const f of files) {
    // Code only: JSDoc types say import('...') without loading anything.
    const text = readFileSync(new URL(f, dir), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(text, /\b(fetch|XMLHttpRequest|sendBeacon|WebSocket|EventSource|import\s*\()/, f);
  }
  const saved = globalThis.fetch;
  globalThis.fetch = () => { throw new Error('network used'); };
  try {
    const h = await open();
    await h.record({ type: 'view', item: 'a' });
    await h.importData(await h.exportData());
    await h.storageReport();
  } finally {
    globalThis.fetch = saved;
  }
});
