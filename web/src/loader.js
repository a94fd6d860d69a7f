// Gets a bundle's bytes from wherever the caller keeps it, and refuses anything that is
// not a bundle this library can read before it reaches the WebAssembly module.
// The only network request made here is a GET of the URL the caller passed in.
import { HearthError } from './errors.js';
import { isNode, nodePlatform } from './node.js';

const MAGIC = [0x48, 0x45, 0x41, 0x52, 0x54, 0x48, 0x42, 0x00];  // "HEARTHB\0"
/** The bundle format major version this library reads. */
export const SUPPORTED_MAJOR = 1;
/** Cache API cache that holds downloaded bundles. */
export const CACHE_NAME = 'hearth-bundles';

const DIGESTS = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

/**
 * @typedef {{ loaded: number, total: number | null }} LoadProgress
 * @typedef {{
 *   integrity?: string,
 *   onProgress?: (progress: LoadProgress) => void,
 *   cache?: boolean,
 *   fetch?: typeof fetch,
 * }} LoadOptions
 */

/**
 * Where a bundle of known size can be written as it arrives (the WebAssembly heap), so that
 * it is in memory once: `into(size)` reserves the room (dropping any earlier reservation)
 * and returns its writer. `bytes()` is a fresh view of the whole room: the heap may have
 * grown (detaching older views) since the writer was made.
 * @typedef {(size: number) => Promise<{ write(chunk: Uint8Array, at: number): void, bytes(): Uint8Array }>} Destination
 */

/**
 * Returns the bytes of a bundle, checked: right magic, a supported major version and,
 * when `integrity` is given, the right digest.
 *
 * - URL (or, outside Node, any string): a streamed GET reporting progress; reused from the
 *   Cache API ('hearth-bundles') when available, keyed by the URL and the integrity value
 *   (or, without one, the response's ETag).
 * - string path or file: URL in Node: read from disk.
 * - ArrayBuffer / Uint8Array: used as is (not copied).
 *
 * With `into`, a file, and a download or cached copy whose length is known, are streamed
 * into the destination and the result is its view; other sources come back as before (the
 * caller copies them).
 *
 * @param {string | URL | ArrayBuffer | Uint8Array} source
 * @param {LoadOptions} [options]
 * @param {Destination} [into]
 * @returns {Promise<Uint8Array>}
 */
export async function loadBundle(source, options = {}, into = undefined) {
  const expected = options.integrity === undefined ? null : parseIntegrity(options.integrity);
  let bytes;
  let label;
  if (source instanceof Uint8Array) {
    bytes = source;
    label = 'bundle bytes';
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
    label = 'bundle bytes';
  } else if (typeof source === 'string' || source instanceof URL) {
    label = String(source);
    if (isNode && !/^(https?|blob|data):/i.test(label)) {
      bytes = await readPath(label, into);
    } else {
      return fetchBundle(label, expected, options, into);
    }
  } else {
    throw new HearthError('argument', 'bundle must be a URL, a path (in Node), an ArrayBuffer or a Uint8Array');
  }
  report(options.onProgress, bytes.byteLength, bytes.byteLength);
  if (expected) await verifyIntegrity(bytes, expected, label);
  checkHeader(bytes, label);
  return bytes;
}

/**
 * Throws HearthError('bundle') unless the bytes start like a bundle of format 1.x.
 * The wasm reader does the full validation (sizes, checksums); this only catches the
 * common mistakes early with a clearer message: an HTML error page, the wrong file, a
 * bundle written by a newer format.
 * @param {Uint8Array} bytes
 * @param {string} [label] where the bytes came from, for the message
 */
export function checkHeader(bytes, label = 'bundle') {
  const prefix = Math.min(bytes.byteLength, MAGIC.length);
  for (let i = 0; i < prefix; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new HearthError('bundle', `not a Hearth bundle: ${label} does not start with the bundle magic in its header${sniff(bytes)}`);
    }
  }
  if (bytes.byteLength < 10) {
    throw new HearthError('bundle', `${label} is truncated: ${bytes.byteLength} bytes, shorter than the bundle header`);
  }
  const major = bytes[8] | (bytes[9] << 8);  // little-endian u16
  if (major !== SUPPORTED_MAJOR) {
    throw new HearthError('bundle', `bundle format ${major}.x is not supported by this library (${SUPPORTED_MAJOR}.x): ${label}`);
  }
}

// What the bytes look like instead, because "not a bundle" is most often a web server
// answering with an HTML page (an SPA fallback or an error page) with status 200.
function sniff(bytes) {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return ' (it is an HTML page)';
  if (head.startsWith('{') || head.startsWith('[')) return ' (it looks like JSON)';
  return '';
}

async function readPath(path, into) {
  const { readBytes, readInto } = await nodePlatform();
  try {
    if (!into) return await readBytes(path);
    let writer;
    await readInto(path, async (size) => (writer = await into(size)));
    return writer.bytes();
  } catch (e) {
    if (e instanceof HearthError) throw e;
    throw new HearthError('io', `cannot read bundle ${path}: ${e.message}`);
  }
}

async function fetchBundle(url, expected, options, into) {
  const doFetch = options.fetch || globalThis.fetch;
  if (typeof doFetch !== 'function') throw new HearthError('io', `cannot fetch bundle ${url}: no fetch() in this environment`);
  const warn = (message) => {
    // Caching is optional: the page is told when it did not work, and the load goes on.
    try { options.onWarning?.({ code: 'cache', message }); } catch { /* a faulty handler must not break loading */ }
  };
  const cache = options.cache === false ? null : await openCache(warn);

  // With an integrity value the content is pinned, so a cached copy is used without asking
  // the network at all.
  if (cache && expected) {
    const hit = await cachedBytes(cache, cacheKey(url, expected.text), into);
    if (hit) {
      try {
        await verifyIntegrity(hit, expected, url);
        checkHeader(hit, url);
        report(options.onProgress, hit.byteLength, hit.byteLength);
        return hit;
      } catch (e) {
        // A damaged cache entry is not the caller's problem: drop it and download again.
        warn(`the cached copy of ${url} is damaged (${e.message}); downloading it again`);
        await cache.delete(cacheKey(url, expected.text)).catch(() => {});
      }
    }
  }

  let response;
  try {
    response = await doFetch(url);
  } catch (e) {
    throw new HearthError('io', `cannot fetch bundle ${url}: ${e.message}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new HearthError('io', `cannot fetch bundle ${url}: HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`);
  }

  // Without integrity, the ETag names the version: same ETag, same bytes, so the download
  // is cancelled after the headers and the cached copy used.
  const etag = response.headers.get('etag');
  const key = expected ? cacheKey(url, expected.text) : etag ? cacheKey(url, 'etag:' + etag) : null;
  if (cache && key && !expected) {
    const hit = await cachedBytes(cache, key, into);
    if (hit && isBundle(hit)) {
      await response.body?.cancel().catch(() => {});
      report(options.onProgress, hit.byteLength, hit.byteLength);
      return hit;
    }
  }

  // Streamed into the destination, the bytes are not kept in JS: the Cache API gets its own
  // branch of the body as it arrives, and the entry is dropped again if the bytes fail a check.
  let stored = null;
  let body = response;
  if (cache && key && into && knownLength(response) !== null && response.body && typeof response.body.tee === 'function') {
    const [mine, theirs] = response.body.tee();
    body = new Response(mine, { headers: response.headers });
    stored = storeResponse(cache, key, new Response(theirs, { headers: cacheHeaders(knownLength(response), etag) }), warn);
  }
  let bytes;
  try {
    bytes = await readBody(body, url, options.onProgress, into);
    if (expected) await verifyIntegrity(bytes, expected, url);
    const type = response.headers.get('content-type');
    try {
      checkHeader(bytes, url);
    } catch (e) {
      if (type && /html|json|text/i.test(type)) e.message += ` [served as ${type}]`;
      throw e;
    }
  } catch (e) {
    if (stored && (await stored)) await cache.delete(key).catch(() => {});
    throw e;
  }
  if (stored) await stored;
  else if (cache && key) await storeBytes(cache, key, bytes, etag, warn);
  return bytes;
}

// The decoded length of a response, or null when it is not known before reading:
// Content-Length counts encoded bytes, so with gzip/br it cannot be the total.
function knownLength(response) {
  const encoding = response.headers.get('content-encoding');
  const length = Number(response.headers.get('content-length'));
  return length > 0 && (!encoding || encoding === 'identity') ? length : null;
}

async function readBody(response, url, onProgress, into) {
  const total = knownLength(response);
  try {
    if (!response.body || typeof response.body.getReader !== 'function') {
      const bytes = new Uint8Array(await response.arrayBuffer());
      report(onProgress, bytes.byteLength, total ?? bytes.byteLength);
      return bytes;
    }
    const reader = response.body.getReader();
    let loaded = 0;
    report(onProgress, 0, total);
    if (into && total !== null) {
      // Straight into the destination, chunk by chunk.
      const writer = await into(total);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (loaded + value.byteLength > total) {
          await reader.cancel().catch(() => {});
          throw new HearthError('io', `cannot fetch bundle ${url}: more bytes than its Content-Length (${total})`);
        }
        writer.write(value, loaded);
        loaded += value.byteLength;
        report(onProgress, loaded, total);
      }
      if (loaded !== total) throw new HearthError('io', `cannot fetch bundle ${url}: the download ended at byte ${loaded} of ${total}`);
      return writer.bytes();
    }
    const chunks = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      report(onProgress, loaded, total);
    }
    if (chunks.length === 1) return chunks[0];
    const bytes = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    return bytes;
  } catch (e) {
    if (e instanceof HearthError) throw e;
    throw new HearthError('io', `cannot fetch bundle ${url}: download failed: ${e.message}`);
  }
}

function report(onProgress, loaded, total) {
  if (typeof onProgress === 'function') onProgress({ loaded, total });
}

// --- integrity -------------------------------------------------------------------------

// SRI syntax: space-separated "<alg>-<base64>[?options]"; only the strongest algorithm
// listed counts, as in browsers.
function parseIntegrity(text) {
  if (typeof text !== 'string') throw new HearthError('argument', `integrity must be a string like 'sha256-<base64>', got ${typeof text}`);
  const hashes = [];
  for (const token of text.trim().split(/\s+/)) {
    const m = /^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(\?.*)?$/.exec(token);
    if (m) hashes.push({ alg: m[1], digest: m[2].replace(/-/g, '+').replace(/_/g, '/') });
  }
  if (hashes.length === 0) throw new HearthError('argument', `integrity must look like 'sha256-<base64>' (or sha384/sha512), got '${text}'`);
  const order = Object.keys(DIGESTS);
  const strongest = hashes.reduce((a, h) => (order.indexOf(h.alg) > order.indexOf(a) ? h.alg : a), 'sha256');
  return { text: text.trim(), alg: strongest, digests: hashes.filter((h) => h.alg === strongest).map((h) => h.digest) };
}

async function verifyIntegrity(bytes, expected, label) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) {
    throw new HearthError('integrity', 'cannot check the bundle integrity: crypto.subtle is unavailable (browsers only provide it in secure contexts: https or localhost)');
  }
  // In Node without a copy (SubtleCrypto copies its input: a second bundle in memory).
  // A view of shared memory (the threaded module's heap) must be copied for SubtleCrypto.
  const shared = typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer;
  const actual = isNode ? (await nodePlatform()).digestBase64(expected.alg, bytes)
    : toBase64(new Uint8Array(await subtle.digest(DIGESTS[expected.alg], shared ? bytes.slice() : bytes)));
  if (!expected.digests.some((d) => stripPadding(d) === stripPadding(actual))) {
    const want = expected.digests.map((d) => `${expected.alg}-${d}`).join(' or ');
    throw new HearthError('integrity', `bundle integrity check failed for ${label}: expected ${want}, got ${expected.alg}-${actual}`);
  }
}

const stripPadding = (s) => s.replace(/=+$/, '');

function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

// --- Cache API -------------------------------------------------------------------------

async function openCache(warn) {
  if (typeof globalThis.caches === 'undefined' || !globalThis.caches) return null;
  try {
    return await globalThis.caches.open(CACHE_NAME);
  } catch (e) {
    // e.g. opaque origins and some private modes refuse; caching is optional.
    warn(`the Cache API refused to open '${CACHE_NAME}' (${e && e.message}); the bundle is downloaded every time`);
    return null;
  }
}

// Cache entries are keyed by a request URL; the version goes in the query so that two
// versions of one URL are two entries. These keys are never fetched.
function cacheKey(url, version) {
  const base = typeof location !== 'undefined' && location.href ? location.href : undefined;
  const key = new URL(url, base);
  key.searchParams.append('hearth-version', version);
  return key.href;
}

async function cachedBytes(cache, key, into) {
  try {
    const hit = await cache.match(key);
    if (!hit) return null;
    return into ? await readBody(hit, key, undefined, into) : new Uint8Array(await hit.arrayBuffer());
  } catch {
    return null;
  }
}

function cacheHeaders(length, etag) {
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(length) };
  if (etag) headers.etag = etag;
  return headers;
}

async function storeBytes(cache, key, bytes, etag, warn) {
  // Response copies what it reads; the caller keeps `bytes` intact.
  return storeResponse(cache, key, new Response(bytes.slice(), { headers: cacheHeaders(bytes.byteLength, etag) }), warn);
}

// Resolves to whether the entry was stored.
async function storeResponse(cache, key, response, warn) {
  try {
    await cache.put(key, response);
    // Other versions of the same URL are dead weight (a bundle is megabytes).
    const url = unversioned(key);
    for (const request of await cache.keys()) {
      if (request.url !== key && unversioned(request.url) === url) await cache.delete(request);
    }
    return true;
  } catch (e) {
    // Quota exceeded or storage disabled: the bundle still loads, it is just not kept.
    warn(`the bundle could not be kept in the Cache API (${e && e.message}); it will be downloaded again next time`);
    return false;
  }
}

function unversioned(key) {
  const u = new URL(key);
  u.searchParams.delete('hearth-version');
  return u.href;
}

function isBundle(bytes) {
  try {
    checkHeader(bytes);
    return true;
  } catch {
    return false;
  }
}
