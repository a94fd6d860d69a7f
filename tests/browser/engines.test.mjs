// The demo's main flow and its privacy, in each browser engine (Chromium through
// playwright-core, Firefox ESR through puppeteer-core and WebDriver BiDi): like items, see the
// list follow with reasons that name them, the history kept across a reload in the default
// storage, the threaded module on the isolated page, and every request a GET of the site's
// own files that carries no history id. tests/browser/site.test.mjs and privacy.test.mjs go
// deeper in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveSite } from './helpers.mjs';
import { ENGINES, openBrowser } from './drivers.mjs';
import { storedHistory } from './storage-read.mjs';

let site;
before(async () => { site = await serveSite(); });
after(async () => { await site?.close(); });

const ready = () => document.documentElement.dataset.ready === 'true' && !!document.getElementById('main').dataset.renders;
const renders = (page) => page.evaluate(() => Number(document.getElementById('main').dataset.renders || 0));

async function afterRender(page, action) {
  const before = await renders(page);
  await action();
  await page.waitFor((n) => Number(document.getElementById('main').dataset.renders || 0) > n, before);
}

for (const { name: engine, available } of ENGINES) {
  test(`${engine}: like, see the list and its reasons follow, come back, and nothing but the site's own GETs`, {
    skip: available ? false : `${engine} is not installed here (scripts/setup installs it)`,
  }, async () => {
    const browser = await openBrowser(engine);
    try {
      const page = await browser.newPage();
      await page.goto(site.url);
      await page.waitFor(ready);
      const liked = [];
      for (let i = 0; i < 3; i++) {
        const [key] = await page.attributes('#main button.like[aria-pressed="false"]', 'data-key');
        liked.push(key.slice('like:'.length));
        await afterRender(page, () => page.click(`#main button.like[data-key="${key}"]`));
      }
      const recs = await page.attributes('#recs article button.like', 'data-key');
      assert.ok(recs.length >= 5, `a list for the history (${recs.length} items)`);
      assert.ok(recs.every((k) => !liked.includes(k.slice('like:'.length))), 'liked items are not recommended back');
      await page.click('#recs button[data-key^="why:"]');
      await page.waitFor(() => !!document.querySelector('#recs .why h5'));
      const reasons = await page.attributes('#recs .why .reason', 'data-item');
      assert.ok(reasons.length > 0 && reasons.every((id) => liked.includes(id)), `the reasons are liked items: ${reasons.join(', ')}`);

      // A new page of the same profile (the site's service worker now controls it) starts
      // from the stored history: the same list.
      const again = await browser.newPage();
      await again.goto(site.url);
      await again.waitFor(ready);
      const stored = await storedHistory(again, 'demo');
      assert.ok(stored, 'the history is stored');
      assert.deepEqual(new Set(stored.i), new Set(liked), 'the three likes are kept');
      assert.deepEqual(await again.attributes('#recs article button.like', 'data-key'), recs, 'the same list on the next visit');
      const threads = await again.evaluate(() => navigator.hardwareConcurrency);
      const scoring = await again.evaluate(() => document.getElementById('scoring-threads')?.textContent ?? null);
      if (scoring !== null) assert.equal(scoring, threads > 1 ? `on ${Math.min(threads, 4)} threads (this page is cross-origin isolated)` : 'on one thread');

      const origin = new URL(site.url).origin;
      const leaks = liked.map((id) => new RegExp(`(^|[^0-9A-Za-z])${id}($|[^0-9A-Za-z])`));
      const requests = [...page.requests, ...again.requests];
      assert.ok(requests.length > 5, `requests were recorded (${requests.length})`);
      for (const r of requests) {
        const url = new URL(r.url);
        if (url.protocol === 'data:' || url.protocol === 'blob:') continue;
        assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
        assert.equal(url.origin, origin, `a request to another origin: ${r.url}`);
        for (const leak of leaks) {
          assert.ok(!leak.test(r.url) && !(r.body && leak.test(r.body)), `a history id in ${r.url}`);
        }
      }
      for (const p of [page, again]) assert.deepEqual(p.errors.filter((e) => !/favicon|status of 404/.test(e)), []);
    } finally {
      await browser.close();
    }
  });
}
