// `hearth import` of a PyTorch SASRec (safetensors written here with the port's tensor
// names), then recommendations from the imported bundle in wasm and natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecommender } from '../../web/src/index.js';
import { hearth } from './helpers.mjs';

const d = 8, items = 12, maxLen = 5, ffn = 8;

// A deterministic pseudo-random float in [-0.5, 0.5).
let state = 12345;
const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;

function safetensors(tensors) {
  const header = {};
  const chunks = [];
  let offset = 0;
  for (const [name, shape, fill] of tensors) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => fill(i));
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    chunks.push(new Uint8Array(data.buffer));
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

function portModel() {
  const r = () => rand() * 0.6;
  return [
    ['item_emb.weight', [items + 1, d], (i) => (i < d ? 0 : r())],  // row 0: padding
    ['pos_emb.weight', [maxLen + 1, d], r],
    ['attention_layernorms.0.weight', [d], () => 1 + r() * 0.2],
    ['attention_layernorms.0.bias', [d], r],
    ['attention_layers.0.in_proj_weight', [3 * d, d], r],
    ['attention_layers.0.in_proj_bias', [3 * d], r],
    ['attention_layers.0.out_proj.weight', [d, d], r],
    ['attention_layers.0.out_proj.bias', [d], r],
    ['forward_layernorms.0.weight', [d], () => 1 + r() * 0.2],
    ['forward_layernorms.0.bias', [d], r],
    ['forward_layers.0.conv1.weight', [ffn, d, 1], r],
    ['forward_layers.0.conv1.bias', [ffn], r],
    ['forward_layers.0.conv2.weight', [d, ffn, 1], r],
    ['forward_layers.0.conv2.bias', [d], r],
    ['last_layernorm.weight', [d], () => 1 + r() * 0.2],
    ['last_layernorm.bias', [d], r],
  ];
}

test('an imported PyTorch SASRec recommends the same in wasm and natively', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-import-'));
  const ids = Array.from({ length: items }, (_, i) => `movie-${i + 1}`);
  writeFileSync(join(dir, 'model.safetensors'), safetensors(portModel()));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ dim: d, heads: 2, blocks: 1, max_len: maxLen, item_ids: ids }));
  writeFileSync(join(dir, 'items.csv'), 'id,title,tags\n' + ids.map((id, i) => `${id},Film ${i + 1},${i % 2 ? 'drama' : 'comedy'}`).join('\n'));
  const bundle = join(dir, 'imported.hearth');
  hearth('import', '--safetensors', join(dir, 'model.safetensors'), '--config', join(dir, 'config.json'),
    '--items', join(dir, 'items.csv'), '--out', bundle);

  const rec = await createRecommender({ bundle });
  try {
    assert.deepEqual(rec.models, { mf: null, sasrec: true, hybridWeight: null });
    assert.equal(rec.item('movie-3').title, 'Film 3');
    const history = ['movie-2', 'movie-7', 'movie-1', 'movie-9', 'movie-4', 'movie-11'];  // longer than max_len
    const wasm = await rec.recommend(history, { k: 4 });
    const native = JSON.parse(hearth('recommend', '--bundle', bundle, '--history', history.join(','), '--k', '4', '--json')).items;
    assert.deepEqual(wasm.map((r) => r.id), native.map((r) => r.id));
    wasm.forEach((r, i) => assert.ok(Math.abs(r.score - native[i].score) <= 1e-4 * Math.max(1, Math.abs(r.score))));
    // Only the last max_len items count: dropping the oldest one changes nothing.
    const recent = await rec.recommend(history.slice(1), { k: 4, exclude: [history[0]] });
    assert.deepEqual(recent.map((r) => [r.id, r.score]), wasm.map((r) => [r.id, r.score]));
  } finally {
    rec.dispose();
  }
});

test('import names the missing tensor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-import-bad-'));
  writeFileSync(join(dir, 'model.safetensors'), safetensors(portModel().filter(([name]) => name !== 'last_layernorm.bias')));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ dim: d, heads: 2, blocks: 1, max_len: maxLen }));
  assert.throws(() => hearth('import', '--safetensors', join(dir, 'model.safetensors'), '--config', join(dir, 'config.json'),
    '--out', join(dir, 'x.hearth')), (e) => /last_layernorm\.bias/.test(String(e.stderr)) && e.status === 1);
});
