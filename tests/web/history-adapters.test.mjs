// The same behaviour over every adapter: memory, localStorage (a fake Storage), IndexedDB
// (fake-indexeddb) and a custom adapter; data survives reopening; the encoding is compact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { openHistory, createMemoryAdapter, createLocalStorageAdapter, createIndexedDBAdapter } from '../../web/src/history.js';
import { FakeOrigin } from './history-fakes.mjs';

function customAdapter() {
  // What a user-written adapter needs: five methods over strings, update atomic.
  const map = new Map();
  return {
    kind: 'custom',
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => { map.set(k, v); },
    remove: async (k) => { map.delete(k); },
    keys: async (p) => [...map.keys()].filter((k) => k.startsWith(p)),
    update: async (k, fn) => { const next = fn(map.get(k) ?? null); if (next === null) map.delete(k); else if (next !== undefined) map.set(k, next); },
    map,
  };
}

const backends = {
  memory: () => { const a = createMemoryAdapter(); return () => a; },
  localStorage: () => { const tab = new FakeOrigin().tab(); return () => createLocalStorageAdapter({ storage: tab.storage, events: tab.window }); },
  indexedDB: () => { const factory = new IDBFactory(); return () => createIndexedDBAdapter({ indexedDB: factory }); },
  custom: () => { const a = customAdapter(); return () => a; },
};

for (const [name, backend] of Object.entries(backends)) {
  test(`${name}: full round trip, survives reopening, namespaces are separate`, async () => {
    const adapter = backend();
    const h = await openHistory({ storage: adapter(), broadcast: false });
    await h.record({ type: 'rate', item: 'm1', value: 3.5, ts: 1000, id: 'a' });
    await h.record({ type: 'view', item: 'm2', ts: 2000 });
    await h.record({ type: 'purchase', item: 'm1', ts: 3000, value: 2 });
    assert.deepEqual((await h.record({ type: 'view', item: 'm9', id: 'a' })).reason, 'duplicate');
    await h.notInterested({ tag: 'Drama' });
    await h.pause();
    const other = await openHistory({ storage: adapter(), namespace: 'other', broadcast: false });
    await other.record({ type: 'skip', item: 'zz', ts: 5 });
    h.close();
    other.close();

    const again = await openHistory({ storage: adapter(), broadcast: false });
    assert.deepEqual(await again.events(), [
      { type: 'rate', item: 'm1', ts: 1000, value: 3.5, id: 'a' },
      { type: 'view', item: 'm2', ts: 2000 },
      { type: 'purchase', item: 'm1', ts: 3000, value: 2 },
    ]);
    assert.equal(again.paused, true);
    assert.deepEqual(await again.notInterestedList(), { items: [], tags: ['Drama'], lessTags: [] });
    assert.equal(await again.forget('m1'), 2);
    const report = await again.storageReport();
    assert.equal(report.adapter, name);
    assert.equal(report.events, 1);
    assert.ok(report.bytes > 0);
    const third = await openHistory({ storage: adapter(), namespace: 'other', broadcast: false });
    assert.deepEqual((await third.events()).map((e) => e.item), ['zz']);
    again.close();
    third.close();
  });
}

test('the stored value is compact: interned items, time offsets, short keys', async () => {
  const tab = new FakeOrigin().tab();
  const h = await openHistory({ storage: createLocalStorageAdapter({ storage: tab.storage, events: tab.window }), broadcast: false });
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 1000; i++) await h.record({ type: i % 3 ? 'view' : 'click', item: `movie-${i % 50}`, ts: t0 + i * 60_000 });
  const raw = tab.storage.getItem('hearth:history:default');
  const value = JSON.parse(raw);
  assert.equal(value.hearth, 3);
  assert.equal(value.i.length, 50);
  assert.deepEqual(value.e[1], [0, 1, 60_000]);
  const verbose = JSON.stringify((await h.events()));
  assert.ok(raw.length * 3 < verbose.length, `compact ${raw.length} chars vs verbose ${verbose.length}`);
  assert.ok(raw.length / 1000 < 20, `${raw.length / 1000} chars per event`);
});

test('IndexedDB adapter stores strings in one object store and lists keys by prefix', async () => {
  const factory = new IDBFactory();
  const a = createIndexedDBAdapter({ indexedDB: factory, database: 'db1' });
  await a.set('hearth:x', '1');
  await a.set('other', '2');
  assert.deepEqual(await a.keys('hearth:'), ['hearth:x']);
  assert.equal(await a.update('hearth:x', (v) => `${v}1`), '11');
  assert.equal(await a.get('hearth:x'), '11');
  await assert.rejects(a.update('hearth:x', () => { throw new Error('boom'); }), /boom/);
  assert.equal(await a.get('hearth:x'), '11', 'a throwing update writes nothing');
  await a.update('hearth:x', () => null);
  assert.equal(await a.get('hearth:x'), null);
  // Several keys in one transaction (how a localStorage history is moved in with its marker).
  await a.set('hearth:y', 'y');
  assert.deepEqual(await a.updateMany(['hearth:y', 'hearth:z', 'other'], ([y, z, o]) => [`${y}!`, z === null ? 'z' : undefined, o === '2' ? null : undefined]), ['y!', 'z', null]);
  assert.deepEqual([await a.get('hearth:y'), await a.get('hearth:z'), await a.get('other')], ['y!', 'z', null]);
  await assert.rejects(a.updateMany(['hearth:y', 'hearth:z'], () => { throw new Error('boom'); }), /boom/);
  assert.deepEqual([await a.get('hearth:y'), await a.get('hearth:z')], ['y!', 'z'], 'a throwing updateMany writes nothing');
  await a.close();
});
