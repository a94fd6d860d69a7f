// A string table as a bundle stores it (count + 1 u32 byte offsets, then the UTF-8 bytes),
// held as those bytes and decoded one string at a time. Worker mode hands the page its
// catalog's ids and titles this way: 1M decoded strings and an id -> index map cost the page
// several times the bytes, and a page shows a few dozen of them.

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

export class PackedStrings {
  /**
   * @param {Uint8Array} bytes the table (a copy the page owns: aligned, offset 0)
   * @param {number} count strings in it
   * @param {Uint32Array | null} [order] the indices by id, ascending byte order (the
   *   bundle's catalog.id_order), for find(); without it find() builds a map once
   */
  constructor(bytes, count, order = null) {
    this.length = count;
    this._bytes = bytes;
    this._offsets = new Uint32Array(bytes.buffer, bytes.byteOffset, count + 1);
    this._chars = (count + 1) * 4;
    this._order = order && order.length === count ? order : null;
    this._cache = new Map();
    this._map = null;
  }

  /** An empty table. */
  static empty() {
    return new PackedStrings(new Uint8Array(4), 0);
  }

  /** String i (decoded on first use, then kept). */
  at(i) {
    let s = this._cache.get(i);
    if (s === undefined) {
      s = utf8.decode(this._bytes.subarray(this._chars + this._offsets[i], this._chars + this._offsets[i + 1]));
      this._cache.set(i, s);
    }
    return s;
  }

  /** The index of `text`, or undefined: a binary search over the order, comparing bytes. */
  find(text) {
    if (typeof text !== 'string') return undefined;
    if (!this._order) {
      if (!this._map) this._map = new Map(Array.from({ length: this.length }, (_, i) => [this.at(i), i]));
      return this._map.get(text);
    }
    const key = utf8Encoder.encode(text);
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const item = this._order[mid];
      const c = this._compare(key, item);
      if (c === 0) return item;
      if (c > 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  // key's bytes against string i's, as unsigned bytes (the order catalog.id_order is in).
  _compare(key, i) {
    const from = this._chars + this._offsets[i];
    const length = this._offsets[i + 1] - this._offsets[i];
    const n = Math.min(key.length, length);
    for (let k = 0; k < n; k++) {
      const d = key[k] - this._bytes[from + k];
      if (d !== 0) return d;
    }
    return key.length - length;
  }
}
