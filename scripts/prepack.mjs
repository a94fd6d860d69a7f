// npm runs this before `npm pack` and `npm publish` (and when installing from git): the
// package ships the built WebAssembly modules, which git does not hold, so they are built
// here when missing or older than the sources they come from (needs scripts/setup first).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = ['hearth.mjs', 'hearth.wasm', 'hearth-mt.mjs', 'hearth-mt.wasm', 'hearth-mt.worker.js'].map((f) => join(root, 'web/dist', f));
const sources = ['core', 'wasm'].flatMap((dir) => readdirSync(join(root, dir), { recursive: true }).map((f) => join(root, dir, String(f))))
  .filter((f) => /\.(cpp|h)$/.test(f)).concat(join(root, 'CMakeLists.txt'));
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
const stale = built.filter((f) => !existsSync(f) || statSync(f).mtimeMs < newest);
if (stale.length > 0) {
  console.error(`prepack: building the WebAssembly modules (${stale.length} of ${built.length} files missing or older than core/ and wasm/)`);
  try {
    execFileSync(join(root, 'scripts/build'), ['--wasm-only'], { cwd: root, stdio: ['ignore', 2, 2] });
  } catch {
    console.error('prepack: the build failed; run scripts/setup (Emscripten, from Debian) and try again');
    process.exit(1);
  }
}
