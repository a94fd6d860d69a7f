// What the library does differently in Node: files instead of URLs, worker_threads instead
// of Web Workers. Only Node loads this file (web/src/node.js imports it on first use, through
// a specifier bundlers do not follow), so none of it reaches a browser bundle.
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { HearthError } from '../errors.js';

/**
 * The bytes of a file, by path or file: URL.
 * @param {string | URL} path
 * @returns {Promise<Uint8Array>}
 */
export async function readBytes(path) {
  const where = typeof path === 'string' && path.startsWith('file:') ? new URL(path) : path;
  return new Uint8Array(await readFile(where));
}

/**
 * A worker_threads Worker running the library's Node worker script (or `target`), behind
 * the channel interface of worker-client.js.
 * @param {true | string | URL} target
 */
export function startWorker(target) {
  // Node's Worker takes a URL object or a file path (relative to the working directory).
  const script = target === true ? new URL('./worker-host.js', import.meta.url)
    : typeof target === 'string' && target.startsWith('file:') ? new URL(target) : target;
  const worker = new Worker(script);
  return {
    post: (m, transfer) => worker.postMessage(m, transfer),
    onMessage: (f) => worker.on('message', f),
    onFailure: (f) => {
      worker.on('error', (e) => f(new HearthError('worker', `the recommender worker failed: ${e.message}`)));
      worker.on('exit', (code) => f(new HearthError('worker', `the recommender worker exited (code ${code})`)));
    },
    // An idle worker must not keep a Node process alive; a busy one must.
    busy: (yes) => (yes ? worker.ref() : worker.unref()),
    terminate: () => worker.terminate(),
    stopped: () => worker.threadId === -1,
  };
}
