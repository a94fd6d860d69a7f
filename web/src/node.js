// Node-only helpers, safe to bundle for browsers.

/** True when running under Node (main thread or worker_threads). */
export const isNode = typeof process !== 'undefined' && !!process.versions && !!process.versions.node;

/**
 * Imports a Node built-in ('fs/promises', 'worker_threads', ...).
 * The specifier is computed so bundlers targeting browsers (esbuild, webpack, Rollup)
 * leave the import alone instead of failing to resolve `node:*`; callers only reach this
 * on Node, so a browser bundle never executes it.
 * @param {string} name
 */
export function nodeBuiltin(name) {
  const specifier = 'node:' + name;
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
}
