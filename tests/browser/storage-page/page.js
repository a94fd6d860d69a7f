// The test page of tests/browser/storage-tabs.test.mjs. It loads the history module named by
// ?lib= (default: this checkout's web/src/history.js; the test can serve an older revision to
// show that the test fails on it) and offers the test three functions on window.
const params = new URLSearchParams(location.search);
const lib = params.get('lib') || '/web/src/history.js';
// ?noidb: IndexedDB cannot be opened here, as in some private modes.
if (params.has('noidb')) indexedDB.open = () => { throw new DOMException('IndexedDB is blocked on this test page', 'InvalidStateError'); };
const { openHistory } = await import(lib);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const warnings = [];

async function open(storage, namespace) {
  return openHistory({ storage, namespace, maxEvents: 1_000_000, onWarning: (w) => warnings.push({ code: w.code, message: w.message }) });
}

/**
 * Records `count` events with ids `${prefix}-${i}`, starting at `startAt` (ms since the epoch,
 * so that several pages start together), each after a random gap of 0..maxGap ms, without
 * waiting for the previous one to finish. Resolves with the ids whose record() resolved
 * { recorded: true }, the other outcomes, and the adapter actually used.
 */
window.hearthRecord = async ({ storage, namespace, count, prefix, maxGap, startAt }) => {
  const history = await open(storage, namespace);
  const adapter = (await history.storageReport()).adapter;
  await sleep(Math.max(0, startAt - Date.now()));
  const acknowledged = [];
  const other = [];
  const pending = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    pending.push(history.record({ type: 'view', item: `item-${i % 97}`, id }).then(
      (r) => { if (r.recorded) { acknowledged.push(id); window.hearthAck?.(id); } else other.push(`${id}: ${r.reason}`); },
      (e) => { other.push(`${id}: ${e.message}`); }));
    const gap = Math.random() * maxGap;
    if (gap >= 0.5) await sleep(gap);
  }
  await Promise.all(pending);
  history.close();
  return { acknowledged, other, adapter, warnings };
};

/** The ids of every stored event of the namespace, and the adapter used. */
window.hearthRead = async ({ storage, namespace }) => {
  const history = await open(storage, namespace);
  const ids = (await history.events()).map((e) => e.id);
  const adapter = (await history.storageReport()).adapter;
  history.close();
  return { ids, adapter, warnings };
};

document.documentElement.dataset.ready = 'true';
