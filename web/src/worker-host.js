// Runs inside a Web Worker (module worker) or a Node worker_threads Worker: owns the
// WebAssembly module and one Recommender, and answers the requests of worker-client.js.
// It receives the bundle's bytes from the main thread and makes no request of its own
// (in a browser the Emscripten loader fetches hearth.wasm next to hearth.mjs).
//
// Protocol (structured-cloned messages):
//   in:  { id, op: 'init', bytes, wasmBinary? } | { id, op: 'recommend' | 'explain' | 'similar', args } | { id, op: 'dispose' }
//   out: { id, ok: true, value } | { id, ok: false, error: { code, message } }
import { openEngine } from './engine.js';
import { isNode, nodeBuiltin } from './node.js';

const port = isNode ? (await nodeBuiltin('worker_threads')).parentPort : globalThis;
if (!port) throw new Error('worker-host.js must run in a worker, not on the main thread');

let recommender = null;

const handlers = {
  async init({ bytes, wasmBinary }) {
    if (recommender) recommender.dispose();
    recommender = null;
    recommender = await openEngine(wasmBinary ? { bundle: bytes, wasmBinary } : { bundle: bytes });
    return describe(recommender);
  },
  recommend({ args }) {
    return live().recommend(...args);
  },
  explain({ args }) {
    return live().explain(...args);
  },
  similar({ args }) {
    return live().similar(...args);
  },
  dispose() {
    if (recommender) recommender.dispose();
    recommender = null;
  },
};

function live() {
  if (!recommender) throw Object.assign(new Error('this recommender has been disposed'), { code: 'disposed' });
  return recommender;
}

// What the client needs to answer meta/models/size/item()/moods()/catalog() without a round trip. The
// catalog goes over as columns: one array per field is far cheaper to clone than one
// object per item. Reads Recommender internals (same package) since there is no public
// catalog accessor.
function describe(rec) {
  return {
    meta: rec.meta,
    models: rec.models,
    threads: rec.threads,
    moods: rec.moods(),
    catalog: {
      ids: rec._ids.all(),
      titles: rec._titles.all(),
      tagNames: rec._tagNames,
      tagOffsets: rec._tagOffsets,
      tagIds: rec._tagIds,
      popularity: rec._popularity,
      isNew: rec._isNew,
    },
  };
}

async function handle(message) {
  const { id, op } = message || {};
  const handler = Object.hasOwn(handlers, op) ? handlers[op] : null;
  try {
    if (!handler) throw Object.assign(new Error(`unknown request '${op}'`), { code: 'internal' });
    const value = await handler(message);
    port.postMessage({ id, ok: true, value });
  } catch (e) {
    const code = e && typeof e.code === 'string' ? e.code : 'internal';
    port.postMessage({ id, ok: false, error: { code, message: e && e.message ? e.message : String(e) } });
  }
}

if (isNode) port.on('message', handle);
else port.addEventListener('message', (event) => handle(event.data));
