// PackedStrings (web/src/packed-strings.js): the worker client's ids and titles, kept as the
// bundle's string-table bytes. Checked against the plain arrays they encode: every string
// back, and find() by binary search over byte order (as catalog.id_order sorts ids)
// against a Map, for ASCII, multi-byte and empty ids, with and without the order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedStrings } from '../../web/src/packed-strings.js';

// The bundle's layout: count + 1 u32 byte offsets, then the UTF-8 bytes.
function pack(strings) {
  const encoded = strings.map((s) => new TextEncoder().encode(s));
  const chars = encoded.reduce((n, e) => n + e.length, 0);
  const bytes = new Uint8Array((strings.length + 1) * 4 + chars);
  const offsets = new Uint32Array(bytes.buffer, 0, strings.length + 1);
  let at = 0;
  encoded.forEach((e, i) => {
    offsets[i] = at;
    bytes.set(e, (strings.length + 1) * 4 + at);
    at += e.length;
  });
  offsets[strings.length] = at;
  return bytes;
}

function randomIds(n, seed) {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const alphabet = ['a', 'b', 'Z', '0', '9', '-', 'é', 'ß', '中', '文', '🎬', ' ', 'Ａ'];  // Ａ: U+FF21, above the surrogates
  const ids = new Set(['', 'a', 'ab', 'b']);
  while (ids.size < n) {
    let s = '';
    const length = 1 + Math.floor(rand() * 6);
    for (let k = 0; k < length; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
    ids.add(s);
  }
  return [...ids];
}

test('every string comes back, and find() agrees with a Map, with the byte order and without it', () => {
  const ids = randomIds(2000, 7);
  const bytes = pack(ids);
  const enc = new TextEncoder();
  const order = Uint32Array.from(ids.map((_, i) => i).sort((a, b) => Buffer.compare(enc.encode(ids[a]), enc.encode(ids[b]))));
  const reference = new Map(ids.map((s, i) => [s, i]));
  for (const table of [new PackedStrings(bytes, ids.length, order), new PackedStrings(bytes, ids.length)]) {
    assert.equal(table.length, ids.length);
    for (let i = 0; i < ids.length; i++) assert.equal(table.at(i), ids[i]);
    for (const s of ids) assert.equal(table.find(s), reference.get(s), `find(${JSON.stringify(s)})`);
    for (const s of ['zz', 'a\u0000', '中文中文中文中文', 'é'.repeat(9), 'A']) {
      assert.equal(table.find(s), reference.get(s), `find(${JSON.stringify(s)}) of an absent id`);
    }
    assert.equal(table.find(42), undefined);
  }
  // A UTF-16 order (what a plain sort() gives) differs from the byte order for these ids,
  // so the test would catch a search that compared strings instead of bytes.
  const utf16 = [...ids].sort();
  assert.notDeepEqual(Array.from(order, (i) => ids[i]), utf16);
  const empty = PackedStrings.empty();
  assert.equal(empty.length, 0);
  assert.equal(empty.find('a'), undefined);
});
