// The two browser engines the library is tested in, behind one small page interface:
// Debian's Chromium driven by playwright-core (CDP), and Debian's Firefox ESR driven by
// puppeteer-core over WebDriver BiDi. Each launch gets a fresh profile.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = process.env.HEARTH_CHROMIUM || '/usr/bin/chromium';
const FIREFOX = process.env.HEARTH_FIREFOX || '/usr/bin/firefox-esr';

/** The engines to test in, each with whether it is installed here (a missing one is skipped, not passed). */
export const ENGINES = [
  { name: 'chromium', path: CHROMIUM, available: existsSync(CHROMIUM) },
  { name: 'firefox', path: FIREFOX, available: existsSync(FIREFOX) },
];

/**
 * @typedef {{
 *   goto(url: string): Promise<void>,
 *   reload(): Promise<void>,
 *   evaluate<T>(fn: (arg: any) => T, arg?: any): Promise<T>,
 *   waitFor(fn: (arg: any) => unknown, arg?: any, timeout?: number): Promise<void>,
 *   click(selector: string): Promise<void>,
 *   texts(selector: string): Promise<string[]>,
 *   attributes(selector: string, name: string): Promise<(string | null)[]>,
 *   expose(name: string, fn: (...args: any[]) => unknown): Promise<void>,
 *   close(): Promise<void>,
 *   requests: { url: string, method: string, headers: Record<string, string>, body: string | null }[],
 *   errors: string[],
 * }} Page
 */

/**
 * Starts a browser with a fresh profile. `newPage()` opens a page (tab) in the same profile,
 * so pages share storage as tabs of one origin do.
 * @param {'chromium' | 'firefox'} engine
 * @returns {Promise<{ engine: string, newPage(): Promise<Page>, close(): Promise<void> }>}
 */
export async function openBrowser(engine) {
  return engine === 'firefox' ? openFirefox() : openChromium();
}

// The calls both drivers spell the same way (playwright's and puppeteer's Page agree here).
function common(page) {
  return {
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    click: (selector) => page.click(selector),
    texts: (selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent)),
    attributes: (selector, name) => page.$$eval(selector, (els, n) => els.map((e) => e.getAttribute(n)), name),
    expose: (name, fn) => page.exposeFunction(name, fn),
    close: () => page.close(),
  };
}

// Page errors, console errors and requests of a page, as the tests read them.
function record(page, requestOf) {
  const state = { errors: [], requests: [] };
  page.on('pageerror', (e) => state.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') state.errors.push(m.text()); });
  page.on('request', (r) => state.requests.push(requestOf(r)));
  return state;
}

async function openChromium() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'hearth-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let first = context.pages()[0];
  return {
    engine: 'chromium',
    async newPage() {
      const page = first || await context.newPage();
      first = null;
      const state = record(page, (r) => ({ url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() }));
      return {
        ...state,
        ...common(page),
        goto: async (url) => { await page.goto(url); },
        reload: async () => { await page.reload(); },
        waitFor: async (fn, arg, timeout = 60000) => { await page.waitForFunction(fn, arg, { timeout }); },
      };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function openFirefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'hearth-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true, userDataDir: profile,
    // Quiet and offline like the Chromium flags: no updates, telemetry or first-run pages.
    // Timers in background tabs run at full rate, as playwright's Chromium has them
    // (--disable-background-timer-throttling): tests drive several tabs at once.
    extraPrefsFirefox: {
      'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'browser.shell.checkDefaultBrowser': false,
      'dom.min_background_timeout_value': 0, 'dom.min_background_timeout_value_without_budget_throttling': 0,
      'dom.timeout.enable_budget_timer_throttling': false,
      // Navigations of pages a service worker controls intermittently never report over BiDi
      // here (Firefox 153): the demo's service worker is tested in Chromium only.
      'dom.serviceWorkers.enabled': false,
    },
  });
  let first = (await browser.pages())[0];
  return {
    engine: 'firefox',
    async newPage() {
      const page = first || await browser.newPage();
      first = null;
      // BiDi gives no body for some requests (postData() then throws): a GET has none anyway.
      const body = (r) => { try { return r.postData() ?? null; } catch { return r.method() === 'GET' ? null : '(unreadable)'; } };
      const state = record(page, (r) => ({ url: r.url(), method: r.method(), headers: r.headers(), body: body(r) }));
      return {
        ...state,
        ...common(page),
        // Every test waits for its page's own readiness; BiDi's 'load' wait can hang on pages
        // with a service worker.
        goto: async (url) => { await page.goto(url, { waitUntil: 'domcontentloaded' }); },
        reload: async () => { await page.reload({ waitUntil: 'domcontentloaded' }); },
        waitFor: async (fn, arg, timeout = 60000) => { await page.waitForFunction(fn, { timeout, polling: 50 }, arg); },
      };
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
