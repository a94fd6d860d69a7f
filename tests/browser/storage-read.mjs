// For browser tests that look at what a page stored: the history is in IndexedDB by default
// ('auto'), in localStorage as a fallback, so look in both. Reading never creates the
// 'hearth' database (that would give it no object store and break the library's open).

/** Every [key, value] Hearth (or anything else) keeps in the page's localStorage and in IndexedDB 'hearth'/'kv'. */
export function storedEntries(page) {
  return page.evaluate(async () => {
    const out = Object.keys(localStorage).map((k) => [`localStorage:${k}`, localStorage.getItem(k)]);
    const db = await new Promise((resolve) => {
      const request = indexedDB.open('hearth');
      request.onupgradeneeded = () => request.transaction.abort();  // it does not exist: leave it so
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
    if (db && db.objectStoreNames.contains('kv')) {
      const store = db.transaction('kv').objectStore('kv');
      const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()].map((r) => new Promise((ok) => { r.onsuccess = () => ok(r.result); })));
      keys.forEach((k, i) => out.push([`indexedDB:${k}`, typeof values[i] === 'string' ? values[i] : JSON.stringify(values[i])]));
    }
    db?.close();
    return out;
  });
}

/** The parsed stored history of a namespace (wherever it is), or null. */
export async function storedHistory(page, namespace) {
  const key = `hearth:history:${namespace}`;
  const found = (await storedEntries(page)).find(([k]) => k === `indexedDB:${key}` || k === `localStorage:${key}`);
  return found ? JSON.parse(found[1]) : null;
}
