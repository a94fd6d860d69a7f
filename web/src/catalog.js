// The catalog listing shared by the in-thread engine and the worker client.
/**
 * Every item, most popular first (ties in catalog order).
 * @param {number} n
 * @param {(i: number) => { id: string, title: string, tags: string[] }} describe
 * @param {Float32Array} popularity
 * @param {(i: number) => boolean} isNew
 */
export function catalogList(n, describe, popularity, isNew) {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => popularity[b] - popularity[a] || a - b);
  return order.map((i) => ({ ...describe(i), isNew: isNew(i), popularity: popularity[i] }));
}

/**
 * id -> item index. A null-prototype object rather than a Map: with ids sliced from one
 * decoded string, building it is several times faster (it dominated opening a 100k-item
 * bundle), and a null prototype leaves no inherited keys such as "constructor".
 * @param {string[]} ids
 * @returns {{ get(id: string): number | undefined, has(id: string): boolean }}
 */
export function indexOf(ids) {
  const table = Object.create(null);
  for (let i = 0; i < ids.length; i++) table[ids[i]] = i;
  return {
    get: (id) => (typeof id === 'string' ? table[id] : undefined),
    has: (id) => typeof id === 'string' && table[id] !== undefined,
  };
}
