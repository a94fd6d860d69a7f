// What the library does differently in Node: files instead of URLs, worker_threads instead
// of Web Workers. Only Node loads this file (web/src/node.js imports it on first use, through
// a specifier bundlers do not follow), so none of it reaches a browser bundle.
import { readFile, open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
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
 * Streams a file into memory the caller provides, in chunks through one small buffer, so
 * that the file exists once in memory: `into(size)` returns the destination's writer.
 * @param {string | URL} path
 * @param {(size: number) => Promise<{ write(chunk: Uint8Array, at: number): void }>} into
 * @returns {Promise<number>} the bytes read
 */
export async function readInto(path, into) {
  const where = typeof path === 'string' && path.startsWith('file:') ? new URL(path) : path;
  const file = await open(where, 'r');
  try {
    const { size } = await file.stat();
    const writer = await into(size);
    const chunk = new Uint8Array(Math.min(Math.max(size, 1), 4 << 20));
    let at = 0;
    while (at < size) {
      const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.length, size - at), at);
      if (bytesRead === 0) throw new Error(`the file ended at byte ${at} of ${size} (it changed while being read)`);
      writer.write(chunk.subarray(0, bytesRead), at);
      at += bytesRead;
    }
    return size;
  } finally {
    await file.close();
  }
}

/**
 * The digest of bytes without copying them (SubtleCrypto copies its input).
 * @param {'sha256' | 'sha384' | 'sha512'} alg
 * @param {Uint8Array} bytes
 */
export function digestBase64(alg, bytes) {
  return createHash(alg).update(bytes).digest('base64');
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
