// Versions, migrations, damaged values and quota: the stored history is never silently lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { HearthError } from '../../web/src/errors.js';
import { openHistory, createLocalStorageAdapter, createIndexedDBAdapter, createMemoryAdapter } from '../../web/src/history.js';
import { FakeOrigin, warnings } from './history-fakes.mjs';

const KEY = 'hearth:history:default';

function local(quota = Infinity) {
  const origin = new FakeOrigin(quota);
  const tab = origin.tab();
  return { origin, storage: tab.storage, adapter: () => createLocalStorageAdapter({ storage: tab.storage, events: tab.window }) };
}

const v1 = {
  app: 'hearth',
  schema: 1,
  events: [
    { type: 'view', itemId: 'a', timestamp: 1000, value: null, eventId: null },
    { type: 'rate', itemId: 'b', timestamp: 2000, value: 4, eventId: 'r-1' },
    { type: 'view', itemId: 'a', timestamp: 3000 },
  ],
  notInterested: ['c'],
  paused: false,
};

test('a schema 1 value is migrated to the current schema on open, losing nothing', async () => {
  const { storage, adapter } = local();
  storage.setItem(KEY, JSON.stringify(v1));
  const w = warnings();
  const h = await openHistory({ storage: adapter(), onWarning: w.onWarning, broadcast: false });
  assert.deepEqual(w.codes(), ['migrated']);
  assert.deepEqual(await h.events(), [
    { type: 'view', item: 'a', ts: 1000 },
    { type: 'rate', item: 'b', ts: 2000, value: 4, id: 'r-1' },
    { type: 'view', item: 'a', ts: 3000 },
  ]);
  assert.deepEqual(await h.notInterestedList(), { items: ['c'], tags: [], lessTags: [] });
  const stored = JSON.parse(storage.getItem(KEY));
  assert.equal(stored.hearth, 3);
  assert.deepEqual(stored.i, ['a', 'b']);
  assert.ok(storage.getItem(KEY).length < JSON.stringify(v1).length);
  assert.deepEqual((await h.record({ type: 'rate', item: 'b', value: 1, id: 'r-1' })).reason, 'duplicate', 'migrated ids still dedupe');
});

test('a schema 2 value (hidden tags only) is migrated to schema 3: its tags stay hidden', async () => {
  const { storage, adapter } = local();
  const v2 = { hearth: 2, r: 'x', t0: 1000, i: ['a'], e: [[0, 0, 0], [2, 0, 5]], ni: ['b'], nt: ['Horror'], p: 1 };
  storage.setItem(KEY, JSON.stringify(v2));
  const w = warnings();
  const h = await openHistory({ storage: adapter(), onWarning: w.onWarning, broadcast: false });
  assert.deepEqual(w.codes(), ['migrated']);
  assert.deepEqual(await h.events(), [{ type: 'view', item: 'a', ts: 1000 }, { type: 'like', item: 'a', ts: 1005 }]);
  assert.deepEqual(await h.notInterestedList(), { items: ['b'], tags: ['Horror'], lessTags: [] });
  assert.equal(h.paused, true);
  await h.resume();
  await h.notInterested({ tag: 'Drama', mode: 'less' });
  const stored = JSON.parse(storage.getItem(KEY));
  assert.equal(stored.hearth, 3);
  assert.deepEqual([stored.nt, stored.nl], [['Horror'], ['Drama']]);
});

test('a schema 1 value with a damaged event migrates the rest and quarantines that event', async () => {
  const { storage, adapter } = local();
  storage.setItem(KEY, JSON.stringify({ ...v1, events: [...v1.events, { type: 'view', itemId: 42, timestamp: 5 }] }));
  const w = warnings();
  const h = await openHistory({ storage: adapter(), onWarning: w.onWarning, broadcast: false });
  assert.equal((await h.events()).length, 3);
  assert.ok(w.codes().includes('corrupt'));
  const [q] = (await h.storageReport()).quarantined;
  assert.deepEqual(JSON.parse(storage.getItem(q.key)).entries[0].entry, { type: 'view', itemId: 42, timestamp: 5 });
});

const damaged = {
  'bad JSON': '{"hearth":2,"e":[[0,0,',
  'foreign JSON value': JSON.stringify({ theme: 'dark' }),
  'JSON that is not an object': '"hello"',
  'wrong shape': JSON.stringify({ hearth: 2, i: 'a', e: [] }),
  'v1 without events': JSON.stringify({ app: 'hearth', schema: 1 }),
};

for (const [what, raw] of Object.entries(damaged)) {
  test(`${what} is quarantined; that namespace starts clean, others are untouched`, async () => {
    const { storage, adapter } = local();
    const good = await openHistory({ storage: adapter(), namespace: 'good', broadcast: false });
    await good.record({ type: 'like', item: 'keep-me', ts: 1 });
    storage.setItem(KEY, raw);
    storage.setItem('unrelated-app-key', 'x');
    const w = warnings();
    const h = await openHistory({ storage: adapter(), onWarning: w.onWarning, broadcast: false });
    assert.deepEqual(w.codes(), ['corrupt']);
    assert.equal(w.list[0].key, KEY);
    assert.deepEqual(await h.events(), []);
    await h.record({ type: 'view', item: 'new', ts: 2 });
    assert.deepEqual((await h.events()).map((e) => e.item), ['new']);
    const report = await h.storageReport();
    assert.equal(report.quarantined.length, 1);
    assert.equal(report.quarantined[0].key, w.list[0].quarantineKey);
    const kept = JSON.parse(storage.getItem(report.quarantined[0].key));
    assert.equal(kept.value, raw, 'the damaged value is kept byte for byte');
    assert.equal(kept.namespace, 'default');
    assert.deepEqual((await good.events()).map((e) => e.item), ['keep-me']);
    assert.equal(storage.getItem('unrelated-app-key'), 'x');
    assert.equal(await h.clearQuarantine(), 1);
    assert.deepEqual((await h.storageReport()).quarantined, []);
  });
}

test('damaged entries are quarantined one by one; the rest of the history stays', async () => {
  const { storage, adapter } = local();
  storage.setItem(KEY, JSON.stringify({
    hearth: 2, r: 'x', t0: 1000, i: ['a', 'b'],
    e: [[0, 0, 0], [9, 0, 1], [1, 5, 2], [4, 1, 3], [4, 1, 4, 5], [2, 1, 'soon'], [1, 1, 6, null, 'id-1']],
    ni: ['z', 7],
  }));
  const w = warnings();
  const h = await openHistory({ storage: adapter(), onWarning: w.onWarning, broadcast: false });
  assert.deepEqual(await h.events(), [
    { type: 'view', item: 'a', ts: 1000 },
    { type: 'rate', item: 'b', ts: 1004, value: 5 },
    { type: 'click', item: 'b', ts: 1006, id: 'id-1' },
  ]);
  assert.deepEqual(await h.notInterestedList(), { items: ['z'], tags: [], lessTags: [] });
  assert.deepEqual(w.codes(), ['corrupt']);
  const q = JSON.parse(storage.getItem(w.list[0].quarantineKey));
  assert.deepEqual(q.entries.map((b) => b.reason), ['unknown type code', 'bad item index', 'rating without value', 'bad time', 'not a non-empty string']);
});

test('IndexedDB: a non-string value under our key is quarantined too', async () => {
  const factory = new IDBFactory();
  const adapter = createIndexedDBAdapter({ indexedDB: factory });
  await adapter.update(KEY, () => /** @type {any} */ ({ some: 'object' }));
  const w = warnings();
  const h = await openHistory({ storage: adapter, onWarning: w.onWarning, broadcast: false });
  assert.deepEqual(w.codes(), ['corrupt']);
  await h.record({ type: 'view', item: 'a' });
  assert.equal((await h.events()).length, 1);
  assert.equal((await h.storageReport()).quarantined.length, 1);
});

test('a value from a newer schema is left untouched and open fails clearly', async () => {
  const { storage, adapter } = local();
  const future = JSON.stringify({ hearth: 4, whatever: true });
  storage.setItem(KEY, future);
  await assert.rejects(openHistory({ storage: adapter(), broadcast: false }), (e) => e instanceof HearthError && e.code === 'storage' && /newer Hearth/.test(e.message));
  assert.equal(storage.getItem(KEY), future);
});

test('quota: old events are compacted away, the newest is always kept, and it is reported', async () => {
  const { origin, storage, adapter } = local(6000);
  storage.setItem('someone-else', 'x'.repeat(1000));  // other data on the origin is never touched
  const w = warnings();
  const h = await openHistory({ storage: adapter(), onWarning: w.onWarning, broadcast: false });
  let last;
  for (let i = 0; i < 600; i++) {
    last = { type: i % 4 === 0 ? 'like' : 'view', item: `item-${i % 40}`, ts: 1_000_000 + i * 1000, id: `e${i}` };
    assert.deepEqual(await h.record(last), { recorded: true });
  }
  const events = await h.events();
  assert.deepEqual(events.at(-1), last, 'the newest event is there');
  assert.ok(events.length < 600 && events.length > 50, `${events.length} events kept`);
  assert.ok(origin.used() <= 6000);
  assert.equal(storage.getItem('someone-else').length, 1000);
  assert.ok(w.codes().includes('quota'));
  const report = await h.storageReport();
  assert.ok(report.dropped.quota > 0);
  assert.equal(report.dropped.quota + events.length, 600);
  // Repeated views merge first: each item's last view survives longer than older ones.
  const views = events.filter((e) => e.type === 'view');
  assert.ok(new Set(views.map((e) => e.item)).size >= views.length / 2);
});

test('quota: when not even the newest event fits, the call fails and nothing is written', async () => {
  const { storage, adapter } = local(300);
  const h = await openHistory({ storage: adapter(), broadcast: false });
  await h.record({ type: 'view', item: 'small', ts: 1 });
  const before = storage.getItem(KEY);
  await assert.rejects(h.record({ type: 'view', item: 'x'.repeat(400), ts: 2 }), (e) => e instanceof HearthError && e.code === 'storage' && /full/.test(e.message));
  assert.equal(storage.getItem(KEY), before);
});

test('quota on an async adapter (the IndexedDB path) retries with compaction too', async () => {
  const w = warnings();
  const h = await openHistory({ storage: createMemoryAdapter({ quotaBytes: 8000 }), onWarning: w.onWarning });
  for (let i = 0; i < 300; i++) await h.record({ type: 'click', item: `i${i}`, ts: i });
  const events = await h.events();
  assert.equal(events.at(-1).item, 'i299');
  assert.ok(w.codes().includes('quota'));
});

test('a damaged value that fills the storage is still quarantined', async () => {
  const { storage, adapter } = local(3000);
  const raw = '{' + 'x'.repeat(2500);
  storage.setItem(KEY, raw);
  const w = warnings();
  const h = await openHistory({ storage: adapter(), onWarning: w.onWarning, broadcast: false });
  assert.equal(JSON.parse(storage.getItem(w.list[0].quarantineKey)).value, raw);
  assert.equal((await h.events()).length, 0);
});
