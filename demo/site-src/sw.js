// Keeps the demo working offline: every file of the site (pages, library, wasm, bundle) is
// precached at install, and served from that cache first. demo/build.mjs fills in the
// version (a digest of all files, so a rebuilt site installs a fresh cache) and the list.
const VERSION = '__VERSION__';
const FILES = ['__FILES__'];
const CACHE = `hearth-site-${VERSION}`;

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

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(request, { ignoreSearch: true })
      || (request.mode === 'navigate' ? await cache.match('./') : undefined);
    return hit || fetch(request);
  })());
});
