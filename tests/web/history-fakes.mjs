// Fakes for the history tests: an origin's localStorage shared by several "tabs", with a
// quota and 'storage' events delivered to the other tabs the way browsers do.

export class FakeOrigin {
  /** @param {number} quotaChars UTF-16 code units of keys and values, as browsers count */
  constructor(quotaChars = Infinity) {
    this.map = new Map();
    this.quota = quotaChars;
    this.tabs = [];
  }

  /** A new tab: its own window (event target) and Storage view of the shared map. */
  tab() {
    const window = new EventTarget();
    const storage = new FakeStorage(this);
    const tab = { window, storage };
    storage.tab = tab;
    this.tabs.push(tab);
    return tab;
  }

  used() {
    let n = 0;
    for (const [k, v] of this.map) n += k.length + v.length;
    return n;
  }

  notify(from, key, oldValue, newValue) {
    for (const tab of this.tabs) {
      if (tab === from.tab) continue;
      // Browsers queue storage events as tasks in the other documents.
      setTimeout(() => tab.window.dispatchEvent(Object.assign(new Event('storage'), { key, oldValue, newValue, storageArea: tab.storage })), 0);
    }
  }
}

class FakeStorage {
  constructor(origin) {
    this.origin = origin;
    this.writes = 0;
  }
  get length() { return this.origin.map.size; }
  key(i) { return [...this.origin.map.keys()][i] ?? null; }
  getItem(key) { return this.origin.map.has(key) ? this.origin.map.get(key) : null; }
  setItem(key, value) {
    value = String(value);
    const old = this.getItem(key);
    const after = this.origin.used() - (old === null ? 0 : key.length + old.length) + key.length + value.length;
    if (after > this.origin.quota) throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, 'QuotaExceededError');
    this.origin.map.set(key, value);
    this.writes++;
    this.origin.notify(this, key, old, value);
  }
  removeItem(key) {
    const old = this.getItem(key);
    if (old === null) return;
    this.origin.map.delete(key);
    this.origin.notify(this, key, old, null);
  }
  clear() {
    this.origin.map.clear();
    this.origin.notify(this, null, null, null);
  }
}

/** Resolves once check() is truthy (polling), or rejects after timeout ms. */
export async function waitFor(check, timeout = 2000, what = 'condition') {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Collects warnings for assertions. */
export function warnings() {
  const list = [];
  const onWarning = (w) => list.push(w);
  return { list, onWarning, codes: () => list.map((w) => w.code) };
}

/**
 * An origin whose tabs each keep their own copy of localStorage, as Chromium's renderer
 * processes do: a write changes the writing tab's copy at once and reaches the shared copy,
 * then the other tabs' copies (with a 'storage' event), after random delays of up to `lag`
 * ms, in order per tab. So a tab can read a value another tab has already replaced: the race
 * that loses writes in real browsers (tests/browser/storage-tabs.test.mjs shows it there).
 */
export class LaggyOrigin {
  constructor(lag = 4, seed = 1) {
    this.map = new Map();
    this.tabs = [];
    this.lag = lag;
    this.seed = seed;
  }

  random() {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }

  delay() {
    return new Promise((r) => setTimeout(r, Math.floor(this.random() * (this.lag + 1))));
  }

  tab() {
    const tab = { window: new EventTarget(), cache: new Map(this.map), outbox: Promise.resolve(), inbox: Promise.resolve() };
    tab.storage = new LaggyStorage(this, tab);
    this.tabs.push(tab);
    return tab;
  }

  /** Resolves once every write has reached every tab. */
  async settled() {
    for (let i = 0; i < 3; i++) {
      await Promise.all(this.tabs.map((t) => t.outbox));
      await Promise.all(this.tabs.map((t) => t.inbox));
    }
  }

  send(from, key, value) {
    from.outbox = from.outbox.then(() => this.delay()).then(() => {
      const old = this.map.get(key) ?? null;
      if (value === null) this.map.delete(key);
      else this.map.set(key, value);
      for (const tab of this.tabs) {
        if (tab === from) continue;
        tab.inbox = tab.inbox.then(() => this.delay()).then(() => {
          if (value === null) tab.cache.delete(key);
          else tab.cache.set(key, value);
          tab.window.dispatchEvent(Object.assign(new Event('storage'), { key, oldValue: old, newValue: value, storageArea: tab.storage }));
        });
      }
    });
  }
}

class LaggyStorage {
  constructor(origin, tab) {
    this.origin = origin;
    this.tab = tab;
  }
  get length() { return this.tab.cache.size; }
  key(i) { return [...this.tab.cache.keys()][i] ?? null; }
  getItem(key) { return this.tab.cache.has(key) ? this.tab.cache.get(key) : null; }
  setItem(key, value) {
    this.tab.cache.set(key, String(value));
    this.origin.send(this.tab, key, String(value));
  }
  removeItem(key) {
    this.tab.cache.delete(key);
    this.origin.send(this.tab, key, null);
  }
}
