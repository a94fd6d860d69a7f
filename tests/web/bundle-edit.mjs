// Takes a bundle apart into its sections and writes sections back into a valid bundle
// (core/device/bundle/FORMAT.md: header, table, 64-aligned payloads, XXH64 checksums), so that tests
// can make bundles that are sound containers holding bad contents. Written from the format
// document, independently of the C++ writer.

const M = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

const rotl = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M;
const round = (acc, lane) => (rotl((acc + lane * P2) & M, 31) * P1) & M;
const merge = (acc, v) => (((acc ^ round(0n, v)) * P1 + P4) & M);

/** XXH64 of bytes with a seed (BigInt in, BigInt out). */
export function xxh64(bytes, seed = 0n) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength;
  let i = 0;
  let h;
  if (n >= 32) {
    let v1 = (seed + P1 + P2) & M, v2 = (seed + P2) & M, v3 = seed, v4 = (seed - P1) & M;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) & M;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = (seed + P5) & M;
  }
  h = (h + BigInt(n)) & M;
  for (; i + 8 <= n; i += 8) h = ((rotl(h ^ round(0n, view.getBigUint64(i, true)), 27) * P1) + P4) & M;
  if (i + 4 <= n) { h = ((rotl(h ^ ((BigInt(view.getUint32(i, true)) * P1) & M), 23) * P2) + P3) & M; i += 4; }
  for (; i < n; i++) h = (rotl(h ^ ((BigInt(bytes[i]) * P5) & M), 11) * P1) & M;
  h = ((h ^ (h >> 33n)) * P2) & M;
  h = ((h ^ (h >> 29n)) * P3) & M;
  return h ^ (h >> 32n);
}

export const DTYPE = { json: 1, strings: 2, f32: 3, i8: 4, u32: 5 };

/**
 * The sections of a bundle, in table order: { name, dtype, rows, cols, payload } with the
 * payload copied.
 * @param {Uint8Array} bytes
 */
export function readSections(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(16, true);
  const table = Number(view.getBigUint64(32, true));
  const out = [];
  for (let s = 0; s < count; s++) {
    const at = table + 64 * s;
    const nameBytes = bytes.subarray(at, at + 24);
    const name = new TextDecoder().decode(nameBytes.subarray(0, nameBytes.indexOf(0) < 0 ? 24 : nameBytes.indexOf(0)));
    const offset = Number(view.getBigUint64(at + 40, true));
    const length = Number(view.getBigUint64(at + 48, true));
    out.push({
      name, dtype: view.getUint32(at + 24, true), rows: view.getUint32(at + 28, true), cols: view.getUint32(at + 32, true),
      payload: bytes.slice(offset, offset + length),
    });
  }
  return out;
}

/**
 * A valid bundle (format 1.0) holding these sections, in this order.
 * @param {{ name: string, dtype: number, rows: number, cols: number, payload: Uint8Array }[]} sections
 */
export function writeSections(sections) {
  const align = (x) => Math.ceil(x / 64) * 64;
  let end = 64 + 64 * sections.length;
  const offsets = sections.map((s) => { const at = align(end); end = at + s.payload.byteLength; return at; });
  const size = sections.length ? end : 64;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x48, 0x45, 0x41, 0x52, 0x54, 0x48, 0x42, 0x00]);
  view.setUint16(8, 1, true);
  view.setUint32(16, sections.length, true);
  view.setBigUint64(24, BigInt(size), true);
  view.setBigUint64(32, 64n, true);
  sections.forEach((s, i) => {
    const at = 64 + 64 * i;
    out.set(new TextEncoder().encode(s.name), at);
    view.setUint32(at + 24, s.dtype, true);
    view.setUint32(at + 28, s.rows, true);
    view.setUint32(at + 32, s.cols, true);
    view.setBigUint64(at + 40, BigInt(offsets[i]), true);
    view.setBigUint64(at + 48, BigInt(s.payload.byteLength), true);
    view.setBigUint64(at + 56, xxh64(s.payload), true);
    out.set(s.payload, offsets[i]);
  });
  const h0 = xxh64(out.subarray(0, 64));  // bytes [40, 48) are still zero here
  view.setBigUint64(40, xxh64(out.subarray(64, 64 + 64 * sections.length), h0), true);
  return out;
}

/** The bundle with `edit(sections)` applied (edit changes the list in place). */
export function editBundle(bytes, edit) {
  const sections = readSections(bytes);
  edit(sections);
  return writeSections(sections);
}

/** A section's f32 payload as a Float32Array view (edits change the section). */
export function f32Of(section) {
  return new Float32Array(section.payload.buffer, section.payload.byteOffset, section.payload.byteLength / 4);
}

/** A json section holding `text`. */
export function jsonSection(name, text) {
  const payload = new TextEncoder().encode(text);
  return { name, dtype: DTYPE.json, rows: 1, cols: payload.byteLength, payload };
}

/**
 * Gives item `copy` the id of item `of` in the sections of a bundle, keeping a sound
 * container and, when there is one, a catalog.id_order that still sorts the ids (compared as
 * bytes, as the reader does), so that only the duplicate is wrong.
 */
export function duplicateId(sections, { of = 0, copy = 1 } = {}) {
  const ids = sections.find((x) => x.name === 'catalog.ids');
  const view = new DataView(ids.payload.buffer, ids.payload.byteOffset);
  const chars = 4 * (ids.rows + 1);
  const text = (i) => ids.payload.slice(chars + view.getUint32(4 * i, true), chars + view.getUint32(4 * i + 4, true));
  const strings = Array.from({ length: ids.rows }, (_, i) => text(i === copy ? of : i));
  const payload = new Uint8Array(chars + strings.reduce((n, b) => n + b.byteLength, 0));
  const out = new DataView(payload.buffer);
  let at = 0;
  strings.forEach((b, i) => { out.setUint32(4 * i, at, true); payload.set(b, chars + at); at += b.byteLength; });
  out.setUint32(4 * ids.rows, at, true);
  ids.payload = payload;
  const order = sections.find((x) => x.name === 'catalog.id_order');
  if (order) {
    const bytes = (b) => String.fromCharCode(...b);
    const sorted = strings.map((b, i) => [bytes(b), i]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    order.payload = new Uint8Array(new Uint32Array(sorted.map(([, i]) => i)).buffer);
  }
}
