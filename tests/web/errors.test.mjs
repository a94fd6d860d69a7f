// Every failure is a HearthError with a documented code, and a failed open or a refused call
// leaves the WebAssembly heap as it was. Hostile bundles are built here from real ones: sound
// containers (valid checksums) whose contents are bad.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRecommender, HearthError, ERROR_CODES } from '../../web/src/index.js';
import { openEngine } from '../../web/src/engine.js';
import { loadModule } from '../../web/src/module.js';
import { trainedBundle } from './helpers.mjs';
import { xxh64, readSections, writeSections, editBundle, f32Of, jsonSection, duplicateId, DTYPE } from './bundle-edit.mjs';

const bytesOf = (model) => new Uint8Array(readFileSync(trainedBundle(model).bundle));
const section = (sections, name) => {
  const s = sections.find((x) => x.name === name);
  assert.ok(s, `the bundle has a section ${name}`);
  return s;
};

async function rejects(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof HearthError, `a HearthError, got ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
    assert.ok(Object.hasOwn(ERROR_CODES, e.code), `documented code, got ${e.code}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('the test bundle editor: XXH64 known answers and an exact round trip of a real bundle', () => {
  const text = (s) => new TextEncoder().encode(s);
  assert.equal(xxh64(text('')), 0xEF46DB3751D8E999n);
  assert.equal(xxh64(text('a')), 0xD24EC4F1A98C6E5Bn);
  assert.equal(xxh64(text('abc')), 0x44BC2CF5AD770999n);
  assert.equal(xxh64(text('Nobody inspects the spammish repetition')), 0xFBCEA83C8A378BF1n);
  for (const model of ['als', 'sasrec']) {
    const bytes = bytesOf(model);
    assert.deepEqual(writeSections(readSections(bytes)), bytes, `${model}: rewritten byte for byte`);
  }
});

test('a meta section that is not JSON, or not a JSON object, or of the wrong dtype: HearthError(bundle)', async () => {
  const bytes = bytesOf('als');
  const replaceMeta = (make) => editBundle(bytes, (s) => { s[s.findIndex((x) => x.name === 'meta')] = make(); });
  await rejects(openEngine({ bundle: replaceMeta(() => jsonSection('meta', '{"model": ')) }), 'bundle', /meta.*not valid JSON/);
  await rejects(openEngine({ bundle: replaceMeta(() => jsonSection('meta', '[1, 2]')) }), 'bundle', /meta.*not a JSON object/);
  await rejects(openEngine({ bundle: replaceMeta(() => ({ name: 'meta', dtype: DTYPE.f32, rows: 1, cols: 1, payload: new Uint8Array(4) })) }),
    'bundle', /meta/);
  // Also through createRecommender, which opens a history store beside the engine.
  await rejects(createRecommender({ bundle: replaceMeta(() => jsonSection('meta', 'nope')), storage: 'memory' }), 'bundle', /meta/);
});

test('a bundle with a non-finite weight or a duplicate id is refused at open, naming the section and index', async () => {
  const cases = [
    ['als', 'mf.factors', (s) => { f32Of(s)[37] = NaN; }, /mf\.factors.*37|37.*mf\.factors/],
    ['als', 'mf.factors', (s) => { f32Of(s)[5] = Infinity; }, /mf\.factors/],
    ['als', 'mf.factors', (s) => { f32Of(s)[9] = 3e38; }, /mf\.factors/],
    ['sasrec', 'sasrec.item_emb', (s) => { f32Of(s)[100] = -Infinity; }, /sasrec\.item_emb/],
  ];
  for (const [model, name, spoil, pattern] of cases) {
    const bad = editBundle(bytesOf(model), (sections) => spoil(section(sections, name)));
    await rejects(openEngine({ bundle: bad }), 'bundle', pattern);
  }
  // Two items with the same id: the second becomes a copy of the first.
  const dup = editBundle(bytesOf('als'), (sections) => duplicateId(sections));
  await rejects(openEngine({ bundle: dup }), 'bundle', /catalog\.id/);
});

test('thousands of failed opens leave the wasm heap where it was', async () => {
  const module = await loadModule();
  const good = bytesOf('als');
  const bad = [
    editBundle(good, (s) => { s[s.findIndex((x) => x.name === 'meta')] = jsonSection('meta', '{'); }),  // fails in JS, after the engine opened
    editBundle(good, (s) => { s[s.findIndex((x) => x.name === 'meta')] = { name: 'meta', dtype: DTYPE.u32, rows: 1, cols: 1, payload: new Uint8Array(4) }; }),
    editBundle(good, (s) => { f32Of(section(s, 'mf.factors'))[0] = NaN; }),
    (() => { const b = good.slice(); b[b.length - 1] ^= 0xff; return b; })(),  // a payload checksum
    editBundle(good, (s) => { s.splice(s.findIndex((x) => x.name === 'catalog.popularity'), 1); }),
  ];
  const openAll = async (rounds) => {
    for (let r = 0; r < rounds; r++) {
      for (const bundle of bad) {
        await assert.rejects(openEngine({ bundle }), (e) => e instanceof HearthError && e.code === 'bundle');
      }
    }
  };
  await openAll(2);  // first use of every path
  const inUse = module.heapBytesInUse();
  const size = module.HEAPU8.buffer.byteLength;
  await openAll(400);  // 2,000 failed opens
  assert.equal(module.heapBytesInUse(), inUse, 'bytes allocated in the wasm heap');
  assert.equal(module.HEAPU8.buffer.byteLength, size, 'wasm memory size');
  // And a good bundle opens and disposes without leaving anything behind.
  for (let r = 0; r < 50; r++) (await openEngine({ bundle: good })).dispose();
  assert.equal(module.heapBytesInUse(), inUse);
});

test('bad recommend() inputs are HearthError(argument) and never wrap or reach the solver', async () => {
  const rec = await openEngine({ bundle: trainedBundle('als').bundle });
  try {
    const id = rec.catalog()[0].id;
    const other = rec.catalog()[1].id;
    const module = rec._module;
    // k beyond the catalog asks for all of it: 2^32 must not wrap to 0.
    assert.equal((await rec.recommend([id], { k: 2 ** 32, reasons: 0 })).length, rec.size - 1);
    assert.equal((await rec.recommend([id], { k: 2 ** 32 + 3, reasons: 0 })).length, rec.size - 1);
    assert.equal((await rec.similar(id, { k: 2 ** 32 + 1 })).length, rec.size - 1);
    await rec.explain([id, other], id);
    const before = module.heapBytesInUse();  // after every workspace has been sized
    await rejects(rec.recommend([id], { k: 2 ** 53 }), 'argument', /k must be/);
    await rejects(rec.recommend([id], { k: -1 }), 'argument', /k must be/);
    await rejects(rec.recommend([id], { k: 1.5 }), 'argument', /k must be/);
    await rejects(rec.recommend([id], { reasons: NaN }), 'argument', /reasons must be/);
    // null, holes and non-objects in a history.
    await rejects(rec.recommend([id, null]), 'argument', /history\[1\]/);
    await rejects(rec.recommend([id, , other]), 'argument', /history\[1\].*hole/);  // eslint-disable-line no-sparse-arrays
    await rejects(rec.recommend([42]), 'argument', /history\[0\]/);
    await rejects(rec.explain([undefined], id), 'argument', /history\[0\]/);
    // exclude must be ids, as avoid must.
    await rejects(rec.recommend([id], { exclude: [5] }), 'argument', /exclude\[0\]/);
    await rejects(rec.recommend([id], { exclude: 'x' }), 'argument', /exclude must be/);
    // Values that overflow the float32 solve, or that make an implicit model's system indefinite.
    await rejects(rec.recommend([{ id, value: 3e38 }]), 'argument', /history\[0\].*magnitude/);
    await rejects(rec.recommend([{ id, value: -2 }]), 'argument', /history\[0\].*>= 0/);
    await rejects(rec.explain([{ id: other, value: -1e7 }], id), 'argument', /history\[0\]/);
    await rejects(rec.recommend([id], null), 'argument', /options/);
    assert.equal(module.heapBytesInUse(), before, 'refused calls allocate nothing');
  } finally {
    rec.dispose();
  }
  // An explicit-rating model takes negative ratings (scales differ), but not huge ones.
  const bmf = await openEngine({ bundle: trainedBundle('bmf').bundle });
  try {
    const id = bmf.catalog()[0].id;
    const list = await bmf.recommend([{ id, value: -2 }], { k: 5 });
    assert.equal(list.length, 5);
    for (const r of list) assert.ok(Number.isFinite(r.score));
    await rejects(bmf.recommend([{ id, value: -3e38 }]), 'argument', /magnitude/);
  } finally {
    bmf.dispose();
  }
});

test('stored events with values the engine refuses are left out of the model input, not fatal', async () => {
  const rec = await createRecommender({ bundle: trainedBundle('als').bundle, storage: 'memory' });
  try {
    const [a, b] = rec.catalog();
    await rec.record({ type: 'view', item: a.id, value: -5, ts: 1 });
    await rec.record({ type: 'view', item: b.id, value: 1e30, ts: 2 });
    await rec.record({ type: 'like', item: b.id, ts: 3 });
    const list = await rec.recommend({ k: 5 });
    assert.equal(list.length, 5);
    for (const r of list) {
      assert.ok(Number.isFinite(r.score));
      for (const reason of r.because) assert.equal(reason.id, b.id, 'only the usable event is evidence');
    }
  } finally {
    await rec.dispose();
  }
});

test('every HearthError code is documented, and an undocumented one becomes internal', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.equal(new HearthError(code, 'x').code, code);
  const e = new HearthError('data', 'from somewhere');
  assert.equal(e.code, 'internal');
  assert.match(e.message, /from somewhere.*'data'/);
  const dts = readFileSync(new URL('../../web/index.d.ts', import.meta.url), 'utf8');
  const union = dts.match(/export type HearthErrorCode =([^;]+);/)[1];
  assert.deepEqual(new Set([...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1])), new Set(Object.keys(ERROR_CODES)));
});
