// Shared by the browser tests: a small synthetic bundle made with the native CLI, the
// demo site built from it and served on 127.0.0.1, and Debian's Chromium driven by
// playwright-core with a fresh profile.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildSite } from '../../demo/build.mjs';
import { startServer } from '../../demo/serve.mjs';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const outputDir = join(repo, 'tests/output');
const cli = process.env.HEARTH_CLI || join(repo, 'build/native/bin/hearth');
const CHROMIUM = process.env.HEARTH_CHROMIUM || '/usr/bin/chromium';

/**
 * Builds and serves the site from a fresh small bundle. `titles` renames items in the
 * catalog before training (to test how hostile titles are shown).
 * @returns {Promise<{ url: string, dir: string, ids: string[], close: () => Promise<void> }>}
 */
export async function serveSite({ mutateItems } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-site-'));
  execFileSync(cli, ['synth', '--out', join(dir, 'data'), '--items', '400', '--users', '200'], { stdio: 'pipe' });
  const itemsPath = join(dir, 'data/items.csv');
  if (mutateItems) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(itemsPath, mutateItems(readFileSync(itemsPath, 'utf8')));
  }
  execFileSync(cli, ['train', '--data', join(dir, 'data/ratings.csv'), '--items', itemsPath, '--model', 'hybrid',
    '--epochs', '3', '--dim', '16', '--max-len', '20', '--eval', '--out', join(dir, 'model.hearth')], { stdio: 'pipe' });
  await buildSite({ bundle: join(dir, 'model.hearth'), out: join(dir, 'site') });
  const { server, url } = await startServer({ root: join(dir, 'site'), port: 0, quiet: true });
  const ids = readFileSync(itemsPath, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split(',')[0]);
  return {
    url, dir, ids,
    close: async () => {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh Chromium profile. Returns { context, page, close }. */
export async function launch({ viewport = { width: 1200, height: 900 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'hearth-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return {
    context, page, errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits for the next completed render of the visible view after `action` ran. */
export async function afterRender(page, action) {
  const before = Number(await page.locator('#main').getAttribute('data-renders') || 0);
  await action();
  await page.waitForFunction((n) => Number(document.getElementById('main').dataset.renders || 0) > n, before);
}

/** Opens the site and waits until the model is loaded and the first view rendered. */
export async function open(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders);
}

export async function screenshot(page, name) {
  mkdirSync(outputDir, { recursive: true });
  await page.screenshot({ path: join(outputDir, name), fullPage: false });
}
