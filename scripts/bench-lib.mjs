// Timing helpers shared by scripts/bench.mjs and scripts/bench-pq.mjs.

export function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Nearest rank, as bench-native computes it.
export function percentile(v, q) {
  const s = [...v].sort((a, b) => a - b);
  const rank = Math.min(Math.max(Math.ceil(q * s.length), 1), s.length);
  return s[rank - 1];
}

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Median ms of fn() over calls adding up to at least minMs (at least 5 calls); fn is given a
// repeat count calibrated so that one call takes about 5 ms. Returns ms per repeat.
export function timeKernel(minMs, fn) {
  let t = performance.now();
  fn(1);
  const once = Math.max(performance.now() - t, 1e-3);
  const repeats = Math.max(1, Math.ceil(5 / once));
  const v = [];
  let total = 0;
  while (v.length < 5 || total < minMs) {
    t = performance.now();
    fn(repeats);
    const dt = performance.now() - t;
    v.push(dt / repeats);
    total += dt;
  }
  return median(v);
}
