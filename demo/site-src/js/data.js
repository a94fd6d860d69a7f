// "Your data": what is stored, where and how big; the history with a delete per item;
// pause, export, import, clear; and the log of every request the page made.
import { h, fmt } from './dom.js';
import { netEntries, onNetEntry } from './netlog.js';

let unsubscribeNet = null;

function when(ts) {
  return new Date(ts).toLocaleString();
}

function eventWords(e) {
  if (e.type === 'rate') return `rated ${e.value}`;
  return e.type + (e.value !== undefined ? ` (${e.value})` : '');
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: name, class: 'hidden-link' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function netTable() {
  const body = h('tbody');
  const fill = () => {
    const origin = location.origin;
    body.replaceChildren(...netEntries().map((e, i) => h('tr', {},
      h('td', {}, String(i + 1)),
      h('td', {}, e.name.startsWith(origin) ? e.name.slice(origin.length) : e.name),
      h('td', {}, e.type),
      h('td', { class: 'num' }, e.bytes ? `${e.bytes}` : 'cache'))));
  };
  fill();
  unsubscribeNet?.();
  unsubscribeNet = onNetEntry(fill);
  return h('table', { class: 'netlog', id: 'netlog' },
    h('caption', {}, 'Every request this page has made (Resource Timing)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'URL'),
      h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col' }, 'Bytes'))),
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
      ctx.say(report.paused ? 'Recording resumed' : 'Recording paused: new actions are not stored');
    },
  }, report.paused ? 'Resume recording' : 'Pause recording');

  const fileInput = h('input', {
    type: 'file', id: 'import-file', accept: 'application/json,.json',
    onchange: async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      try {
        const r = await rec.importData(await file.text());
        ctx.say(`Imported ${r.imported} events (${r.skipped} already here)`);
      } catch (err) {
        ctx.say(`Import failed: ${err.message}`);
      }
    },
  });

  const confirm = h('button', {
    type: 'button', id: 'clear-confirm', class: 'danger', hidden: true, dataset: { key: 'clear-confirm' },
    onclick: async () => { await rec.clear(); ctx.say('All your data on this device was deleted'); },
  }, 'Yes, delete everything');
  const clear = h('button', {
    type: 'button', id: 'clear', class: 'danger', dataset: { key: 'clear' },
    onclick: () => { confirm.hidden = false; confirm.focus(); },
  }, 'Clear all data');

  // Newest first: that is what a person looks for.
  const rows = [...events].reverse();
  view.replaceChildren(
    h('h2', {}, 'Your data'),
    h('p', {}, 'Everything Hearth knows about you is below, and it is stored only in this browser.'),
    h('dl', { class: 'facts', id: 'storage-facts' },
      h('dt', {}, 'Stored in'), h('dd', {}, report.where),
      h('dt', {}, 'Events'), h('dd', { id: 'storage-events' }, String(report.events)),
      h('dt', {}, 'Bytes used'), h('dd', { id: 'storage-bytes' }, String(report.bytes)),
      h('dt', {}, 'What an event holds'), h('dd', {}, report.contents),
      h('dt', {}, 'Recording'), h('dd', {}, report.paused ? 'paused' : 'on')),
    h('div', { class: 'toolbar' },
      pause,
      h('button', {
        type: 'button', id: 'export', dataset: { key: 'export' },
        onclick: async () => download('hearth-history.json', JSON.stringify(await rec.exportData(), null, 2)),
      }, 'Export JSON'),
      h('label', { class: 'file' }, 'Import JSON ', fileInput),
      clear, confirm),
    h('h3', {}, `History (${events.length})`),
    events.length
      ? h('ul', { class: 'history', id: 'history' }, rows.map((e) => {
        const title = ctx.byId.get(e.item)?.title ?? `unknown item ${e.item}`;
        return h('li', { dataset: { item: e.item } },
          h('span', { class: 'htitle' }, title),
          h('span', { class: 'hwhat' }, eventWords(e)),
          h('time', { datetime: new Date(e.ts).toISOString() }, when(e.ts)),
          h('button', {
            type: 'button', class: 'quiet', dataset: { key: `forget:${e.item}` },
            'aria-label': `Delete ${title} from my history`,
            onclick: async () => { await rec.forget(e.item); ctx.say(`Deleted ${title} from your history`); },
          }, 'Delete'));
      }))
      : h('p', { id: 'history-empty' }, 'Nothing stored.'),
    h('h3', {}, 'Not interested'),
    not.items.length + not.tags.length + not.lessTags.length
      ? h('ul', { class: 'history', id: 'not-interested' }, [
        ...not.items.map((id) => ({ what: id, label: ctx.byId.get(id)?.title ?? id })),
        ...not.tags.map((tag) => ({ what: { tag }, label: `tag ${tag} (hidden)` })),
        ...not.lessTags.map((tag) => ({ what: { tag }, label: `tag ${tag} (shown less)` })),
      ].map(({ what, label }) => h('li', {},
        h('span', { class: 'htitle' }, label),
        h('button', {
          type: 'button', class: 'quiet', 'aria-label': `Show ${label} again`,
          onclick: async () => { await rec.undoNotInterested(what); ctx.say(`Showing ${label} again`); },
        }, 'Undo'))))
      : h('p', {}, 'Nothing hidden.'),
    h('h3', {}, 'Network'),
    h('p', {}, 'The page fetches only its own files and the model. Your history is never sent: recommendations are computed here. ',
      '(Requests made by the service worker while installing the offline copy are not page requests and are not listed.)'),
    netTable(),
    h('p', { class: 'note' }, `Model: ${fmt(ctx.bundleBytes / 1e6, 2)} MB, loaded once and kept for offline use.`));
}
