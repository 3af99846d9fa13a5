// The clinician's lobby: today's appointments with their state, time waited and network
// badge, one-click admit, a message to one patient or to everyone waiting, no-show,
// interpreter and caregiver invitations, and the open slots with their offers.
import { h, t, tr, announce, formatTime } from './dom.js';
import { currentLang, onLangChange } from './i18n.js';
import { interpreterForm, caregiverPanel, LANGUAGES } from './invite.js';

// lobby.admit takes a connected patient who is ready or still checking devices; an `away`
// patient must come back first (docs/protocol.md).
const ADMITTABLE = new Set(['ready', 'checking_devices']);
const WAITING = new Set(['ready', 'checking_devices', 'away']);
const SLOTS_REFRESH_MS = 30000;

export function lobbyScreen({ sig, onAdmit }) {
  const rows = new Map(); // appointment_id → {entry, tr}
  const tbody = h('tbody', { id: 'lobby-rows' });
  const empty = h('p', { class: 'muted', t: 'cl.empty' });
  const slotsList = h('ul', { class: 'slots', id: 'slots' }, h('li', { class: 'muted', t: 'cl.slots_empty' }));

  function badge(kind, value) {
    return h('span', { class: `badge ${kind}-${value}`, t: `cl.${kind}.${value}` });
  }

  function renderRow(entry) {
    let row = rows.get(entry.appointment_id);
    const waited = entry.waited_s ? Math.round(entry.waited_s / 60) : 0;
    const detail = h('tr', { class: 'detail', hidden: true });
    const admit = h('button', { type: 'button', class: 'primary', t: 'cl.admit',
      disabled: !ADMITTABLE.has(entry.state) || entry.connected === false,
      onclick: async () => {
        admit.disabled = true;
        try {
          await sig.request('lobby.admit', { appointment_id: entry.appointment_id });
          announce(t('cl.admitted', { who: entry.patient_label || '' }));
          onAdmit(entry);
        } catch (e) {
          admit.disabled = false;
          announce(e.message);
        }
      } });
    const more = h('button', { type: 'button', 'aria-expanded': 'false', t: 'cl.more',
      onclick: () => {
        const open = detail.hidden;
        detail.hidden = !open;
        more.setAttribute('aria-expanded', String(open));
        if (open) detail.querySelector('input, select, button').focus();
      } });
    const msgId = `msg-${entry.appointment_id}`;
    const msgInput = h('input', { type: 'text', id: msgId, maxlength: 500 });
    const msgStatus = h('span', { class: 'muted', role: 'status' });
    const msgForm = h('form', { class: 'inline-form' },
      h('label', { for: msgId, t: 'cl.message_label' }), msgInput,
      h('button', { type: 'submit', t: 'cl.message_send' }), msgStatus);
    msgForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!msgInput.value.trim()) return;
      try {
        await sig.request('lobby.message', { appointment_id: entry.appointment_id, text: msgInput.value.trim() });
        msgInput.value = '';
        tr(msgStatus, 'cl.message_sent');
      } catch (e) { msgStatus.textContent = e.message; }
    });
    detail.append(h('td', { colspan: 6 },
      msgForm,
      interpreterForm({ sig, appointmentId: entry.appointment_id }),
      caregiverPanel({ sig, appointmentId: entry.appointment_id }),
      h('button', { type: 'button', t: 'cl.noshow',
        onclick: () => sig.request('lobby.noshow', { appointment_id: entry.appointment_id })
          .then(refreshSoon, (e) => announce(e.message)) })));
    const flags = [
      entry.early && h('span', { class: 'flag', t: 'cl.early' }),
      entry.interpreter && h('span', { class: 'flag', t: 'cl.interpreter_needed',
        tvars: { lang: LANGUAGES.includes(entry.interpreter) ? t(`lang.${entry.interpreter}`) : entry.interpreter } }),
    ];
    const main = h('tr', { class: `state-${entry.state}`, 'data-appointment': entry.appointment_id },
      h('td', { class: 'nowrap' }, entry.scheduled ? formatTime(entry.scheduled, currentLang()) : ''),
      h('th', { scope: 'row' }, entry.patient_label || entry.appointment_id, ' ', flags),
      h('td', {}, badge('state', entry.state)),
      h('td', {}, WAITING.has(entry.state) ? t('cl.minutes', { n: waited }) : ''),
      h('td', {}, badge('network', entry.network || 'unknown')),
      h('td', {}, h('div', { class: 'row-actions' }, admit, more)));
    if (row) {
      const wasOpen = !row.detail.hidden;
      row.main.replaceWith(main);
      row.detail.replaceWith(detail);
      detail.hidden = !wasOpen;
      more.setAttribute('aria-expanded', String(wasOpen));
    } else {
      tbody.append(main, detail);
    }
    rows.set(entry.appointment_id, { entry, main, detail });
    empty.hidden = rows.size > 0;
  }

  function renderAll(entries) {
    tbody.replaceChildren();
    rows.clear();
    [...entries].sort((a, b) => (a.scheduled || 0) - (b.scheduled || 0)).forEach(renderRow);
    empty.hidden = rows.size > 0;
  }

  // Open slots of this line (or clinic) and the waiting-list offers out for them
  // (lobby.slots): why each opened, how many patients hold an offer now, filled once one said yes.
  function renderSlots(slots) {
    slotsList.replaceChildren();
    if (!slots.length) slotsList.append(h('li', { class: 'muted', t: 'cl.slots_empty' }));
    for (const s of slots) {
      const filled = s.state === 'filled';
      slotsList.append(h('li', { class: `slot ${filled ? 'filled' : 'open'}`, 'data-slot': s.slot_id },
        h('strong', {}, formatTime(Date.parse(s.start) / 1000, currentLang())), ' ',
        s.reason ? h('span', { class: 'muted', t: `cl.slot_reason.${s.reason}` }) : null, ' ',
        filled ? h('span', { class: 'badge state-ready', t: 'cl.slot_filled' })
          : h('span', { class: 'offers', t: 'cl.slot_offered', tvars: { n: s.offers_out || 0 } })));
    }
  }

  let lastSlots = [];
  let slotsTimer = 0;
  async function refreshSlots() {
    clearTimeout(slotsTimer);
    try {
      lastSlots = (await sig.request('lobby.slots', {})).slots || [];
      renderSlots(lastSlots);
    } catch (e) {
      if (e.code === 'unavailable') {
        slotsList.replaceChildren(h('li', { class: 'muted', t: 'cl.slots_unavailable' }));
        return; // no scheduling on this server: nothing will appear
      }
    }
    slotsTimer = setTimeout(refreshSlots, SLOTS_REFRESH_MS);
  }
  // A no-show or a confirmed offer changes the line: look at the slots again soon after.
  let soon = 0;
  function refreshSoon() {
    clearTimeout(soon);
    soon = setTimeout(refreshSlots, 500);
  }

  const msgAllInput = h('input', { type: 'text', id: 'msg-all', maxlength: 500 });
  const msgAllStatus = h('span', { class: 'muted', role: 'status' });
  const msgAll = h('form', { class: 'inline-form' },
    h('label', { for: 'msg-all', t: 'cl.message_all' }), msgAllInput,
    h('button', { type: 'submit', t: 'cl.message_send' }), msgAllStatus);
  msgAll.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!msgAllInput.value.trim()) return;
    try {
      await sig.request('lobby.message', { all: true, text: msgAllInput.value.trim() });
      msgAllInput.value = '';
      tr(msgAllStatus, 'cl.message_sent');
    } catch (e) { msgAllStatus.textContent = e.message; }
  });

  function removeRow(id) {
    const row = rows.get(id);
    if (!row) return;
    row.main.remove();
    row.detail.remove();
    rows.delete(id);
    empty.hidden = rows.size > 0;
  }

  const offs = [
    sig.on('lobby.update', (m) => {
      if (!m.entry) return;
      // After a transfer the old line gets the entry once more, marked removed.
      if (m.entry.removed) removeRow(m.entry.appointment_id);
      else renderRow(m.entry);
      refreshSoon();
    }),
    sig.on('interpreter.assigned', () => announce(t('cl.interpreter_assigned'))),
  ];
  onLangChange(() => { renderAll([...rows.values()].map((r) => r.entry)); renderSlots(lastSlots); });

  async function subscribe() {
    try {
      const snap = await sig.request('lobby.subscribe', {});
      renderAll(snap.entries || []);
    } catch (e) {
      if (e.code !== 'unknown_type') announce(e.message);
    }
    await refreshSlots();
  }

  const el = h('section', { class: 'screen console', 'data-screen': 'lobby', 'aria-labelledby': 'lobby-h' },
    h('h1', { id: 'lobby-h', t: 'cl.title' }),
    h('div', { class: 'console-grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'today-h' },
        h('h2', { id: 'today-h', t: 'cl.today' }),
        h('div', { class: 'table-wrap' },
          h('table', { class: 'lobby' },
            h('thead', {}, h('tr', {},
              ['cl.col.time', 'cl.col.patient', 'cl.col.state', 'cl.col.waited', 'cl.col.network', 'cl.col.actions']
                .map((k) => h('th', { scope: 'col', t: k })))),
            tbody)),
        empty,
        msgAll),
      h('section', { class: 'panel', 'aria-labelledby': 'slots-h' },
        h('h2', { id: 'slots-h', t: 'cl.slots' }), slotsList,
        h('button', { type: 'button', id: 'slots-refresh', t: 'cl.slots_refresh', onclick: () => refreshSlots() }))));
  el.stop = () => { offs.forEach((off) => off()); clearTimeout(slotsTimer); clearTimeout(soon); };
  el.subscribe = subscribe;
  el.renderAll = renderAll;
  return el;
}
