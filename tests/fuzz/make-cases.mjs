// Writes the hand-made hostile bundles of tests/fuzz/regressions/ from small real bundles:
//   node tests/fuzz/make-cases.mjs ALS.hearth BMF.hearth SASREC.hearth
// (scripts/fuzz makes such bundles in build/fuzz/seeds). Each is a sound container (valid
// checksums) with one bad content, named `<expected error code>--<what>.case`.
import { readFileSync, writeFileSync } from 'node:fs';
import { editBundle, f32Of, duplicateId, DTYPE } from '../web/bundle-edit.mjs';

const [als, bmf, sasrec] = process.argv.slice(2).map((p) => new Uint8Array(readFileSync(p)));
if (!sasrec) throw new Error('usage: node tests/fuzz/make-cases.mjs ALS.hearth BMF.hearth SASREC.hearth');
const out = new URL('./regressions/', import.meta.url);
const find = (sections, name) => {
  const s = sections.find((x) => x.name === name);
  if (!s) throw new Error(`no section ${name}`);
  return s;
};
const write = (name, bytes) => writeFileSync(new URL(name, out), bytes);

write('bundle--nan-in-mf-factors.case', editBundle(als, (s) => { f32Of(find(s, 'mf.factors'))[3] = NaN; }));
write('bundle--overflowing-mf-gram.case', editBundle(als, (s) => { f32Of(find(s, 'mf.gram'))[0] = 3e38; }));
write('bundle--infinite-item-bias.case', editBundle(bmf, (s) => { f32Of(find(s, 'mf.item_bias'))[1] = Infinity; }));
write('bundle--nan-in-sasrec-tensor.case', editBundle(sasrec, (s) => { f32Of(find(s, 'sasrec.pos_emb'))[2] = NaN; }));
write('bundle--meta-of-wrong-dtype.case', editBundle(als, (s) => {
  s[s.findIndex((x) => x.name === 'meta')] = { name: 'meta', dtype: DTYPE.u32, rows: 1, cols: 1, payload: new Uint8Array(4) };
}));
write('bundle--duplicate-ids.case', editBundle(als, (s) => duplicateId(s)));  // items 0 and 1 share an id
console.log('wrote 6 cases to tests/fuzz/regressions/');
