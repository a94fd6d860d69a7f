// "Your data": what is stored, where and how big; the history with a delete per item;
// pause, export, import, clear; and the log of every request the page made.
import { h, bdi } from './dom.js';
import { t, tp, num, unit, dateTime, sorted } from './i18n/index.js';
import { eventName } from './items.js';
import { netEntries, onNetEntry } from './netlog.js';

let unsubscribeNet = null;

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: name, class: 'hidden-link' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// A word from the table, or the raw value (as code) when the page has none for it.
function worded(prefix, value) {
  try {
    return t(`${prefix}${value}`);
  } catch {
    return h('code', {}, String(value));
  }
}

function where(report) {
  const key = { indexedDB: 'whereIndexedDB', localStorage: 'whereLocalStorage', memory: 'whereMemory' }[report.adapter];
  return key ? t(key) : bdi(report.where);
}

function netTable() {
  const body = h('tbody');
  const fill = () => {
    const origin = location.origin;
    body.replaceChildren(...netEntries().map((e, i) => h('tr', {},
      h('td', {}, num(i + 1)),
      h('td', {}, h('code', {}, e.name.startsWith(origin) ? e.name.slice(origin.length) : e.name)),
      h('td', {}, worded('request_', e.type)),
      h('td', { class: 'num' }, e.bytes ? num(e.bytes) : t('netCache')))));
  };
  fill();
  unsubscribeNet?.();
  unsubscribeNet = onNetEntry(fill);
  return h('table', { class: 'netlog', id: 'netlog' },
    h('caption', {}, t('netCaption')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('netUrl')),
      h('th', { scope: 'col' }, t('netKind')), h('th', { scope: 'col' }, t('netBytes')))),
    body);
}

export async function renderData(ctx, view) {
  const { rec } = ctx;
  const [report, not] = await Promise.all([rec.storageReport(), rec.store.notInterestedList()]);
  const events = ctx.events;

  const pause = h('button', {
    type: 'button', id: 'pause', 'aria-pressed': String(report.paused), dataset: { key: 'pause' },
    onclick: async () => {
      if (report.paused) await rec.resume(); else await rec.pause();
      ctx.say(report.paused ? 'statusResumed' : 'statusPaused');
    },
  }, report.paused ? t('resume') : t('pause'));

  const fileInput = h('input', {
    type: 'file', id: 'import-file', accept: 'application/json,.json',
    onchange: async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      try {
        const r = await rec.importData(await file.text());
        ctx.say('imported', { count: r.imported, skipped: r.skipped });
      } catch (err) {
        ctx.say('importFailed', { message: err.message });
      }
    },
  });

  const confirm = h('button', {
    type: 'button', id: 'clear-confirm', class: 'danger', hidden: true, dataset: { key: 'clear-confirm' },
    onclick: async () => { await rec.clear(); ctx.say('cleared'); },
  }, t('clearConfirm'));
  const clear = h('button', {
    type: 'button', id: 'clear', class: 'danger', dataset: { key: 'clear' },
    onclick: () => { confirm.hidden = false; confirm.focus(); },
  }, t('clearAll'));

  // Not-interested items by title, then tags in the language's order.
  const hidden = [
    ...not.items.map((id) => {
      const title = ctx.byId.get(id)?.title;
      return { what: id, text: title ?? id, label: () => (title ? bdi(title) : h('code', {}, id)) };
    }),
    ...sorted(not.tags).map((tag) => ({ what: { tag }, text: t('tagHidden', { tag }), label: () => tp('tagHidden', { tag: bdi(tag) }) })),
    ...sorted(not.lessTags).map((tag) => ({ what: { tag }, text: t('tagShownLess', { tag }), label: () => tp('tagShownLess', { tag: bdi(tag) }) })),
  ];

  // Newest first: that is what a person looks for.
  const rows = [...events].reverse();
  view.replaceChildren(
    h('h2', {}, t('dataTitle')),
    h('p', {}, t('dataIntro')),
    h('dl', { class: 'facts', id: 'storage-facts' },
      h('dt', {}, t('storedIn')), h('dd', {}, where(report)),
      h('dt', {}, t('events')), h('dd', { id: 'storage-events' }, num(report.events)),
      h('dt', {}, t('bytesUsed')), h('dd', { id: 'storage-bytes' }, num(report.bytes)),
      h('dt', {}, t('eventHolds')), h('dd', {}, t('eventContents')),
      h('dt', {}, t('recording')), h('dd', {}, report.paused ? t('recordingPaused') : t('recordingOn'))),
    h('div', { class: 'toolbar' },
      pause,
      h('button', {
        type: 'button', id: 'export', dataset: { key: 'export' },
        onclick: async () => download('hearth-history.json', JSON.stringify(await rec.exportData(), null, 2)),
      }, t('exportJson')),
      h('label', { class: 'file' }, t('importJson'), ' ', fileInput),
      clear, confirm),
    h('h3', {}, t('historyCount', { count: events.length })),
    events.length
      ? h('ul', { class: 'history', id: 'history' }, rows.map((e) => {
        const title = ctx.byId.get(e.item)?.title;
        const text = title ?? t('unknownItem', { id: e.item });
        return h('li', { dataset: { item: e.item } },
          title ? bdi(title, 'htitle') : h('span', { class: 'htitle' }, text),
          h('span', { class: 'hwhat' }, eventName(e)),
          h('time', { datetime: new Date(e.ts).toISOString() }, dateTime(e.ts)),
          h('button', {
            type: 'button', class: 'quiet', dataset: { key: `forget:${e.item}` },
            'aria-label': t('deleteFromHistory', { title: text }),
            onclick: async () => { await rec.forget(e.item); ctx.say('statusDeleted', { title: bdi(text, 'title-ref') }); },
          }, t('delete')));
      }))
      : h('p', { id: 'history-empty' }, t('nothingStored')),
    h('h3', {}, t('notInterested')),
    hidden.length
      ? h('ul', { class: 'history', id: 'not-interested' }, hidden.map(({ what, text, label }) => h('li', {},
        h('span', { class: 'htitle' }, label()),
        h('button', {
          type: 'button', class: 'quiet', 'aria-label': t('showAgain', { what: text }),
          onclick: async () => { await rec.undoNotInterested(what); ctx.say('statusShowingAgain', { what: label() }); },
        }, t('undo')))))
      : h('p', {}, t('nothingHidden')),
    h('h3', {}, t('network')),
    h('p', {}, t('networkIntro'), ' ', t('networkWorker')),
    netTable(),
    h('p', { class: 'note' }, t('modelLoaded', { size: unit(ctx.bundleBytes / 1e6, 'megabyte', 2) })));
}
