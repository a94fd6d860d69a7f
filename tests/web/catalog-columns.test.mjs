// A large catalog is in memory once: the per-item columns (tags, popularity, "new") are
// read from the bundle in the wasm heap, not copied into JS, and reading them survives the
// heap growing under them (a view taken once would be detached); the heap itself holds the
// bundle and little more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { hearth } from './helpers.mjs';

const ITEMS = 150000;

// Every typed array reachable from `root` (own properties, a few levels deep), but for the
// module's own (its heap views, the wasm binary).
function typedArrays(root, depth = 4, seen = new Set(), out = []) {
  if (root === null || typeof root !== 'object' || seen.has(root) || depth < 0) return out;
  seen.add(root);
  if (ArrayBuffer.isView(root)) {
    out.push(root);
    return out;
  }
  if (root instanceof Map || root instanceof Set) return out;
  for (const key of Object.getOwnPropertyNames(root)) {
    if (key === '_module') continue;
    const d = Object.getOwnPropertyDescriptor(root, key);
    if (d && 'value' in d) typedArrays(d.value, depth - 1, seen, out);
  }
  return out;
}

const path = join(mkdtempSync(join(tmpdir(), 'hearth-columns-')), 'b.hearth');
hearth('bench-bundle', '--items', String(ITEMS), '--model', 'mf', '--out', path);

// First: the module (shared by every recommender of this process) has not grown yet.
test('the wasm heap holds the bundle and little more after open and a first list', async () => {
  const rec = await createRecommender({ bundle: path, storage: 'memory' });
  try {
    await rec.recommend([rec.catalog()[3].id, rec.catalog()[7].id], { k: 20 });
    await rec.recommend([], { k: 20 });  // the empty-history path's tables too
    const m = rec._inner._module;
    const heap = m.HEAPU8.length;
    const idle = (heap - m.heapBytesInUse()) / heap;
    // Emscripten's default growth step (20% beyond what is asked) left 22% idle here.
    assert.ok(heap > statSync(path).size, 'the bundle is in the heap');
    assert.ok(idle <= 0.15, `wasm heap ${heap} B, ${(100 * idle).toFixed(1)}% of it not in use`);
  } finally {
    await rec.dispose();
  }
});

test('the recommender keeps no JS copy of a per-item column, and reads them right after the heap grows', async () => {
  const rec = await createRecommender({ bundle: path, storage: 'memory' });
  try {
    const inner = rec._inner;
    const heap = inner._module.HEAPU8.buffer;
    const copies = typedArrays(inner).filter((a) => a.buffer !== heap && a.length >= ITEMS);
    assert.deepEqual(copies.map((a) => `${a.constructor.name}(${a.length})`), [], 'per-item arrays outside the wasm heap');

    const before = rec.catalog().slice(0, 50);
    const list = await rec.recommend([before[3].id, before[7].id], { k: 10 });
    // Grow the heap: every view taken before it is detached now.
    const grow = inner._module._malloc(256 << 20);
    assert.ok(grow, 'the heap grew');
    assert.notEqual(inner._module.HEAPU8.buffer, heap);
    try {
      assert.deepEqual(rec.catalog().slice(0, 50), before);
      assert.deepEqual(rec.item(before[10].id), { id: before[10].id, title: before[10].title, tags: before[10].tags });
      assert.deepEqual(await rec.recommend([before[3].id, before[7].id], { k: 10 }), list);
      assert.ok(before.every((x, i) => i === 0 || before[i - 1].popularity >= x.popularity), 'most popular first');
      assert.ok(before.some((x) => x.tags.length > 0), 'the bench catalog has tags');
    } finally {
      inner._module._free(grow);
    }
  } finally {
    await rec.dispose();
  }
});
