// Where the library runs: browsers (and their workers) or Node. The Node-only code lives in
// node/platform.js, imported on first use through a computed specifier that bundlers leave
// alone, so a browser bundle holds none of it.

/** True when running under Node (main thread or worker_threads). */
export const isNode = typeof process !== 'undefined' && !!process.versions && !!process.versions.node;

let platform = null;

/**
 * The URL of a file beside this module, made with string operations: bundlers rewrite
 * `new URL('…', import.meta.url)` into assets of their output, which these files must not be.
 * @param {string} name
 */
export function besideThisModule(name) {
  const self = String(import.meta.url);
  return self.slice(0, self.lastIndexOf('/') + 1) + name;
}

/** The Node platform module (node/platform.js); only called under Node. */
export function nodePlatform() {
  platform ??= import(/* webpackIgnore: true */ /* @vite-ignore */ besideThisModule('node/platform.js'));
  return platform;
}
