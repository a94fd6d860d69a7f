// Bundle loading: streamed download with progress, SRI-style integrity, header checks
// (wrong content, future format), HTTP failures, and Cache API reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadBundle, checkHeader, CACHE_NAME } from '../../web/src/loader.js';
import { HearthError } from '../../web/src/errors.js';
import { trainedBundle } from './helpers.mjs';
import { serve, memoryCaches } from './server.mjs';

const { bundle } = trainedBundle('als');
const bytes = new Uint8Array(readFileSync(bundle));
const sri = (data, alg = 'sha256') => `${alg}-${createHash(alg).update(data).digest('base64')}`;

function withFakeCaches(run) {
  const fake = memoryCaches();
  globalThis.caches = fake;
  return run(fake).finally(() => { delete globalThis.caches; });
}

test('a URL streams with progress and the bytes match the file', async () => {
  const server = await serve({ '/a.hearth': { body: bytes } });
  try {
    const events = [];
    const got = await loadBundle(server.url('/a.hearth'), { onProgress: (p) => events.push(p), cache: false });
    assert.deepEqual(got, bytes);
    assert.ok(events.length >= 3, `progress events: ${events.length}`);
    assert.deepEqual(events.at(-1), { loaded: bytes.length, total: bytes.length });
    assert.ok(events.every((e, i) => i === 0 || e.loaded >= events[i - 1].loaded), 'loaded never goes back');
  } finally {
    await server.close();
  }
});

test('HTTP failures name the URL and the status', async () => {
  const server = await serve({});
  try {
    const url = server.url('/missing.hearth');
    await assert.rejects(loadBundle(url), (e) =>
      e instanceof HearthError && e.code === 'io' && e.message.includes(url) && /HTTP 404 Not Found/.test(e.message));
  } finally {
    await server.close();
  }
  await assert.rejects(loadBundle('http://127.0.0.1:9/unreachable.hearth'), (e) => e.code === 'io' && /cannot fetch bundle/.test(e.message));
});

test('integrity: the right digest passes, a wrong one names expected and actual', async () => {
  const server = await serve({ '/a.hearth': { body: bytes } });
  try {
    assert.deepEqual(await loadBundle(server.url('/a.hearth'), { integrity: sri(bytes), cache: false }), bytes);
    assert.deepEqual(await loadBundle(bytes, { integrity: sri(bytes, 'sha384') }), bytes);
    // Only the strongest algorithm listed counts (SRI rule): a bad sha256 next to a good sha512 passes.
    assert.deepEqual(await loadBundle(bytes, { integrity: `sha256-AAAA ${sri(bytes, 'sha512')}` }), bytes);
    const wrong = sri(new TextEncoder().encode('something else'));
    await assert.rejects(loadBundle(server.url('/a.hearth'), { integrity: wrong, cache: false }), (e) =>
      e instanceof HearthError && e.code === 'integrity' && e.message.includes(wrong) && e.message.includes(sri(bytes)));
    await assert.rejects(loadBundle(bytes, { integrity: 'md5-abc' }), (e) => e.code === 'argument');
  } finally {
    await server.close();
  }
});

test('wrong content and a future format are refused before reaching wasm', async () => {
  const html = '<!DOCTYPE html><html><body>app shell</body></html>';
  const server = await serve({ '/spa.hearth': { body: html, headers: { 'content-type': 'text/html' } } });
  try {
    await assert.rejects(loadBundle(server.url('/spa.hearth'), { cache: false }), (e) =>
      e.code === 'bundle' && /not a Hearth bundle/.test(e.message) && /HTML/.test(e.message) && /text\/html/.test(e.message));
  } finally {
    await server.close();
  }
  const future = Uint8Array.from(bytes);
  future[8] = 2;  // u16 major version, little-endian
  await assert.rejects(loadBundle(future), (e) =>
    e.code === 'bundle' && /bundle format 2\.x is not supported by this library \(1\.x\)/.test(e.message));
  assert.throws(() => checkHeader(bytes.subarray(0, 5)), (e) => e.code === 'bundle' && /truncated/.test(e.message));
  assert.throws(() => checkHeader(new TextEncoder().encode('{"json": true}')), (e) => e.code === 'bundle' && /JSON/.test(e.message));
  checkHeader(bytes);
});

test('buffers pass through uncopied; paths and file: URLs are read in Node', async () => {
  assert.equal(await loadBundle(bytes), bytes);
  assert.deepEqual(await loadBundle(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), bytes);
  assert.deepEqual(await loadBundle(bundle), bytes);
  assert.deepEqual(await loadBundle(pathToFileURL(bundle)), bytes);
  await assert.rejects(loadBundle('/no/such/file.hearth'), (e) => e.code === 'io' && /no\/such\/file/.test(e.message));
  await assert.rejects(loadBundle(42), (e) => e.code === 'argument');
});

test('with integrity, a cached bundle is reused without any request', () => withFakeCaches(async (fake) => {
  const server = await serve({ '/a.hearth': { body: bytes } });
  try {
    const integrity = sri(bytes);
    await loadBundle(server.url('/a.hearth'), { integrity });
    assert.equal(server.requests.length, 1);
    assert.equal(fake.stores.get(CACHE_NAME).size, 1);
    const events = [];
    assert.deepEqual(await loadBundle(server.url('/a.hearth'), { integrity, onProgress: (p) => events.push(p) }), bytes);
    assert.equal(server.requests.length, 1, 'served from the cache');
    assert.deepEqual(events, [{ loaded: bytes.length, total: bytes.length }]);
    // A damaged cache entry is replaced by a fresh download, not returned.
    const [entry] = fake.stores.get(CACHE_NAME).values();
    entry.body[100] ^= 1;
    const warnings = [];
    assert.deepEqual(await loadBundle(server.url('/a.hearth'), { integrity, onWarning: (w) => warnings.push(w) }), bytes);
    assert.equal(server.requests.length, 2);
    assert.equal(warnings.length, 1, 'the fallback is reported');
    assert.equal(warnings[0].code, 'cache');
    assert.match(warnings[0].message, /damaged.*downloading it again/);
    // cache: false never touches it.
    await loadBundle(server.url('/a.hearth'), { integrity, cache: false });
    assert.equal(server.requests.length, 3);
  } finally {
    await server.close();
  }
}));

test('without integrity, the ETag keys the cache and a new version replaces the old', () => withFakeCaches(async (fake) => {
  const routes = { '/a.hearth': { body: bytes, headers: { etag: '"v1"' } } };
  const server = await serve(routes);
  try {
    await loadBundle(server.url('/a.hearth'));
    assert.deepEqual(await loadBundle(server.url('/a.hearth')), bytes);
    const store = fake.stores.get(CACHE_NAME);
    assert.equal(store.size, 1);
    assert.match([...store.keys()][0], /hearth-version=etag%3A%22v1%22/);
    const v2 = Uint8Array.from(bytes);
    v2[bytes.length - 1] ^= 1;
    routes['/a.hearth'] = { body: v2, headers: { etag: '"v2"' } };
    assert.deepEqual(await loadBundle(server.url('/a.hearth')), v2);
    assert.equal(store.size, 1, 'the old version is dropped');
    assert.match([...store.keys()][0], /v2/);
  } finally {
    await server.close();
  }
}));

test('a Cache API that refuses to open or to keep the bundle is reported through onWarning, and the load goes on', async () => {
  const server = await serve({ '/a.hearth': { body: bytes, headers: { etag: '"v1"' } } });
  try {
    for (const [what, caches, pattern] of [
      ['open', { open: async () => { throw new Error('SecurityError: opaque origin'); } }, /refused to open.*opaque origin/],
      ['put', { open: async () => ({ match: async () => undefined, put: async () => { throw new Error('QuotaExceededError'); }, keys: async () => [], delete: async () => true }) }, /could not be kept.*QuotaExceededError/],
    ]) {
      globalThis.caches = caches;
      const warnings = [];
      try {
        assert.deepEqual(await loadBundle(server.url('/a.hearth'), { onWarning: (w) => warnings.push(w) }), bytes, what);
      } finally {
        delete globalThis.caches;
      }
      assert.equal(warnings.length, 1, what);
      assert.equal(warnings[0].code, 'cache');
      assert.match(warnings[0].message, pattern);
    }
  } finally {
    await server.close();
  }
});
