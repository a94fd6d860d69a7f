// The Catch2 kernel tests compiled to WebAssembly: simd128 variants against the scalar
// references on the instruction set the browser runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('../../build/wasm/hearth_wasm_kernel_tests.cjs', import.meta.url));

test('simd128 kernels match their scalar references in wasm', () => {
  assert.ok(existsSync(runner), `${runner} is missing: run scripts/build`);
  // This Emscripten's Node loader fetch()es the .wasm unless fetch is off.
  const r = spawnSync(process.execPath, ['--no-experimental-fetch', runner], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /All tests passed/);
});
