// Records every request the browser makes (the page and its service worker) through a
// whole session, and fails if any is not a GET of one of the site's own static files, or
// if any URL, header or body carries an id from the user's history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { serveSite, launch, open, afterRender } from './helpers.mjs';
import { storedHistory, storedEntries } from './storage-read.mjs';

let site;
before(async () => { site = await serveSite(); });
after(async () => { await site?.close(); });

function siteFiles(root, dir = root) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? siteFiles(root, join(dir, e.name))
    : ['/' + relative(root, join(dir, e.name)).split('\\').join('/')]);
}

async function tab(page, name) {
  await afterRender(page, () => page.getByRole('tab', { name }).click());
}

test('a full session sends nothing but GETs of static files, and never a history id', async () => {
  const allowed = new Set(['/', ...siteFiles(join(site.dir, 'site'))]);
  const b = await launch();
  const { page, context } = b;
  const requests = [];
  context.on('request', (r) => requests.push(r));
  try {
    await open(page, site.url);
    const first = page.locator('.onboarding article').first();
    await afterRender(page, () => first.getByRole('button', { name: '5 stars', exact: true }).click());
    await afterRender(page, () => page.locator('.onboarding article').first().getByRole('button', { name: '4 stars', exact: true }).click());
    await afterRender(page, () => page.locator('.onboarding article').first().getByRole('button', { name: 'Like', exact: true }).click());
    await afterRender(page, () => page.locator('.onboarding article').first().getByRole('button', { name: 'Dislike', exact: true }).click());
    await afterRender(page, () => page.locator('#recs article').first().getByRole('button', { name: 'Not interested' }).click());
    const rec = page.locator('#recs article').first();
    await rec.locator('summary').click();
    await afterRender(page, () => rec.locator('.chips button').first().click());
    await page.locator('#recs article').first().getByRole('button', { name: 'Why?' }).click();
    await page.locator('#recs .why h5').first().waitFor();
    await page.locator('#next article').first().getByRole('button', { name: 'Why?' }).click();
    await page.locator('#next .why h5').first().waitFor();

    await tab(page, 'Browse');
    await afterRender(page, () => page.getByLabel('Search titles and tags').fill('the'));
    // An item not acted on yet (cards of those say "You rated it ..."), so the history grows.
    await afterRender(page, () => page.locator('#catalog article:not(:has(.mine))').first().getByRole('button', { name: '3 stars', exact: true }).click());
    await tab(page, 'About this model');
    await tab(page, 'Your data');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON' }).click();
    await download;
    await afterRender(page, () => page.getByRole('button', { name: 'Pause recording' }).click());
    await afterRender(page, () => page.getByRole('button', { name: 'Resume recording' }).click());
    // The page's own request log lists what it loaded.
    const logged = await page.locator('#netlog tbody td:nth-child(2)').allTextContents();
    assert.ok(logged.some((u) => u.endsWith('model.hearth')) && logged.some((u) => /hearth(-mt)?\.wasm$/.test(u)), 'the network log shows the bundle and the wasm');

    const history = (await storedHistory(page, 'demo')).i;
    assert.ok(history.length >= 5, `the session stored a history (${history.length} items)`);
    await afterRender(page, () => page.locator('#history > li').first().getByRole('button').click());
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' && document.getElementById('main').dataset.renders);
    await tab(page, 'Your data');
    await page.getByRole('button', { name: 'Clear all data' }).click();
    await afterRender(page, () => page.getByRole('button', { name: 'Yes, delete everything' }).click());

    // Ids are checked as whole numbers so that "1203" does not match inside "11203".
    const leaks = history.map((id) => new RegExp(`(^|[^0-9A-Za-z])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^0-9A-Za-z])`));
    // The service worker's own fetches (its precache) are in the record too.
    assert.ok(requests.some((r) => r.serviceWorker()), 'service worker requests are recorded');
    const origin = new URL(site.url).origin;
    for (const r of requests) {
      const url = new URL(r.url());
      // data: and blob: URLs (the empty favicon, the export download) never reach a network.
      if (url.protocol === 'data:' || url.protocol === 'blob:') continue;
      assert.equal(r.method(), 'GET', `${r.method()} ${r.url()}`);
      assert.equal(url.origin, origin, `request to another origin: ${r.url()}`);
      assert.ok(allowed.has(url.pathname), `request for a file the site does not have: ${url.pathname}`);
      assert.equal(url.search, '', `query string on ${r.url()}`);
      assert.equal(r.postData(), null, `a body was sent with ${r.url()}`);
      const headers = await r.allHeaders();
      for (const re of leaks) {
        assert.doesNotMatch(r.url(), re);
        for (const [name, value] of Object.entries(headers)) assert.doesNotMatch(`${name}: ${value}`, re, `header ${name} of ${r.url()}`);
      }
    }
    const paths = new Set(requests.map((r) => new URL(r.url()).pathname));
    assert.ok(paths.has('/model.hearth') && paths.has('/lib/dist/hearth.wasm'));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
