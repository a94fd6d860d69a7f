// importData(): a hostile export (values nested thousands of levels deep) is a clear
// HearthError('import'), not a RangeError; a large export in any order imports in about
// n log n time and gives exactly what inserting its events one by one would give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHistory, createMemoryAdapter } from '../../web/src/history.js';

const exportOf = (events, extra = {}) => ({ format: 'hearth-history', version: 2, events, ...extra });

function nested(depth, leaf = 1) {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, 'HearthError', `${e.name}: ${e.message}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

test('deeply nested values are rejected with HearthError(import) naming where, as objects and as JSON text', async () => {
  const h = await openHistory({ storage: 'memory' });
  const deep = nested(200_000);
  const deepText = `${'['.repeat(200_000)}1${']'.repeat(200_000)}`;
  const cases = [
    [exportOf([deep]), /events\[0\].*nested/],
    [exportOf([{ type: 'view', item: 'a', ts: 1, value: deep }]), /events\[0\].*nested/],
    [exportOf([], { notInterested: { items: [deep] } }), /notInterested\.items.*nested/],
    [`{"format":"hearth-history","version":2,"events":[${deepText}]}`, /events\[0\].*nested/],
    [`{"format":"hearth-history","version":2,"events":[{"type":"view","item":${deepText},"ts":1}]}`, /events\[0\].*nested/],
  ];
  for (const [input, pattern] of cases) await rejectsWith(h.importData(input), 'import', pattern);
  // Moderately nested junk is still named by the field check, with a short rendering.
  await rejectsWith(h.importData(exportOf([nested(10)])), 'import', /events\[0\] must be an object, got \[\[\[/);
  // A cyclic object is not followed forever.
  const cyclic = { type: 'view', item: 'a', ts: 1 };
  cyclic.self = cyclic;
  assert.deepEqual(await h.importData(exportOf([cyclic])), { imported: 1, skipped: 0, dropped: 0 });
  assert.deepEqual(await h.events(), [{ type: 'view', item: 'a', ts: 1 }]);
});

// What importData() promises, written the slow, obvious way: each event in export order is
// skipped if its id (or, without an id, its whole content) is already there, else inserted
// after every stored event with the same or an earlier time.
function reference(stored, incoming) {
  const out = stored.map((e) => ({ ...e }));
  const key = (e) => JSON.stringify([e.type, e.item, e.ts, e.value ?? null, e.id ?? null]);
  let imported = 0;
  for (const e of incoming) {
    if (e.id !== undefined ? out.some((x) => x.id === e.id) : out.some((x) => key(x) === key(e))) continue;
    let at = out.length;
    while (at > 0 && out[at - 1].ts > e.ts) at--;
    out.splice(at, 0, { ...e });
    imported++;
  }
  return { events: out, imported, skipped: incoming.length - imported };
}

test('importing in any order equals inserting one by one (random exports with ties, ids, duplicates)', async () => {
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const types = ['view', 'click', 'like', 'rate'];
  const event = () => {
    const e = { type: types[rand(4)], item: `i${rand(30)}`, ts: 1000 + rand(200) };
    if (e.type === 'rate' || rand(3) === 0) e.value = rand(5) + 1;
    if (rand(2) === 0) e.id = `id${rand(400)}`;
    return e;
  };
  for (let round = 0; round < 20; round++) {
    const storedEvents = Array.from({ length: rand(300) }, event);
    const incoming = Array.from({ length: 1 + rand(1500) }, event);
    const h = await openHistory({ storage: createMemoryAdapter(), maxEvents: 100_000 });
    const want0 = reference([], storedEvents);
    await h.importData(exportOf(storedEvents));
    assert.deepEqual(await h.events(), want0.events);
    const want = reference(want0.events, incoming);
    const got = await h.importData(exportOf(incoming));
    assert.deepEqual(got, { imported: want.imported, skipped: want.skipped, dropped: 0 }, `round ${round}`);
    assert.deepEqual(await h.events(), want.events, `round ${round}`);
    h.close();
  }
});

test('100,000 newest-first events import in well under a second (loosely: < 5 s) and in time order', async () => {
  const n = 100_000;
  const t0 = 1_700_000_000_000;
  const events = Array.from({ length: n }, (_, i) => ({ type: i % 5 ? 'view' : 'like', item: `item-${i % 3000}`, ts: t0 - i * 1000, ...(i % 2 ? { id: `e${i}` } : {}) }));
  const h = await openHistory({ storage: createMemoryAdapter(), maxEvents: 200_000 });
  await h.record({ type: 'click', item: 'before', ts: t0 - 50_000 * 1000 });  // lands in the middle
  const start = performance.now();
  const result = await h.importData(JSON.stringify(exportOf(events)));
  const ms = performance.now() - start;
  assert.deepEqual(result, { imported: n, skipped: 0, dropped: 0 });
  assert.ok(ms < 5000, `import took ${ms.toFixed(0)} ms`);
  const stored = await h.events();
  // Every ts is distinct except the recorded event's, which was there first: the reference
  // is a stable sort of [recorded, ...imported].
  const want = [{ type: 'click', item: 'before', ts: t0 - 50_000 * 1000 }, ...events]
    .map((e, i) => [e, i]).sort((a, b) => a[0].ts - b[0].ts || a[1] - b[1]).map(([e]) => e);
  assert.deepEqual(stored, want);
  // Importing it again skips everything, also quickly.
  const again = performance.now();
  assert.deepEqual(await h.importData(exportOf(events)), { imported: 0, skipped: n, dropped: 0 });
  assert.ok(performance.now() - again < 5000);
});
