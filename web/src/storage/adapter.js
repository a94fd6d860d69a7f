// The contract between the history store and where its bytes live, plus helpers every
// adapter needs. The store only ever asks for whole string values under string keys, so an
// adapter is a small atomic key-value map; all encoding, validation, migration and quota
// policy stay in the store and behave the same on every backend.
import { HearthError } from '../errors.js';

/**
 * A place to keep the history. Implement this to store it somewhere Hearth does not know
 * (an extension's storage, an encrypted vault, a file in Node). Every method may return a
 * value or a Promise of it. Values are strings; keys start with `hearth:`.
 *
 * The one hard rule is `update`: it must run `fn` and write its result as one atomic step,
 * so that two tabs (or two stores) writing at the same time never lose each other's writes
 * (a backend that cannot promise that across tabs says so with `staleReads`, below).
 * `fn` is synchronous, may be called again on a retry, and may throw; a throw must leave the
 * stored value unchanged and reject `update` with that error. A write that does not fit must
 * reject with an error whose `name` is 'QuotaExceededError' (see {@link isQuotaError}); the
 * store then compacts the history and retries.
 *
 * @typedef {object} StorageAdapter
 * @property {string} kind Shown in storageReport(), e.g. 'localStorage'.
 * @property {string | null} [channel] BroadcastChannel identity of the backing store. Stores whose
 *   adapters have the same channel share change notifications across tabs; null or absent
 *   means no BroadcastChannel (for storage only this realm can see, such as memory).
 * @property {(key: string) => string | null | Promise<string | null>} get
 * @property {(key: string, value: string) => void | Promise<void>} set
 * @property {(key: string) => void | Promise<void>} remove
 * @property {(prefix: string) => string[] | Promise<string[]>} keys All keys that start with prefix.
 * @property {(key: string, fn: (current: string | null) => string | null | undefined) => unknown} update
 *   Atomically replaces the value with fn(current): a string is written, null removes the key,
 *   undefined leaves it as it is.
 * @property {(key: string, value: string) => number} [size] Bytes the value costs in this
 *   backend (default: UTF-8 length of key and value).
 * @property {(onChange: (key: string | null) => void) => () => void} [watch] Calls onChange when
 *   another context changed a key (null: everything may have changed); returns an unwatch
 *   function. Calls for this context's own writes are allowed; the store ignores them.
 * @property {boolean} [staleReads] True when update() may read a value that another context has
 *   already replaced (so the write based on it drops that context's change), as localStorage
 *   does in browsers that give each tab process its own copy. The store then journals the
 *   events it records under keys `hearth:journal:<namespace>:<writer>` and puts back any that
 *   a stale write dropped; such an adapter's get, set, remove and keys must be synchronous
 *   (they are called inside update's fn).
 * @property {string} [where] Human-readable location for storageReport(), e.g. 'this origin's localStorage'.
 * @property {() => void} [close] Releases connections; called by the store only for adapters it created.
 */

const REQUIRED = ['get', 'set', 'remove', 'keys', 'update'];

/**
 * Throws HearthError('argument') naming what is missing when `adapter` is not a StorageAdapter.
 * @param {unknown} adapter
 * @returns {StorageAdapter}
 */
export function checkAdapter(adapter) {
  if (!adapter || typeof adapter !== 'object') throw new HearthError('argument', 'storage must be a name or an adapter object');
  for (const name of REQUIRED) {
    if (typeof adapter[name] !== 'function') throw new HearthError('argument', `storage adapter has no ${name}() method`);
  }
  if (typeof adapter.kind !== 'string' || adapter.kind.length === 0) throw new HearthError('argument', 'storage adapter needs a kind (string)');
  return /** @type {StorageAdapter} */ (adapter);
}

/**
 * True for the errors browsers raise when a storage write does not fit (the name differs
 * between engines and across versions, so the legacy codes are checked too).
 * @param {unknown} error
 */
export function isQuotaError(error) {
  if (!error || typeof error !== 'object') return false;
  const { name, code } = /** @type {{ name?: string, code?: number }} */ (error);
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

/** A QuotaExceededError like the one browsers throw, for adapters that enforce their own limit. */
export function quotaError(message = 'the storage quota is exceeded') {
  return typeof DOMException === 'function'
    ? new DOMException(message, 'QuotaExceededError')
    : Object.assign(new Error(message), { name: 'QuotaExceededError' });
}

/**
 * UTF-8 length of a string without allocating an encoded copy.
 * @param {string} text
 */
export function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) { bytes += 4; i++; }
    else bytes += 3;
  }
  return bytes;
}
