// Several tabs (simulated as stores over the same storage) see each other's events and never
// lose one another's writes: localStorage with 'storage' events, IndexedDB with
// BroadcastChannel, and a shared memory adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { openHistory, createLocalStorageAdapter, createIndexedDBAdapter, createMemoryAdapter } from '../../web/src/history.js';
import { FakeOrigin, waitFor } from './history-fakes.mjs';

const tabsOf = {
  // broadcast off: the 'storage' event alone must be enough.
  localStorage: async () => {
    const origin = new FakeOrigin();
    const open = () => { const t = origin.tab(); return openHistory({ storage: createLocalStorageAdapter({ storage: t.storage, events: t.window }), broadcast: false }); };
    return [await open(), await open()];
  },
  // IndexedDB has no cross-tab event: BroadcastChannel (Node has it) carries the news.
  indexedDB: async () => {
    const factory = new IDBFactory();
    const database = `sync-${Math.random()}`;
    const open = () => openHistory({ storage: createIndexedDBAdapter({ indexedDB: factory, database }) });
    return [await open(), await open()];
  },
  memory: async () => {
    const shared = createMemoryAdapter();
    return [await openHistory({ storage: shared }), await openHistory({ storage: shared })];
  },
};

for (const [name, tabs] of Object.entries(tabsOf)) {
  test(`${name}: concurrent writes from two tabs are all kept`, async () => {
    const [a, b] = await tabs();
    const writes = [];
    for (let i = 0; i < 40; i++) {
      writes.push(a.record({ type: 'view', item: `a${i}`, ts: 1000 + 2 * i, id: `a${i}` }));
      writes.push(b.record({ type: 'click', item: `b${i}`, ts: 1001 + 2 * i, id: `b${i}` }));
    }
    await Promise.all(writes);
    await Promise.all([a.notInterested('x'), b.notInterested({ tag: 'y' }), a.forget('a0'), b.forget('b0')]);
    for (const h of [a, b]) {
      const events = await h.events();
      assert.equal(events.length, 78);
      assert.deepEqual(events.map((e) => e.ts), Array.from({ length: 78 }, (_, i) => 1002 + i));
      assert.deepEqual(await h.notInterestedList(), { items: ['x'], tags: ['y'], lessTags: [] });
    }
    a.close();
    b.close();
  });

  test(`${name}: a tab is told of the other's changes, once, and not of its own`, async () => {
    const [a, b] = await tabs();
    const seenA = [];
    const seenB = [];
    a.subscribe((c) => seenA.push(c.source));
    b.subscribe((c) => seenB.push(c.source));
    await a.record({ type: 'like', item: 'from-a' });
    await waitFor(() => seenB.length === 1, 2000, 'b to hear of a');
    await b.pause();
    await waitFor(() => seenA.length === 2, 2000, 'a to hear of b');
    await new Promise((r) => setTimeout(r, 30));  // let any duplicate notification arrive
    assert.deepEqual(seenA, ['local', 'remote']);
    assert.deepEqual(seenB, ['remote', 'local']);
    assert.equal(a.paused, true, 'pause applies to every tab');
    assert.deepEqual((await a.record({ type: 'view', item: 'z' })).reason, 'paused');
    assert.deepEqual((await b.events()).map((e) => e.item), ['from-a']);
    a.close();
    b.close();
  });
}

test('a tab holding a stale view never overwrites the other tab (no lost update)', async () => {
  const origin = new FakeOrigin();
  const open = () => { const t = origin.tab(); return openHistory({ storage: createLocalStorageAdapter({ storage: t.storage, events: t.window }), broadcast: false }); };
  const a = await open();
  const b = await open();
  await a.events();  // a has read (and cached) the empty history
  await b.record({ type: 'view', item: 'from-b', ts: 1 });
  await a.record({ type: 'view', item: 'from-a', ts: 2 });  // before any storage event reached a
  assert.deepEqual((await b.events()).map((e) => e.item), ['from-b', 'from-a']);
  await b.clear();
  assert.deepEqual(await a.events(), []);
});

test('the same adapter over BroadcastChannel and storage events notifies once', async () => {
  const origin = new FakeOrigin();
  const open = () => { const t = origin.tab(); return openHistory({ storage: createLocalStorageAdapter({ storage: t.storage, events: t.window }) }); };
  const a = await open();
  const b = await open();
  const seen = [];
  b.subscribe((c) => seen.push(c.source));
  await a.record({ type: 'view', item: 'x' });
  await waitFor(() => seen.length >= 1, 2000, 'notification');
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(seen, ['remote']);
  a.close();
  b.close();
});
