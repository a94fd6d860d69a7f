// The worker side of worker mode, for any worker (a module Web Worker, or a Node
// worker_threads Worker): owns the WebAssembly module and one recommender, and answers the
// requests of worker-client.js. It receives the bundle's bytes from the calling thread and
// makes no request of its own (in a browser the Emscripten loader fetches the .wasm).
//
// Protocol (structured-cloned messages):
//   in:  { id, op: 'init', bytes, wasmBinary?, wasmFiles?: { file: URL }, threads? } | { id, op: 'recommend' | 'explain' | 'similar', args } | { id, op: 'dispose' }
//   out: { id, ok: true, value } | { id, ok: false, error: { code, message } }
import { openEngine } from './engine.js';

/**
 * Serves requests: `post` sends a message to the calling thread, `listen` registers the
 * handler of messages from it.
 * @param {(message: unknown) => void} post
 * @param {(handler: (message: any) => void) => void} listen
 */
export function serve(post, listen) {
  let recommender = null;

  const live = () => {
    if (!recommender) throw Object.assign(new Error('this recommender has been disposed'), { code: 'disposed' });
    return recommender;
  };

  const handlers = {
    async init({ bytes, wasmBinary, wasmFiles, threads }) {
      if (recommender) recommender.dispose();
      recommender = null;
      const options = { bundle: bytes };
      if (wasmBinary) options.wasmBinary = wasmBinary;
      if (wasmFiles) options.wasm = (file) => wasmFiles[file];
      if (threads !== undefined) options.threads = threads;
      const warnings = [];
      options.onWarning = (w) => warnings.push(w);
      recommender = await openEngine(options);
      return { ...describe(recommender), warnings };
    },
    recommend: ({ args }) => live().recommend(...args),
    explain: ({ args }) => live().explain(...args),
    similar: ({ args }) => live().similar(...args),
    dispose() {
      if (recommender) recommender.dispose();
      recommender = null;
    },
  };

  listen(async (message) => {
    const { id, op } = message || {};
    const handler = Object.hasOwn(handlers, op) ? handlers[op] : null;
    try {
      if (!handler) throw Object.assign(new Error(`unknown request '${op}'`), { code: 'internal' });
      post({ id, ok: true, value: await handler(message) });
    } catch (e) {
      const code = e && typeof e.code === 'string' ? e.code : 'internal';
      post({ id, ok: false, error: { code, message: e && e.message ? e.message : String(e) } });
    }
  });
}

// What the client needs to answer meta/models/size/item()/moods()/catalog() without a round
// trip. The catalog goes over as columns: one array per field is far cheaper to clone than
// one object per item, and the ids and titles as the bundle's own string tables (bytes the
// page decodes one at a time, with the id order for finding an id). Reads the recommender's
// internals (same package): there is no public catalog accessor.
function describe(rec) {
  return {
    meta: rec.meta,
    models: rec.models,
    threads: rec.threads,
    moods: rec.moods(),
    tagKinds: rec.tagKinds,
    catalog: {
      ids: packedTable(rec, 'catalog.ids'),
      titles: packedTable(rec, 'catalog.titles'),
      idOrder: idOrder(rec),
      tagNames: rec._tagNames,
      // Copies: a view's clone would carry the whole wasm heap.
      tagOffsets: rec._tagOffsets.slice(),
      tagIds: rec._tagIds.slice(),
      popularity: rec._popularity.slice(),
      isNew: Uint8Array.from({ length: rec.size }, (_, i) => (rec._isNew(i) ? 1 : 0)),
    },
  };
}

// A string table section's bytes (offsets, then the UTF-8 text), copied out of the heap.
function packedTable(rec, section) {
  const count = rec._engine.stringTableCount(section);
  if (count === 0) return { count: 0, bytes: new Uint8Array(4) };
  const at = rec._engine.stringTablePtr(section);
  const end = at + (count + 1) * 4 + rec._module.HEAPU32[(at >>> 2) + count];
  return { count, bytes: rec._module.HEAPU8.slice(at, end) };
}

// The items by id (catalog.id_order), copied; null in bundles written without it.
function idOrder(rec) {
  const at = rec._engine.idOrderPtr();
  return at ? rec._module.HEAPU32.slice(at >>> 2, (at >>> 2) + rec.size) : null;
}
