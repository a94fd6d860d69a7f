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
