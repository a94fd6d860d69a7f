// Privacy by construction: every way a page could send data out (fetch, XMLHttpRequest,
// sendBeacon, WebSocket) is replaced by a recorder, the bundle is served by a local
// server that logs what it receives, and after many recommend/explain calls the only
// traffic is GETs of the bundle URL that carry no history id and no score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { createWorkerRecommender } from '../../web/src/worker-client.js';
import { trainedBundle, sampleHistories } from './helpers.mjs';
import { serve } from './server.mjs';

function recordEgress() {
  const calls = [];
  const saved = {};
  const replace = (name, value) => {
    saved[name] = Object.getOwnPropertyDescriptor(globalThis, name);
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  };
  const realFetch = globalThis.fetch;
  replace('fetch', async (input, init = {}) => {
    const request = new Request(input, init);
    calls.push({
      api: 'fetch',
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: init.body === undefined ? '' : String(init.body),
    });
    return realFetch(input, init);
  });
  replace('XMLHttpRequest', class {
    open(method, url) { calls.push({ api: 'xhr', method, url: String(url), headers: {}, body: '' }); }
    setRequestHeader(name, value) { calls.at(-1).headers[name] = value; }
    send(body) { calls.at(-1).body = String(body ?? ''); }
  });
  replace('WebSocket', class {
    constructor(url) { calls.push({ api: 'websocket', method: 'CONNECT', url: String(url), headers: {}, body: '' }); }
    send(data) { calls.push({ api: 'websocket', method: 'SEND', url: '', headers: {}, body: String(data) }); }
  });
  const nav = globalThis.navigator ? Object.create(globalThis.navigator) : {};
  nav.sendBeacon = (url, data) => {
    calls.push({ api: 'beacon', method: 'POST', url: String(url), headers: {}, body: String(data ?? '') });
    return true;
  };
  replace('navigator', nav);
  const restore = () => {
    for (const [name, descriptor] of Object.entries(saved)) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete globalThis[name];
    }
  };
  return { calls, restore };
}

// A whole-token match, so that id 17 is found in "?item=17" but not in port 41753.
function mentions(text, token) {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^0-9A-Za-z])${escaped}($|[^0-9A-Za-z])`).test(text);
}

test('no request carries history, ids or scores; the only traffic is the bundle GET', async () => {
  const { dir, bundle } = trainedBundle('hybrid');
  const server = await serve({ '/models/catalog.hearth': { body: readFileSync(bundle), headers: { 'content-type': 'application/octet-stream' } } });
  const bundleUrl = server.url('/models/catalog.hearth');
  const egress = recordEgress();
  const secrets = new Set();
  try {
    const histories = sampleHistories(join(dir, 'ratings.csv'), readFileSync, 8);
    for (const rec of [await createRecommender({ bundle: bundleUrl }), await createWorkerRecommender({ bundle: bundleUrl, worker: true })]) {
      try {
        for (const history of histories) {
          for (const h of history) secrets.add(h.id);
          for (const options of [{}, { model: 'mf', k: 20 }, { model: 'sasrec', k: 5, reasons: 5 }]) {
            for (const r of await rec.recommend(history, options)) {
              secrets.add(r.id);
              secrets.add(String(r.score));
              for (const b of r.because) secrets.add(String(b.weight));
            }
          }
          const [top] = await rec.recommend(history, { k: 1 });
          const e = await rec.explain(history, top.id);
          secrets.add(String(e.score));
          for (const c of e.contributions) secrets.add(String(c.weight));
        }
      } finally {
        await rec.dispose();
      }
    }
  } finally {
    egress.restore();
    await server.close();
  }

  // What left this realm: only fetches, only GETs of the bundle URL, no body.
  assert.ok(egress.calls.length >= 2, 'the bundle was fetched through the patched fetch (in-thread and worker mode)');
  for (const call of egress.calls) {
    assert.deepEqual([call.api, call.method, call.url, call.body], ['fetch', 'GET', bundleUrl, ''], JSON.stringify(call));
  }
  // What reached the server, from any thread: the same.
  assert.equal(server.requests.length, egress.calls.length);
  for (const request of server.requests) {
    assert.deepEqual([request.method, request.url, request.body], ['GET', '/models/catalog.hearth', ''], JSON.stringify(request));
  }
  // No header of either side mentions an id or a score.
  assert.ok(secrets.size > 50, `checked ${secrets.size} ids and scores`);
  const headerTexts = [
    ...egress.calls.map((c) => JSON.stringify(c.headers)),
    ...server.requests.map(({ headers: { host, ...rest } }) => JSON.stringify(rest)),
  ];
  for (const text of headerTexts) {
    for (const secret of secrets) assert.ok(!mentions(text, secret), `'${secret}' appears in request headers ${text}`);
  }
});
