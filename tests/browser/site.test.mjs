// The demo site in a real browser: rating changes the recommendations, "Why?" names the
// history items behind them, deleting one removes it from the reasons, the history
// survives a reload and "Clear all" empties storage. Also: hostile catalog text shows as
// text, the CSP holds with no violations, and the site works offline after one visit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../demo/serve.mjs';
import { serveSite, launch, open, afterRender, screenshot } from './helpers.mjs';
import { storedHistory, storedEntries } from './storage-read.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>';
let site;

before(async () => {
  // The second catalog row gets a title that would run script if it were parsed as HTML.
  site = await serveSite({
    mutateItems: (csv) => {
      const lines = csv.split('\n');
      // Only the title cell (the second, quoted or not) changes: the tag columns stay.
      lines[2] = lines[2].replace(/^([^,]*),("(?:[^"]|"")*"|[^,]*)/, (_, id) => `${id},${HOSTILE}`);
      return lines.join('\n');
    },
  });
});
after(async () => { await site?.close(); });

const recIds = (page) => page.locator('#recs > li article').evaluateAll((els) => els.map((e) => e.dataset.item));

async function tab(page, name) {
  await afterRender(page, () => page.getByRole('tab', { name }).click());
}

test('rate, see recommendations change, ask why, delete, reload, clear', async () => {
  const b = await launch();
  const { page } = b;
  try {
    await open(page, site.url);
    await screenshot(page, 'onboarding.png');
    const initial = await recIds(page);
    assert.equal(initial.length, 10);

    // Rate three onboarding items 5 stars and like a fourth.
    const acted = [];
    for (let i = 0; i < 3; i++) {
      const card = page.locator('.onboarding article').first();
      acted.push(await card.getAttribute('data-item'));
      await afterRender(page, () => card.getByRole('button', { name: '5 stars', exact: true }).click());
    }
    const likeCard = page.locator('.onboarding article').first();
    acted.push(await likeCard.getAttribute('data-item'));
    await afterRender(page, () => likeCard.getByRole('button', { name: 'Like', exact: true }).click());

    const after4 = await recIds(page);
    assert.notDeepEqual(after4, initial, 'the recommendations changed after rating');
    for (const id of acted) assert.ok(!after4.includes(id), 'rated items are not recommended again');
    assert.match(await page.locator('#recs-h').textContent(), /Top picks for you/);

    // Why? names only history items, with their titles.
    const first = page.locator('#recs > li').first();
    await first.getByRole('button', { name: 'Why?' }).click();
    await first.locator('.why .reason').first().waitFor();
    const reasons = await first.locator('.why .reason').evaluateAll((els) => els.map((e) => ({ id: e.dataset.item, title: e.querySelector('.rname').textContent })));
    assert.ok(reasons.length > 0);
    for (const r of reasons) {
      assert.ok(acted.includes(r.id), `reason ${r.id} is a history item`);
    }
    const titles = await Promise.all(acted.map((id) => page.evaluate((i) => document.querySelector(`[data-item="${i}"] .title, [data-item="${i}"] .rname`)?.textContent, id)));
    assert.ok(reasons.some((r) => titles.includes(r.title)) || reasons.length > 0);
    assert.ok(await first.locator('.controls-acted li').count() >= 2, 'the controls that acted are listed');
    // In plain words first, each title its own isolated element; the model's numbers behind
    // a disclosure; on the card, only reasons worth naming.
    const plain = first.locator('.why > .because');
    assert.match(await plain.textContent(), /^Because you enjoyed /);
    const named = await plain.locator('bdi').allTextContents();
    assert.ok(named.length >= 1 && named.every((t) => titles.includes(t)), `named: ${named}`);
    assert.equal(await first.locator('.why details.how summary').textContent(), 'How was this computed?');
    assert.equal(await first.locator('.why details.how').getAttribute('open'), null);
    const cardNamed = await first.locator(':scope > article > .because bdi').allTextContents();
    assert.ok(cardNamed.length >= 1 && cardNamed.every((t) => titles.includes(t)), `card: ${cardNamed}`);
    await screenshot(page, 'why.png');

    // Delete the strongest reason from the history; it must leave the history and the reasons.
    const gone = reasons[0].id;
    await tab(page, 'Your data');
    assert.equal(await page.locator('#history > li').count(), 4);
    await afterRender(page, () => page.locator(`#history > li[data-item="${gone}"]`).getByRole('button').click());
    assert.equal(await page.locator(`#history > li[data-item="${gone}"]`).count(), 0);
    assert.equal(await page.locator('#history > li').count(), 3);
    await screenshot(page, 'your-data.png');

    await tab(page, 'For you');
    const top = page.locator('#recs > li').first();
    const toggle = top.getByRole('button', { name: 'Why?' });
    if (await toggle.getAttribute('aria-expanded') !== 'true') await toggle.click();
    await top.locator('.why h5').first().waitFor();
    const after = await top.locator('.why .reason').evaluateAll((els) => els.map((e) => e.dataset.item));
    assert.ok(!after.includes(gone), 'the deleted item no longer appears in the reasons');
    for (const id of after) assert.ok(acted.includes(id));

    // The history persists across a reload.
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders);
    await tab(page, 'Your data');
    const kept = await page.locator('#history > li').evaluateAll((els) => els.map((e) => e.dataset.item));
    assert.deepEqual(new Set(kept), new Set(acted.filter((id) => id !== gone)));
    assert.equal(await page.locator('#storage-events').textContent(), '3');

    await tab(page, 'About this model');
    await page.locator('#metrics').waitFor();
    assert.ok(await page.locator('svg.chart').count() >= 2, 'training curve and genre mix charts');
    // The demo server isolates the page, so the threaded module scores on every core (up to 4).
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const scoring = await page.locator('#scoring-threads').textContent();
    assert.equal(scoring, cores > 1 ? `on ${Math.min(cores, 4)} threads (this page is cross-origin isolated)` : 'on one thread');
    // The demo's bundle is trained without differential privacy, and the page says so.
    assert.match(await page.locator('#privacy').textContent(), /^Not private: trained without differential privacy/);
    await screenshot(page, 'about.png');

    // Clear all: nothing left in the UI or in storage.
    await tab(page, 'Your data');
    await page.getByRole('button', { name: 'Clear all data' }).click();
    await afterRender(page, () => page.getByRole('button', { name: 'Yes, delete everything' }).click());
    await page.locator('#history-empty').waitFor();
    assert.equal(await page.locator('#storage-events').textContent(), '0');
    const stored = await storedEntries(page);
    for (const [, value] of stored) {
      for (const id of acted) assert.ok(!new RegExp(`(^|\\D)${id}(\\D|$)`).test(value), `item ${id} is gone from storage`);
    }
    const events = (await storedHistory(page, 'demo'))?.e || [];
    assert.equal(events.length, 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a new visitor\'s onboarding cards each say what they are popular in', async () => {
  const b = await launch();
  const { page } = b;
  try {
    await open(page, site.url);
    const cards = page.locator('.onboarding article');
    assert.equal(await cards.count(), 8);
    const lines = await page.locator('.onboarding article .popular-in').allTextContents();
    assert.equal(lines.length, 8);
    for (const line of lines) assert.match(line, /^Popular in \S/);
    // Each stands for one of its own tags.
    const tagged = await cards.evaluateAll((els) => els.map((e) => ({
      popular: e.querySelector('.popular-in').textContent.replace('Popular in ', ''),
      tags: [...e.querySelectorAll('.tags .tag')].map((t) => t.textContent),
    })));
    for (const { popular, tags } of tagged) assert.ok(tags.includes(popular), `${popular} is one of ${tags}`);
    // One onboarding set: no item twice on the page, no "Next up" without a history, and a
    // line that says why the list is what it is.
    const onPage = () => page.locator('.onboarding article, #recs article, #next article')
      .evaluateAll((els) => els.map((e) => e.dataset.item));
    const first = await onPage();
    assert.equal(first.length, 8 + 10);
    assert.equal(new Set(first).size, first.length, 'no item twice');
    assert.equal(await page.locator('#next').count(), 0);
    assert.match(await page.locator('#recs-why').textContent(), /have not rated anything yet/);
    // After a first like, still no repeats (the sequence model now adds its own).
    await afterRender(page, () => page.locator('.onboarding article').first().getByRole('button', { name: 'Like', exact: true }).click());
    const after = await onPage();
    assert.equal(new Set(after).size, after.length, 'no item twice after a like');
    assert.equal(await page.locator('#recs-why').count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('the controls re-rank the list: diversity moves items and Why? says so; a mood chip; hide vs show less', async () => {
  const b = await launch();
  const { page } = b;
  try {
    await open(page, site.url);
    for (let i = 0; i < 4; i++) {
      const card = page.locator('.onboarding article').first();
      await afterRender(page, () => card.getByRole('button', { name: '5 stars', exact: true }).click());
    }
    const before = await recIds(page);
    assert.equal(await page.locator('#recs > li[data-controls~="diversity"]').count(), 0, 'no control acts before one is set');

    // Diversity all the way up: the list changes, and a moved item says it was diversity.
    await afterRender(page, () => page.locator('#diversity').fill('10'));
    assert.equal(await page.locator('#diversity-value').textContent(), '100%');
    const diverse = await recIds(page);
    assert.notDeepEqual(diverse, before, 'the diversity slider changed the list');
    const moved = page.locator('#recs > li[data-controls~="diversity"]').first();
    await moved.waitFor();
    assert.match(await moved.locator('.moved').textContent(), /^Moved (up|down) from #\d+ by .*diversity/);
    await moved.getByRole('button', { name: 'Why?' }).click();
    await moved.locator('.why h5').first().waitFor();
    const why = await moved.locator('.why .moved').textContent();
    assert.match(why, /Moved (up|down) from #\d+ by .*diversity.*By score alone it would be #\d+/);
    assert.ok((await moved.locator('.why .controls-acted').textContent()).includes('diversity 100%'));
    await screenshot(page, 'controls.png');

    // Back to the model's order, then a mood.
    await afterRender(page, () => page.locator('#diversity').fill('0'));
    assert.deepEqual(await recIds(page), before, 'diversity off gives the model\'s list back');
    const chips = page.locator('#controls button.mood');
    assert.ok(await chips.count() >= 2, 'mood chips from the bundle');
    let changed = false;
    for (const name of ['dark', 'cozy', 'funny']) {
      const chip = page.locator('#controls').getByRole('button', { name, exact: true });
      await afterRender(page, () => chip.click());
      assert.equal(await chip.getAttribute('aria-pressed'), 'true');
      const moody = await recIds(page);
      if (JSON.stringify(moody) !== JSON.stringify(before)) {
        changed = true;
        assert.ok(await page.locator('#recs > li[data-controls~="mood"]').count() > 0, 'the mood is named as what moved items');
        assert.match(await page.locator('#recs > li[data-controls~="mood"] .moved').first().textContent(), new RegExp(`the ${name} mood`));
        break;
      }
    }
    assert.ok(changed, 'choosing a mood changed the list');

    // Not into a tag: "Show less" keeps it listed as shown less, "Hide" removes its items.
    const first = page.locator('#recs > li').first();
    const [lessTag, hideTag] = await first.locator('.tags .tag').allTextContents();
    await first.locator('details.more summary').click();
    await afterRender(page, () => first.getByRole('button', { name: `Show less tagged ${lessTag}` }).click());
    const second = page.locator('#recs > li article').filter({ has: page.locator('.tags .tag', { hasText: new RegExp(`^${hideTag}$`) }) }).first();
    if (hideTag && await second.count()) {
      await second.locator('details.more summary').click();
      await afterRender(page, () => second.getByRole('button', { name: `Hide everything tagged ${hideTag}` }).click());
      const tags = await page.locator('#recs > li .tags').evaluateAll((els) => els.map((e) => [...e.querySelectorAll('.tag')].map((t) => t.textContent)));
      assert.ok(tags.every((t) => !t.includes(hideTag)), `no item tagged ${hideTag} is left`);
    }
    await tab(page, 'Your data');
    const listed = await page.locator('#not-interested li .htitle').allTextContents();
    assert.ok(listed.includes(`tag ${lessTag} (shown less)`), listed.join('; '));
    if (hideTag) assert.ok(listed.includes(`tag ${hideTag} (hidden)`), listed.join('; '));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('catalog text is shown as text, under a strict CSP with no violations', async () => {
  const b = await launch();
  const { page, context } = b;
  try {
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; d.dismiss(); });
    const response = await page.goto(site.url);
    const csp = response.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders);

    await tab(page, 'Browse');
    await afterRender(page, () => page.getByLabel('Search titles and tags').fill('onerror'));
    const titles = await page.locator('#catalog .title').allTextContents();
    assert.deepEqual(titles, [HOSTILE]);
    assert.equal(await page.locator('#catalog img').count(), 0);
    assert.equal(await page.locator('img').count(), 0);
    // The app itself needs no inline script or style attribute.
    assert.equal(await page.locator('script:not([src])').count(), 0);
    assert.equal(await page.locator('[style]').count(), 0);
    await afterRender(page, () => page.locator('#catalog article').first().getByRole('button', { name: 'Like', exact: true }).click());
    await tab(page, 'For you');
    await screenshot(page, 'for-you.png');
    await tab(page, 'Browse');
    await afterRender(page, () => page.getByLabel('Search titles and tags').fill(''));
    await screenshot(page, 'browse.png');
    assert.equal(dialogs, 0);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('works offline after the first visit, and fits a phone screen', async () => {
  const b = await launch({ viewport: { width: 380, height: 800 } });
  const { page, context } = b;
  try {
    await open(page, site.url);
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    // The first visit may not be controlled yet; the worker claims it once it activates.
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    await context.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders);
    assert.equal(await page.locator('#recs > li').count(), 10);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
    await screenshot(page, 'phone.png');
  } finally {
    await context.setOffline(false).catch(() => {});
    await b.close();
  }
});

test('the offline copy never stands in for another site on the same host and port', async () => {
  const demo = await serveSite();
  const port = Number(new URL(demo.url).port);
  // Another site, with a page and files at the same paths as the demo's.
  const other = mkdtempSync(join(tmpdir(), 'hearth-other-site-'));
  mkdirSync(join(other, 'js'));
  writeFileSync(join(other, 'index.html'), '<!doctype html><title>Other</title><h1 id="other">Another app</h1>');
  writeFileSync(join(other, 'style.css'), '/* another app */');
  writeFileSync(join(other, 'js/app.js'), '// another app');
  const b = await launch();
  const { page, context } = b;
  let otherServer = null;
  try {
    await open(page, demo.url);
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(scope, demo.url, 'the worker is scoped to the demo\'s folder');
    await demo.close();  // the demo stops; another app takes its port
    otherServer = (await startServer({ root: other, port, quiet: true })).server;
    await page.goto(demo.url, { waitUntil: 'domcontentloaded' });
    assert.equal(await page.locator('#other').textContent(), 'Another app', 'the page is the other app\'s');
    const files = await page.evaluate(async () => Promise.all(['style.css', 'js/app.js', 'js/config.js']
      .map(async (f) => { const r = await fetch(f); return [f, r.status, await r.text()]; })));
    assert.deepEqual(files, [['style.css', 200, '/* another app */'], ['js/app.js', 200, '// another app'],
      ['js/config.js', 404, 'not found\n']], 'its files, and its 404s, are what the server says');
    // With no server at all, the demo's own files come from its cache again.
    otherServer.closeAllConnections?.();
    await new Promise((r) => otherServer.close(r));
    otherServer = null;
    await page.goto(demo.url, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders);
    assert.equal(await page.locator('#recs > li').count(), 10);
  } finally {
    if (otherServer) {
      otherServer.closeAllConnections?.();
      await new Promise((r) => otherServer.close(r));
    }
    await context.setOffline(false).catch(() => {});
    await b.close();
    rmSync(other, { recursive: true, force: true });
  }
});

test('keyboard only: skip to the list, Why?, rate with the stars, delete and clear; focus is never lost', async () => {
  const b = await launch();
  const { page } = b;
  // What has focus: enough to say where it is on the page.
  const focused = () => page.evaluate(() => {
    const a = document.activeElement;
    const li = a.closest('li');
    return {
      tag: a.tagName.toLowerCase(), id: a.id, key: a.dataset.key ?? null, text: a.textContent.trim(),
      expanded: a.getAttribute('aria-expanded'),
      list: li?.parentElement?.id || (li?.closest('.onboarding') ? 'onboarding' : null),
      index: li ? [...li.parentElement.children].indexOf(li) : -1,
    };
  });
  const tabUntil = async (want, max = 80, key = 'Tab') => {
    for (let i = 0; i < max; ++i) {
      await page.keyboard.press(key);
      const f = await focused();
      if (want(f)) return f;
    }
    throw new Error(`not reached in ${max} Tab presses: ${JSON.stringify(await focused())}`);
  };
  const press = (key) => afterRender(page, () => page.keyboard.press(key));
  const history = () => page.evaluate(() => document.querySelectorAll('.mine').length);
  try {
    await open(page, site.url);
    // The skip link takes focus to the recommendations: one more Tab is the first Why?.
    let f = await tabUntil(() => true, 1);
    assert.equal(f.text, 'Skip to recommendations');
    await page.keyboard.press('Enter');
    assert.equal((await focused()).id, 'recs-h');
    f = await tabUntil(() => true, 1);
    assert.deepEqual([f.list, f.index, f.text], ['recs', 0, 'Why?']);
    await page.keyboard.press('Enter');
    await page.locator('#recs li:first-child .why h5').first().waitFor();
    f = await focused();
    assert.deepEqual([f.text, f.expanded], ['Why?', 'true']);

    // Rating: the arrow keys move between the stars and record nothing; Enter records.
    f = await tabUntil((x) => x.list === 'onboarding' && x.index === 0 && x.key?.startsWith('rate:'));
    assert.equal(f.text, '★');
    const rated = f.key.split(':')[1];
    for (let i = 0; i < 3; ++i) await page.keyboard.press('ArrowRight');
    f = await focused();
    assert.equal(f.key, `rate:${rated}:4`);
    assert.equal(await history(), 0, 'moving between the stars records nothing');
    await press('Enter');
    f = await focused();
    assert.equal(f.list, 'onboarding', 'focus stays in the onboarding set');
    assert.equal(f.index, 0, 'on the card that took the rated one\'s place');
    assert.match(f.key, /^rate:/);
    assert.notEqual(f.key.split(':')[1], rated);
    await press('Enter');  // rate the next two cards as well
    await press('Enter');
    assert.match((await focused()).key, /^rate:/);

    // Your data: the tabs by arrow keys, then Delete twice and Clear.
    await tabUntil((x) => x.id === 'tab-foryou', 120, 'Shift+Tab');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal((await focused()).id, 'tab-data');
    await page.locator('#history').waitFor();
    f = await tabUntil((x) => x.key?.startsWith('forget:'));
    assert.deepEqual([f.list, f.index], ['history', 0]);
    for (let left = 2; left >= 1; --left) {
      await press('Enter');
      f = await focused();
      assert.deepEqual([f.list, f.index, f.key?.split(':')[0]], ['history', 0, 'forget'], 'on the next row\'s Delete');
      assert.equal(await page.locator('#history > li').count(), left);
    }
    // Clear asks first; once it is done, focus is on the view's heading, not the body.
    f = await tabUntil((x) => x.id === 'clear');
    await page.keyboard.press('Enter');
    assert.equal((await focused()).id, 'clear-confirm');
    await press('Enter');
    assert.equal(await page.locator('#history-empty').count(), 1);
    f = await focused();
    assert.deepEqual([f.tag, f.text], ['h2', 'Your data']);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('phone width (360 px): no tab scrolls sideways, the list starts on the first screen, tables fit', async () => {
  const b = await launch({ viewport: { width: 360, height: 740 } });
  const { page } = b;
  const layout = () => page.evaluate(() => {
    const de = document.documentElement;
    const first = document.querySelector('#recs article, .onboarding article');
    return {
      overflow: de.scrollWidth - de.clientWidth,
      firstTop: first ? first.getBoundingClientRect().top + scrollY : null,
      clipped: [...document.querySelectorAll('table td, table th')].filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent),
    };
  });
  try {
    await open(page, site.url);
    for (let i = 0; i < 5; ++i) {
      await afterRender(page, () => page.locator('.onboarding article').first().getByRole('button', { name: 'Like', exact: true }).click());
    }
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders);
    assert.equal(await page.locator('.onboarding').count(), 0, 'five events: no onboarding set');
    const first = await layout();
    assert.ok(first.firstTop + 40 < 740, `the first recommendation starts on the first screen (at ${first.firstTop}px)`);
    assert.equal(await page.locator('#controls-box').getAttribute('open'), null, 'the controls start closed on a phone');
    const tabTops = await page.locator('[role="tab"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
    assert.equal(new Set(tabTops).size, 1, `the tabs fit on one line (${tabTops})`);
    assert.equal(await page.getByRole('tab', { name: 'About this model' }).count(), 1, 'the short tab keeps its full name');
    await page.locator('#controls-box > summary').click();
    const [box, label] = await Promise.all(['#hide-seen', 'label[for="hide-seen"]']
      .map((sel) => page.locator(sel).evaluate((e) => e.getBoundingClientRect().toJSON())));
    assert.ok(label.left >= box.right && label.top < box.bottom && box.top < label.bottom, 'the checkbox sits beside its label');
    for (const name of ['For you', 'Browse', 'Your data', 'About this model']) {
      await afterRender(page, () => page.getByRole('tab', { name }).click());
      const l = await layout();
      assert.ok(l.overflow <= 0, `${name}: no horizontal scrolling (overflow ${l.overflow}px)`);
      assert.deepEqual(l.clipped, [], `${name}: every table cell shows its whole text`);
    }
    assert.equal(await page.locator('#metrics').count(), 1, 'the metrics table was measured');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
