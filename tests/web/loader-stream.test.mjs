// Loading into a destination (the WebAssembly heap in the library): a file, a download of
// known length and a cached copy are written there as they arrive and never held whole in
// JS; what cannot be streamed (a compressed download) comes back as bytes, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadBundle, CACHE_NAME } from '../../web/src/loader.js';
import { createRecommender } from '../../web/src/index.js';
import { hearth, trainedBundle } from './helpers.mjs';
import { serve, memoryCaches } from './server.mjs';

const { bundle } = trainedBundle('als');
const bytes = new Uint8Array(readFileSync(bundle));
const sri = (data) => `sha256-${createHash('sha256').update(data).digest('base64')}`;

// A stand-in for the heap: each reservation replaces the last; writes are recorded.
function destination() {
  const d = { sizes: [], memory: null, writes: 0 };
  d.into = async (size) => {
    const memory = new Uint8Array(size);
    d.memory = memory;
    d.sizes.push(size);
    return { write: (chunk, at) => { memory.set(chunk, at); d.writes++; }, bytes: () => memory };
  };
  return d;
}

test('a file is read into the destination, once, in chunks', async () => {
  const d = destination();
  const got = await loadBundle(bundle, {}, d.into);
  assert.equal(got, d.memory, 'the destination itself comes back');
  assert.deepEqual(got, bytes);
  assert.deepEqual(d.sizes, [bytes.length]);
  // Integrity over the destination's bytes (in Node without copying them).
  assert.equal(await loadBundle(bundle, { integrity: sri(bytes) }, d.into), d.memory);
  await assert.rejects(loadBundle(bundle, { integrity: sri(bytes.subarray(1)) }, destination().into), (e) => e.code === 'integrity');
  await assert.rejects(loadBundle('/no/such/file.hearth', {}, destination().into), (e) => e.code === 'io' && /no\/such\/file/.test(e.message));
});

test('a download of known length streams into the destination; a compressed one comes back as bytes', async () => {
  const html = new TextEncoder().encode('<!doctype html><p>not found</p>');
  const server = await serve({
    '/a.hearth': { body: bytes },
    '/gz.hearth': { body: gzipSync(bytes), headers: { 'content-encoding': 'gzip' } },
    '/spa.hearth': { body: html, headers: { 'content-type': 'text/html' } },
  });
  try {
    const d = destination();
    const events = [];
    const got = await loadBundle(server.url('/a.hearth'), { cache: false, onProgress: (p) => events.push(p) }, d.into);
    assert.equal(got, d.memory);
    assert.deepEqual(got, bytes);
    assert.ok(d.writes >= 2, 'written chunk by chunk');
    assert.deepEqual(events.at(-1), { loaded: bytes.length, total: bytes.length });

    const z = destination();
    const unzipped = await loadBundle(server.url('/gz.hearth'), { cache: false }, z.into);
    assert.deepEqual(unzipped, bytes);
    assert.deepEqual(z.sizes, [], 'no reservation without a known length');

    await assert.rejects(loadBundle(server.url('/spa.hearth'), { cache: false }, destination().into),
      (e) => e.code === 'bundle' && /HTML page/.test(e.message));
  } finally {
    await server.close();
  }
});

test('streamed downloads are cached as they arrive, reused into the destination, and dropped when bad', async () => {
  const fake = memoryCaches();
  globalThis.caches = fake;
  const html = new TextEncoder().encode('<!doctype html><p>login</p>');
  const server = await serve({ '/a.hearth': { body: bytes }, '/bad.hearth': { body: html, headers: { etag: '"x"' } } });
  try {
    const integrity = sri(bytes);
    await loadBundle(server.url('/a.hearth'), { integrity }, destination().into);
    const store = fake.stores.get(CACHE_NAME);
    assert.equal(store.size, 1);
    assert.deepEqual([...store.values()][0].body, bytes, 'the cached copy is the whole bundle');
    const d = destination();
    assert.equal(await loadBundle(server.url('/a.hearth'), { integrity }, d.into), d.memory);
    assert.deepEqual(d.memory, bytes);
    assert.equal(server.requests.length, 1, 'the second load came from the cache');
    // A damaged entry: a second reservation, a fresh download.
    [...store.values()][0].body[100] ^= 1;
    const again = destination();
    const warnings = [];
    assert.deepEqual(await loadBundle(server.url('/a.hearth'), { integrity, onWarning: (w) => warnings.push(w) }, again.into), bytes);
    assert.deepEqual(again.sizes, [bytes.length, bytes.length]);
    assert.equal(server.requests.length, 2);
    assert.match(warnings[0].message, /damaged/);
    // Not a bundle: refused, and not kept.
    await assert.rejects(loadBundle(server.url('/bad.hearth'), {}, destination().into), (e) => e.code === 'bundle');
    assert.ok([...store.keys()].every((k) => !k.includes('bad.hearth')), 'the refused download is not in the cache');
  } finally {
    delete globalThis.caches;
    await server.close();
  }
});

test('a recommender opened by path, by URL and from bytes gives the same lists', async () => {
  const server = await serve({ '/a.hearth': { body: bytes } });
  const opened = [];
  try {
    for (const source of [bundle, server.url('/a.hearth'), bytes]) {
      opened.push(await createRecommender({ bundle: source, storage: 'memory', cache: false }));
    }
    const lists = await Promise.all(opened.map((rec) => rec.recommend([rec.catalog()[3].id, rec.catalog()[9].id], { k: 5 })));
    assert.deepEqual(lists[1], lists[0]);
    assert.deepEqual(lists[2], lists[0]);
  } finally {
    for (const rec of opened) await rec.dispose();
    await server.close();
  }
});

test('a bundle larger than the free heap opens from bytes and from a path (the heap grows under the copy)', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'hearth-grow-')), 'big.hearth');
  hearth('bench-bundle', '--items', '150000', '--model', 'mf', '--out', path);
  const big = new Uint8Array(readFileSync(path));
  const lists = [];
  for (const source of [big, path]) {
    const rec = await createRecommender({ bundle: source, storage: 'memory' });
    try {
      lists.push(await rec.recommend([rec.catalog()[0].id], { k: 5 }));
    } finally {
      await rec.dispose();
    }
  }
  assert.deepEqual(lists[1], lists[0]);
  assert.equal(lists[0].length, 5);
});
