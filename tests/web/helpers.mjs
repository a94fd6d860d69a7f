// Shared fixtures for the web tests: the native CLI builds real bundles to load in wasm.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = process.env.HEARTH_CLI || join(root, 'build/native/bin/hearth');

export function hearth(...args) {
  if (!existsSync(cli)) throw new Error(`native CLI not found at ${cli}: run scripts/build first`);
  return execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const cache = new Map();

/** A synthetic world trained into a bundle with the given model, built once per process. */
export function trainedBundle(model = 'als') {
  if (!cache.has(model)) {
    const dir = mkdtempSync(join(tmpdir(), `hearth-web-${model}-`));
    hearth('synth', '--out', dir, '--items', '600', '--users', '300', '--seed', '7');
    const bundle = join(dir, `${model}.hearth`);
    const sequence = model === 'sasrec' || model === 'hybrid'
      ? ['--dim', '16', '--heads', '2', '--max-len', '20', '--epochs', '3', '--batch', '64']
      : [];
    hearth('train', '--data', join(dir, 'ratings.csv'), '--items', join(dir, 'items.csv'),
      '--model', model, '--factors', '16', '--iterations', '6', ...sequence, '--out', bundle);
    cache.set(model, { dir, bundle });
  }
  return cache.get(model);
}

/** The histories of the first users in a synthetic ratings.csv, oldest first. */
export function sampleHistories(ratingsCsv, readFileSync, users = 5) {
  const rows = readFileSync(ratingsCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const byUser = new Map();
  for (const [user, item, rating, ts] of rows) {
    if (!byUser.has(user)) byUser.set(user, []);
    byUser.get(user).push({ id: item, value: Number(rating), ts: Number(ts) });
  }
  return [...byUser.values()].slice(0, users).map((h) => h.sort((a, b) => a.ts - b.ts).map(({ id, value }) => ({ id, value })));
}
