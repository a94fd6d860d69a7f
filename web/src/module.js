// Loads the WebAssembly module. In browsers and workers the Emscripten loader finds
// hearth.wasm next to hearth.mjs; in Node it cannot (its loader tries fetch() on a file
// path), so the bytes are read here and handed over.
import createHearthModule from '../dist/hearth.mjs';
import { isNode, nodeBuiltin } from './node.js';

let shared = null;

/**
 * The module instance, created once per realm and shared by every recommender.
 * @param {{ wasmBinary?: ArrayBuffer | Uint8Array }} [options]
 */
export function loadModule(options = {}) {
  if (options.wasmBinary) return createHearthModule({ wasmBinary: options.wasmBinary });
  if (!shared) {
    shared = (async () => {
      if (isNode) {
        const { readFile } = await nodeBuiltin('fs/promises');
        const wasmBinary = await readFile(new URL('../dist/hearth.wasm', import.meta.url));
        return createHearthModule({ wasmBinary });
      }
      return createHearthModule();
    })();
    shared.catch(() => { shared = null; });
  }
  return shared;
}

export { isNode };
