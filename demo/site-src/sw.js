// Keeps the demo working offline without standing in for anything else on its origin.
// Every file of the site (pages, library, wasm, bundle) is precached at install into a cache
// named by the site's version; demo/build.mjs fills in the version (a digest of all files,
// so a new deploy installs a fresh cache and drops the old one) and the file list.
//
// Network first: while a server answers, its answer is what the page gets, whatever it is
// (a rebuilt demo, or another site now served on the same host and port). The cache answers
// only when the network cannot, and only for the demo's own files: any other URL in the
// worker's scope is never intercepted.
const VERSION = '__VERSION__';
const FILES = ['__FILES__'];
const CACHE = `hearth-site-${VERSION}`;
const OWN = new Set(FILES.map((f) => new URL(f, self.registration.scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(FILES.map((f) => new Request(f, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    // Only our own older versions: 'hearth-bundles' belongs to the library.
    for (const name of await caches.keys()) {
      if (name.startsWith('hearth-site-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The demo's own URL for a request (its query left out), or null.
function ownUrl(request) {
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  return OWN.has(url.href) ? url.href : null;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const own = ownUrl(request);
  if (!own) return;  // not ours: straight to the network, as if there were no worker
  event.respondWith((async () => {
    try {
      return await fetch(request);
    } catch (networkError) {
      const hit = await (await caches.open(CACHE)).match(own);
      if (hit) return hit;
      throw networkError;
    }
  })());
});
