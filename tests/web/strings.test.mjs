// Catalog strings are decoded in place from the bundle's bytes in wasm memory: whole tables
// (ASCII in one pass, others string by string) or one string when first shown (short ASCII
// without TextDecoder), and ids are found through the C++ catalog's hash table. Every path
// must give back exactly what the CSV held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { hearth } from './helpers.mjs';

test('ids, titles and tags round-trip through the bundle, ASCII or not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-strings-'));
  const titles = ['Amélie (2001)', 'Crouching Tiger, Hidden Dragon (臥虎藏龍)', 'Plain title', 'Emoji 🎬 night', 'Ünïcödé',
    'A plain ASCII title that is longer than sixty-four bytes, decoded in one call'];
  const ids = ['a', 'b', 'c', 'd', 'é', 'long-id-0123456789'];
  const tags = ['Comedy|Romance', 'Action|Drama', 'Drama', 'Comedy', 'Fantasy|Komödie', 'Drama'];
  writeFileSync(join(dir, 'items.csv'), 'id,title,tags\n' + ids.map((id, i) => `${id},"${titles[i]}",${tags[i]}`).join('\n') + '\n');
  const rows = ['user,item'];
  for (let u = 0; u < 12; u++) for (let i = 0; i < ids.length; i++) if ((u + i) % 2 === 0) rows.push(`u${u},${ids[i]}`);
  writeFileSync(join(dir, 'ratings.csv'), rows.join('\n') + '\n');
  const bundle = join(dir, 'm.hearth');
  hearth('train', '--data', join(dir, 'ratings.csv'), '--items', join(dir, 'items.csv'), '--factors', '2', '--iterations', '2', '--out', bundle);
  // The synthetic worlds of the other tests cover the all-ASCII path.
  const rec = await createRecommender({ bundle });
  try {
    const byId = new Map(rec.catalog().map((item) => [item.id, item]));
    ids.forEach((id, i) => {
      assert.equal(byId.get(id).title, titles[i]);
      assert.deepEqual([...byId.get(id).tags].sort(), tags[i].split('|').sort());
    });
    ids.forEach((id, i) => assert.equal(rec.item(id).title, titles[i]));
    for (const unknown of ['e', 'é ', 'long-id-012345678', 'A', '']) assert.equal(rec.item(unknown), undefined);
    const [top] = await rec.recommend([{ id: 'é', value: 1 }], { k: 1 });
    assert.ok(ids.includes(top.id));
    await assert.rejects(rec.recommend([{ id: 'e', value: 1 }]), { code: 'unknown-item' });
  } finally {
    rec.dispose();
  }
});
