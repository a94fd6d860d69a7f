// A tiny HTTP server on 127.0.0.1 for the loading and privacy tests: serves fixed routes
// and records every request it receives (method, URL, headers, body).
import { createServer } from 'node:http';

/**
 * @param {Record<string, { body?: Uint8Array | string, status?: number, headers?: Record<string, string> }>} routes
 * @returns {Promise<{ url: (path: string) => string, requests: object[], close: () => Promise<void> }>}
 */
export async function serve(routes) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('latin1') });
      const route = routes[req.url.split('?')[0]];
      if (!route) {
        res.writeHead(404, 'Not Found', { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      if (route.headers?.etag && req.headers['if-none-match'] === route.headers.etag) {
        res.writeHead(304).end();
        return;
      }
      const body = route.body ?? '';
      res.writeHead(route.status ?? 200, { 'content-length': String(Buffer.byteLength(body)), ...route.headers });
      // Two writes, so the client sees more than one chunk and progress is observable.
      const half = Math.floor(Buffer.byteLength(body) / 2);
      const buffer = Buffer.from(body);
      res.write(buffer.subarray(0, half));
      setTimeout(() => res.end(buffer.subarray(half)), 5);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A Cache API stand-in (Node has no `caches`): a Map of URL to a stored copy of the body. */
export function memoryCaches() {
  const stores = new Map();
  return {
    stores,
    async open(name) {
      if (!stores.has(name)) stores.set(name, new Map());
      const store = stores.get(name);
      return {
        async match(key) {
          const hit = store.get(String(key));
          return hit ? new Response(hit.body.slice(), { headers: hit.headers }) : undefined;
        },
        async put(key, response) {
          store.set(String(key), { body: new Uint8Array(await response.arrayBuffer()), headers: Object.fromEntries(response.headers) });
        },
        async delete(key) {
          return store.delete(typeof key === 'string' ? key : key.url);
        },
        async keys() {
          return [...store.keys()].map((url) => ({ url }));
        },
      };
    },
  };
}
