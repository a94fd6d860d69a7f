// Writes the static demo site: the page sources, the library (web/src and web/dist, laid
// out as in the package so its relative imports hold), the bundle as model.hearth, a
// config module with the bundle's digest, and a service worker that precaches all of it.
//   node demo/build.mjs --bundle FILE [--out DIR]    (default DIR out/demo/site)
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {{ bundle: string, out: string }} options  resolves to the list of files written */
export async function buildSite({ bundle, out }) {
  const site = resolve(out);
  await rm(site, { recursive: true, force: true });
  await mkdir(site, { recursive: true });
  await cp(join(repo, 'demo/site-src'), site, { recursive: true });
  await cp(join(repo, 'web/src'), join(site, 'lib/src'), { recursive: true });
  await mkdir(join(site, 'lib/dist'), { recursive: true });
  for (const f of ['hearth.mjs', 'hearth.wasm', 'hearth-mt.mjs', 'hearth-mt.wasm', 'hearth-mt.worker.js']) {
    await cp(join(repo, 'web/dist', f), join(site, 'lib/dist', f));
  }
  // Node-only parts of the library are imported lazily and never reached in a browser, but
  // they are copied anyway: the package's own module graph must resolve unchanged.

  const bytes = await readFile(bundle);
  await writeFile(join(site, 'model.hearth'), bytes);
  // With an integrity value the library reuses its cached copy without any request.
  const integrity = 'sha256-' + createHash('sha256').update(bytes).digest('base64');
  await writeFile(join(site, 'js/config.js'),
    `// Written by demo/build.mjs.\nexport const BUNDLE = ${JSON.stringify({ url: 'model.hearth', integrity, bytes: bytes.length })};\n`);

  const files = (await walk(site)).filter((f) => f !== 'sw.js').sort();
  const version = createHash('sha256');
  for (const f of files) version.update(f).update(await readFile(join(site, f)));
  const sw = (await readFile(join(site, 'sw.js'), 'utf8'))
    .replace("'__VERSION__'", JSON.stringify(version.digest('hex').slice(0, 16)))
    .replace("['__FILES__']", JSON.stringify(['./', ...files.map((f) => './' + f)]));
  await writeFile(join(site, 'sw.js'), sw);
  return files;
}

async function walk(root, dir = root) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await walk(root, path));
    else out.push(relative(root, path).split('\\').join('/'));
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let bundle = null;
  let out = 'out/demo/site';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--bundle') bundle = args[++i];
    else if (args[i] === '--out') out = args[++i];
    else {
      console.error('usage: node demo/build.mjs --bundle FILE [--out DIR]');
      process.exit(2);
    }
  }
  if (!bundle) {
    console.error('usage: node demo/build.mjs --bundle FILE [--out DIR]');
    process.exit(2);
  }
  const files = await buildSite({ bundle, out });
  console.log(`built ${out}: ${files.length + 1} files`);
}
