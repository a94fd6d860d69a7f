// Every request this page has made, from the browser's own Resource Timing entries (not
// from wrapping fetch), so requests made by the library, the wasm loader or anything else
// show up too. Started first thing, with buffered entries, so nothing is missed.
const entries = [];
const listeners = new Set();

function add(list) {
  for (const e of list) {
    entries.push({
      name: e.name,
      type: e.initiatorType || e.entryType,
      start: e.startTime,
      bytes: e.transferSize ?? 0,
      duration: e.duration,
    });
  }
  for (const fn of listeners) fn();
}

export function startNetLog() {
  add(performance.getEntriesByType('navigation'));
  if (typeof PerformanceObserver === 'function') {
    new PerformanceObserver((list) => add(list.getEntries())).observe({ type: 'resource', buffered: true });
  } else {
    add(performance.getEntriesByType('resource'));
  }
  // The default buffer holds 250 entries; a long session must not silently stop logging.
  performance.setResourceTimingBufferSize?.(10000);
}

export function netEntries() {
  return entries;
}

/** Calls fn on every new entry; returns unsubscribe. */
export function onNetEntry(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
