// The demo in English and Simplified Chinese. The two message tables have the same keys,
// places and plural forms; the language follows navigator.languages, the switch changes it
// (by keyboard too) and is remembered; <html lang> and dir follow it; in each language every
// tab has 0 axe-core violations; in Chinese no visible text or accessible name is English
// words (titles, tags and moods from the data and brand names aside), in English none is
// Chinese. A screenshot of every tab in both languages goes to tests/output/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildSite } from '../../demo/build.mjs';
import { createRecommender } from '../../web/src/index.js';
import { startServer } from '../../demo/serve.mjs';
import { serveSite, outputDir, repo } from './helpers.mjs';
import { ENGINES, openBrowser } from './drivers.mjs';
import { LANGUAGES, pickLanguage, pluralOf, setLanguage, STORAGE_KEY } from '../../demo/site-src/js/i18n/index.js';

const CHROMIUM = process.env.HEARTH_CHROMIUM || '/usr/bin/chromium';
const TABS = [['foryou', 'for-you'], ['browse', 'browse'], ['data', 'your-data'], ['about', 'about']];
// Names that stay as they are in every language.
const BRANDS = ['Hearth', 'WebAssembly', 'SASRec', 'NDCG', 'MRR', 'HR@', 'MF', 'ALS', 'C++', 'JSON', 'IndexedDB',
  'localStorage', 'Resource Timing', 'Service Worker', 'MB', 'English'];

// axe-core, injected by the test driver (the page's CSP allows no inline script, and none is needed).
const require = createRequire(import.meta.url);
let axeSource = null;
try { axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'); } catch { /* reported as a skip */ }
const noAxe = axeSource ? false : 'axe-core is not installed (npm install: it is a dev dependency)';

// ---------------------------------------------------------------- the tables, in Node

const placesOf = (m) => new Set([...(typeof m === 'string' ? [m] : Object.values(m)).join(' ').matchAll(/\{(\w+)\}/g)].map((x) => x[1]));

test('the English and Chinese tables have the same keys, the same {places} and every plural form', () => {
  const en = LANGUAGES.en.messages;
  const zh = LANGUAGES['zh-Hans'].messages;
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [code, { messages }] of Object.entries(LANGUAGES)) {
    setLanguage(code);
    const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
    for (const [key, m] of Object.entries(messages)) {
      assert.deepEqual([...placesOf(m)].sort(), [...placesOf(en[key])].sort(), `${code} ${key}: the same places as English`);
      if (typeof m === 'object') {
        for (const c of categories) assert.equal(typeof m[c], 'string', `${code} ${key}: a '${c}' form`);
        assert.ok(placesOf(m).has('count'), `${code} ${key}: a plural message counts {count}`);
      } else {
        assert.equal(typeof m, 'string', `${code} ${key}`);
      }
    }
    assert.equal(pluralOf(1), code === 'en' ? 'one' : 'other');
  }
  setLanguage('en');
});

test('the page language from navigator.languages: any Chinese is zh-Hans, else English', () => {
  for (const tag of ['zh', 'zh-CN', 'zh-SG', 'zh-Hans', 'zh-Hans-CN', 'zh-TW', 'ZH-cn']) assert.equal(pickLanguage([tag]), 'zh-Hans', tag);
  for (const tags of [['en-US'], ['en'], ['fr-FR', 'de'], [], undefined, ['en-GB', 'zh-CN']]) assert.equal(pickLanguage(tags), 'en', String(tags));
  assert.equal(pickLanguage(['fr', 'zh-CN', 'en']), 'zh-Hans', 'the first language the page has wins');
  assert.equal(STORAGE_KEY, 'hearth-demo:language', 'the key the browser tests read');
});

// ---------------------------------------------------------------- the page, in browsers

let site;
let data;
before(async () => {
  site = await serveSite();
  data = catalogStrings(readFileSync(join(site.dir, 'data/items.csv'), 'utf8'));
});
after(async () => { await site?.close(); });

// Every title and tag of the catalog (items.csv: id, title, then the tag columns: tags, or
// genres, moods and series): text from the data, in whatever language it is in.
function catalogStrings(csv) {
  const out = new Set();
  for (const line of csv.split('\n').slice(1).filter(Boolean)) {
    const cells = [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1].replace(/^"|"$/g, '').replace(/""/g, '"'));
    out.add(cells[1]);
    for (const tag of cells.slice(2).flatMap((c) => c.split('|')).filter(Boolean)) out.add(tag);
  }
  return [...out];
}

// Runs in the page: visible text and accessible names that are in the wrong language. Data
// (<bdi>, <code>, anything with its own lang, and the catalog's strings) and brand names are
// left out; what is left may not hold English words (in Chinese) or Han characters (in English).
function wrongLanguage({ strings, brands }) {
  const lang = document.documentElement.lang;
  const moods = [...document.querySelectorAll('button.mood')].map((b) => b.textContent);
  const known = [...strings, ...moods, ...brands].sort((a, b) => b.length - a.length);
  const strip = (text) => known.reduce((s, k) => s.split(k).join(' '), text);
  const wrong = lang === 'en' ? /\p{Script=Han}/u : /[A-Za-z]{2,}/;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('bdi, code, script, style, [lang]:not(html)') || !n.textContent.trim()) continue;
    if (el.getClientRects().length > 0 && wrong.test(strip(n.textContent))) out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [title], option')) {
    if (el.closest('[hidden], [lang]:not(html)')) continue;
    for (const text of [el.getAttribute('aria-label'), el.getAttribute('title'), el.tagName === 'OPTION' ? el.textContent : null]) {
      if (text && wrong.test(strip(text))) out.push(`${el.tagName.toLowerCase()}: ${text}`);
    }
  }
  if (wrong.test(strip(document.title))) out.push(`title: ${document.title}`);
  return out;
}

function axeViolations() {
  // Only the visible view and the page around it (hidden views are empty or stale).
  return window.axe.run(document, { resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`));
}

async function launchChromium(locale, viewport = { width: 1200, height: 900 }) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { page, errors, close: () => browser.close() };
}

const renders = (page) => page.evaluate(() => Number(document.getElementById('main').dataset.renders || 0));
const ready = () => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders;

// Playwright's and puppeteer's waitForFunction take their arguments in different orders:
// one helper per engine that runs `action` and waits for the next render.
async function rendered(page, action, waitFor) {
  const n = await renders(page);
  await action();
  await waitFor((k) => Number(document.getElementById('main').dataset.renders || 0) > k, n);
}

// What the page says its language is (the remembered choice is under STORAGE_KEY).
const pageState = () => ({
  lang: document.documentElement.lang,
  dir: document.documentElement.dir,
  pressed: [...document.querySelectorAll('#language button')].map((b) => [b.dataset.lang, b.getAttribute('aria-pressed')]),
  remembered: localStorage.getItem('hearth-demo:language'),
  tab: document.querySelector('[role="tab"][aria-selected="true"]').textContent,
});

test('chromium: a Chinese browser gets the Chinese page; every tab in both languages is accessible, in one language, and photographed', async () => {
  const b = await launchChromium('zh-CN');
  const { page } = b;
  const wait = (fn, arg) => page.waitForFunction(fn, arg, { timeout: 60000 });
  try {
    await page.goto(site.url);
    await wait(ready);
    let state = await page.evaluate(pageState);
    assert.equal(state.lang, 'zh-Hans', 'navigator.languages zh-CN gives zh-Hans');
    assert.equal(state.dir, 'ltr');
    assert.deepEqual(state.pressed, [['en', 'false'], ['zh-Hans', 'true']]);
    assert.equal(state.remembered, null, 'nothing is remembered until the person chooses');
    assert.equal(state.tab, '为你推荐');
    assert.equal(await page.title(), LANGUAGES['zh-Hans'].messages.pageTitle);
    assert.match(await page.locator('.onboarding .popular-in').first().textContent(), /类的热门作品$/);
    // A history, so that every part of every tab shows: ratings, reasons, the genre mix.
    for (let i = 0; i < 5; i++) {
      const card = page.locator('.onboarding article').first();
      await rendered(page, () => card.getByRole('button', { name: i < 4 ? '5 星' : '喜欢', exact: true }).click(), wait);
    }
    assert.equal(await page.locator('#recs-h').textContent(), '为你精选');
    const liked = page.locator('#recs .because[data-kind="liked"]').first();
    assert.match(await liked.textContent(), /^因为你喜欢/);
    assert.ok(await liked.locator('bdi.title-ref').count() >= 1, 'each title its own <bdi>');

    if (!noAxe) await page.evaluate(axeSource);
    for (const code of ['zh-Hans', 'en']) {
      if (code === 'en') {
        await rendered(page, () => page.locator('#language [data-lang="en"]').click(), wait);
        state = await page.evaluate(pageState);
        assert.deepEqual([state.lang, state.dir, state.remembered, state.tab], ['en', 'ltr', 'en', 'About this model']);
      }
      for (const [tab, file] of TABS) {
        await rendered(page, () => page.locator(`#tab-${tab}`).click(), wait);
        if (tab === 'foryou') {
          // An open "Why?" and an open "Not into a tag?" on the first card, so they are checked too.
          const first = page.locator('#recs > li').first();
          const toggle = first.locator('.why-toggle');
          if (await toggle.getAttribute('aria-expanded') !== 'true') await toggle.click();
          await first.locator('.why h5').first().waitFor();
          await first.locator('details.more summary').click();
        }
        // Every title from the data is isolated: in cards, reasons, lists and the history.
        const bare = await page.evaluate(() => [...document.querySelectorAll('.title, .rname, .htitle, .title-ref')]
          .filter((e) => e.tagName !== 'BDI' && !e.querySelector('bdi')).map((e) => e.textContent));
        assert.deepEqual(bare, [], `${code} ${tab}: titles not in a <bdi>`);
        assert.deepEqual(await page.evaluate(wrongLanguage, { strings: data, brands: BRANDS }), [], `${code} ${tab}: text in the wrong language`);
        if (!noAxe) assert.deepEqual(await page.evaluate(axeViolations), [], `${code} ${tab}: axe violations`);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(outputDir, `${code === 'en' ? 'en' : 'zh'}-${file}.png`) });
      }
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('chromium: the language switch works by keyboard, keeps focus, changes every word at once and is remembered', async () => {
  const b = await launchChromium('en-US');
  const { page } = b;
  const wait = (fn, arg) => page.waitForFunction(fn, arg, { timeout: 60000 });
  const focused = () => page.evaluate(() => document.activeElement.dataset.lang || document.activeElement.id || document.activeElement.textContent);
  try {
    await page.goto(site.url);
    await wait(ready);
    assert.equal((await page.evaluate(pageState)).lang, 'en', 'an English browser gets English');
    // Skip links first, then the switch, before the tabs.
    let steps = 0;
    while (await focused() !== 'zh-Hans' && steps++ < 5) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'zh-Hans', 'the switch is reached by Tab');
    await rendered(page, () => page.keyboard.press('Enter'), wait);
    let state = await page.evaluate(pageState);
    assert.deepEqual([state.lang, state.remembered, state.tab], ['zh-Hans', 'zh-Hans', '为你推荐']);
    assert.equal(await focused(), 'zh-Hans', 'focus stays on the switch');
    assert.equal(await page.locator('#recs-h').textContent(), '更多热门作品');
    assert.match(await page.locator('#status').textContent(), /^已就绪：共 \d+ 部作品/);
    assert.equal(await page.locator('footer p').textContent(), LANGUAGES['zh-Hans'].messages.footer);
    assert.deepEqual(await page.evaluate(wrongLanguage, { strings: data, brands: BRANDS }), []);

    // Remembered over a reload, whatever the browser prefers.
    await page.reload();
    await wait(ready);
    assert.equal((await page.evaluate(pageState)).lang, 'zh-Hans');
    // Back to English with Space on the other button.
    steps = 0;
    while (await focused() !== 'en' && steps++ < 5) await page.keyboard.press('Tab');
    await rendered(page, () => page.keyboard.press('Space'), wait);
    state = await page.evaluate(pageState);
    assert.deepEqual([state.lang, state.remembered, state.tab], ['en', 'en', 'For you']);
    assert.deepEqual(state.pressed, [['en', 'true'], ['zh-Hans', 'false']]);
    assert.equal(await page.getByRole('tab', { name: 'About this model' }).count(), 1);
    assert.deepEqual(await page.evaluate(wrongLanguage, { strings: data, brands: BRANDS }), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('chromium: the Chinese page on a 360 px phone: no tab scrolls sideways, the tabs fit one line, tables fit', async () => {
  const b = await launchChromium('zh-CN', { width: 360, height: 740 });
  const { page } = b;
  const wait = (fn, arg) => page.waitForFunction(fn, arg, { timeout: 60000 });
  const layout = () => page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    tabTops: [...document.querySelectorAll('[role="tab"]')].map((e) => e.getBoundingClientRect().top),
    clipped: [...document.querySelectorAll('table td, table th')].filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent),
  }));
  try {
    await page.goto(site.url);
    await wait(ready);
    for (let i = 0; i < 3; i++) {
      await rendered(page, () => page.locator('.onboarding article').first().getByRole('button', { name: '喜欢', exact: true }).click(), wait);
    }
    for (const [tab, file] of TABS) {
      await rendered(page, () => page.locator(`#tab-${tab}`).click(), wait);
      const l = await layout();
      assert.ok(l.overflow <= 0, `${tab}: no horizontal scrolling (overflow ${l.overflow}px)`);
      assert.equal(new Set(l.tabTops).size, 1, `${tab}: the tabs fit on one line (${l.tabTops})`);
      assert.deepEqual(l.clipped, [], `${tab}: every table cell shows its whole text`);
      if (tab === 'foryou') await page.screenshot({ path: join(outputDir, `zh-phone-${file}.png`) });
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

for (const { name: engine, available } of ENGINES.filter((e) => e.name === 'firefox')) {
  test(`${engine}: both languages on every tab: <html lang>, one language, 0 axe violations; the choice is remembered`, { skip: !available && `${engine} is not installed` }, async (t) => {
    const browser = await openBrowser(engine);
    try {
      const page = await browser.newPage();
      const wait = (fn, arg) => page.waitFor(fn, arg);
      await page.goto(site.url);
      await wait(ready);
      if (noAxe) t.diagnostic(noAxe);
      else await page.evaluate(axeSource);
      for (const code of ['en', 'zh-Hans']) {
        if ((await page.evaluate(pageState)).lang !== code) await rendered(page, () => page.click(`#language [data-lang="${code}"]`), wait);
        for (const [tab] of TABS) {
          await rendered(page, () => page.click(`#tab-${tab}`), wait);
          const state = await page.evaluate(pageState);
          assert.deepEqual([state.lang, state.dir], [code, 'ltr'], `${code} ${tab}`);
          assert.deepEqual(await page.evaluate(wrongLanguage, { strings: data, brands: BRANDS }), [], `${code} ${tab}: text in the wrong language`);
          if (!noAxe) assert.deepEqual(await page.evaluate(axeViolations), [], `${code} ${tab}: axe violations`);
        }
      }
      await page.reload();
      await wait(ready);
      assert.equal((await page.evaluate(pageState)).lang, 'zh-Hans', 'the choice is remembered');
      assert.deepEqual(page.errors, []);
    } finally {
      await browser.close();
    }
  });
}

// ---------------------------------------------------------------- the Chinese world

const cli = process.env.HEARTH_CLI || join(repo, 'build/native/bin/hearth');
const synthHelp = (() => { try { return execFileSync(cli, ['synth', '--help'], { encoding: 'utf8' }); } catch (e) { return `${e.stdout}`; } })();
const noZhWorld = /--lang/.test(synthHelp) ? false : 'this hearth has no synth --lang';

// The items.csv columns: { genres, moods, series } as sets (one 'tags' column has none of them).
function columns(csv) {
  const [head, ...rows] = csv.split('\n').filter(Boolean);
  const names = head.split(',');
  const out = Object.fromEntries(names.map((n) => [n, new Set()]));
  for (const row of rows) {
    const cells = [...row.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]);
    names.forEach((n, i) => { for (const v of (cells[i] || '').split('|').filter(Boolean)) out[n].add(v); });
  }
  return out;
}

test('chromium: the site built from the Chinese world (hearth synth --lang zh): Chinese genres and moods in the filters, both languages accessible', { skip: noZhWorld }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-site-zh-'));
  let server = null;
  let b = null;
  try {
    execFileSync(cli, ['synth', '--lang', 'zh', '--out', join(dir, 'data'), '--items', '400', '--users', '200'], { stdio: 'pipe' });
    execFileSync(cli, ['train', '--data', join(dir, 'data/ratings.csv'), '--items', join(dir, 'data/items.csv'), '--model', 'hybrid',
      '--epochs', '3', '--dim', '16', '--max-len', '20', '--eval', '--out', join(dir, 'model.hearth')], { stdio: 'pipe' });
    // Chinese tags have no capital letters: without the bundle's kinds from the library there
    // is no telling genres from moods, and nothing here to test.
    const rec = await createRecommender({ bundle: join(dir, 'model.hearth'), storage: 'memory' });
    const kinds = Object.values(rec.tagKinds ?? {});
    const reasons = 'reason' in (await rec.recommend({ k: 1 }))[0];
    await rec.dispose();
    if (!kinds.includes('genre')) {
      t.skip('this library gives no tag kinds (rec.tagKinds)');
      return;
    }
    b = await launchChromium('zh-CN');
    const { page } = b;
    const wait = (fn, arg) => page.waitForFunction(fn, arg, { timeout: 60000 });
    await buildSite({ bundle: join(dir, 'model.hearth'), out: join(dir, 'site') });
    let url;
    ({ server, url } = await startServer({ root: join(dir, 'site'), port: 0, quiet: true }));
    const csv = readFileSync(join(dir, 'data/items.csv'), 'utf8');
    const world = columns(csv);
    const strings = catalogStrings(csv);
    assert.ok([...world.genres].every((g) => /\p{Script=Han}/u.test(g)), 'the world\'s genres are Chinese');

    await page.goto(url);
    await wait(ready);
    if (!noAxe) await page.evaluate(axeSource);
    // The first two parts of a series: the next one is "next in the series you are watching"
    // (when the library words reasons as structures; the page's own fallback has no series).
    const rows = csv.split('\n').slice(1).filter(Boolean).map((l) => l.split(','));
    const series = rows.find((r) => r[4])[4];
    const parts = rows.filter((r) => r[4] === series).map((r) => r[1]);
    await rendered(page, () => page.locator('#tab-browse').click(), wait);
    for (const title of parts.slice(0, 2)) {
      await rendered(page, () => page.locator('#search').fill(title), wait);
      await rendered(page, () => page.locator('#catalog article').first().getByRole('button', { name: '喜欢', exact: true }).click(), wait);
    }
    await rendered(page, () => page.locator('#search').fill(''), wait);
    await rendered(page, () => page.locator('#tab-foryou').click(), wait);
    if (reasons) {
      const next = page.locator('#recs .because[data-kind="series"]').first();
      assert.equal(await next.textContent(), `你正在看的系列的下一部：${series}`);
      assert.deepEqual(await next.locator('bdi').allTextContents(), [series], 'the series name is isolated');
    }
    for (let i = 0; i < 3; i++) {
      await rendered(page, () => page.locator('.onboarding article').first().getByRole('button', { name: '喜欢', exact: true }).click(), wait);
    }
    for (const code of ['zh-Hans', 'en']) {
      if (code === 'en') await rendered(page, () => page.locator('#language [data-lang="en"]').click(), wait);
      await rendered(page, () => page.locator('#tab-browse').click(), wait);
      // The filters list the bundle's genres and moods by their kind, in the language's order.
      const options = (sel) => page.locator(`${sel} option`).evaluateAll((els) => els.slice(1).map((e) => e.value));
      const collator = new Intl.Collator(code);
      assert.deepEqual(await options('#genre'), [...world.genres].sort(collator.compare), `${code}: the genre filter lists the Chinese genres`);
      assert.deepEqual(await options('#mood-filter'), [...world.moods].sort(collator.compare), `${code}: the mood filter lists the Chinese moods`);
      const genre = [...world.genres][0];
      await rendered(page, () => page.locator('#genre').selectOption(genre), wait);
      const tags = await page.locator('#catalog article .tags').evaluateAll((els) => els.map((e) => [...e.querySelectorAll('.tag')].map((t) => t.textContent)));
      assert.ok(tags.length > 0 && tags.every((t) => t.includes(genre)), `${code}: filtering by ${genre} shows only its items`);
      await rendered(page, () => page.locator('#genre').selectOption(''), wait);
      for (const [tab, file] of TABS) {
        await rendered(page, () => page.locator(`#tab-${tab}`).click(), wait);
        if (tab === 'foryou') {
          const toggle = page.locator('#recs > li').first().locator('.why-toggle');
          if (await toggle.getAttribute('aria-expanded') !== 'true') await toggle.click();
          await page.locator('#recs > li').first().locator('.why h5').first().waitFor();
        }
        assert.deepEqual(await page.evaluate(wrongLanguage, { strings, brands: BRANDS }), [], `${code} ${tab}: text in the wrong language`);
        if (!noAxe) assert.deepEqual(await page.evaluate(axeViolations), [], `${code} ${tab}: axe violations`);
        if (tab === 'foryou' || tab === 'about') {
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({ path: join(outputDir, `${code === 'en' ? 'en' : 'zh'}-zh-world-${file}.png`) });
        }
      }
      // The genre mix of About is over the Chinese genres.
      const mix = await page.locator('svg.bars').getAttribute('aria-label');
      assert.ok([...world.genres].some((g) => mix.includes(g)), `${code}: the genre mix names Chinese genres: ${mix}`);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b?.close();
    if (server) {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

if (noAxe) test('axe-core checks', { skip: noAxe }, () => {});
