// The waiting room: where the patient is in line and about when they will be seen, the
// clinic's messages, "I can be seen earlier", an earlier slot when one is offered (take it
// or say no), change to another open time or cancel, and leave-and-come-back (the server
// keeps the place for a grace period).
import { h, t, tr, announce, formatTime } from './dom.js';
import { currentLang, onLangChange } from './i18n.js';

export function waitingScreen({ sig, onLeave, onCancelled, onEarly, onMoved }) {
  const position = h('p', { class: 'position', id: 'wait-position', t: 'wait.unknown' });
  const eta = h('p', { class: 'eta', id: 'wait-eta' });
  const late = h('p', { class: 'late', hidden: true });
  const messages = h('ul', { class: 'messages', id: 'clinic-messages' },
    h('li', { class: 'muted empty', t: 'wait.no_messages' }));
  const offerBox = h('div', { class: 'offer', hidden: true, role: 'region', 'aria-labelledby': 'offer-text' });
  const info = h('p', { class: 'ok', role: 'status', id: 'wait-info' });
  const booked = h('p', { class: 'booked', id: 'wait-booked', hidden: true });
  let last = null;

  function renderQueue(q) {
    last = q;
    if (!q || !q.position) { tr(position, 'wait.unknown'); eta.textContent = ''; return; }
    if (q.position === 1) tr(position, 'wait.position.1');
    else tr(position, 'wait.position', { n: q.position });
    const lang = currentLang();
    if (q.eta && q.eta_low && q.eta_high && q.eta_high - q.eta_low >= 120)
      tr(eta, 'wait.eta', { time: formatTime(q.eta, lang), low: formatTime(q.eta_low, lang), high: formatTime(q.eta_high, lang) });
    else if (q.eta) tr(eta, 'wait.eta_simple', { time: formatTime(q.eta, lang) });
    else eta.textContent = '';
    late.hidden = !(q.running_late_min > 0);
    if (q.running_late_min > 0) tr(late, 'wait.late', { min: q.running_late_min });
  }
  onLangChange(() => renderQueue(last));

  function addMessage(m) {
    messages.querySelector('.empty')?.remove();
    messages.prepend(h('li', {}, h('time', { class: 'muted' }, formatTime(m.at || Date.now() / 1000, currentLang())), ' ', m.text));
  }

  const offs = [
    sig.on('queue.update', (q) => {
      const before = last && last.position;
      renderQueue(q);
      if (q.position && q.position !== before) announce(position.textContent + ' ' + eta.textContent);
    }),
    sig.on('clinic.message', (m) => { addMessage(m); announce(m.text); }),
    sig.on('offer', (o) => showOffer(o)),
    sig.on('offer.withdrawn', (m) => {
      if (!offer || m.offer_id !== offer.offer_id) return;
      offer = null;
      offerBox.hidden = true;
      tr(info, m.reason === 'taken' ? 'wait.offer_gone' : 'wait.offer_expired');
    }),
  ];

  // Times from the scheduler are ISO 8601 UTC; the page shows them in local time.
  const at = (iso) => formatTime(Date.parse(iso) / 1000, currentLang());
  let offer = null;

  // An earlier slot held for this patient (docs/protocol.md, Scheduling): take it or say no.
  function showOffer(o) {
    offer = o;
    const start = o.slot && o.slot.start;
    const status = h('p', { class: 'muted', role: 'status' });
    const take = h('button', { class: 'primary', type: 'button', id: 'offer-take', t: 'wait.offer_accept',
      onclick: async () => {
        take.disabled = true;
        try {
          const r = await sig.request('offer.confirm', { offer_id: o.offer_id });
          offer = null;
          offerBox.hidden = true;
          if (r.type === 'offer.booked') moved(r);
          else tr(info, 'wait.offer_gone');
        } catch (e) {
          offer = null;
          offerBox.hidden = true;
          tr(info, e.code === 'offer_expired' ? 'wait.offer_expired' : 'wait.offer_failed');
        }
      } });
    const no = h('button', { type: 'button', id: 'offer-decline', t: 'wait.offer_decline',
      onclick: () => {
        offer = null;
        offerBox.hidden = true;
        sig.request('offer.decline', { offer_id: o.offer_id }).catch(() => { /* it lapses by itself */ });
      } });
    offerBox.replaceChildren(
      h('p', { id: 'offer-text', t: 'wait.offer', tvars: { time: at(start) } }),
      o.expires_at ? h('p', { class: 'muted', t: 'wait.offer_until', tvars: { time: at(o.expires_at) } }) : null,
      h('div', { class: 'actions' }, take, no), status);
    offerBox.hidden = false;
    info.textContent = '';
    announce(t('wait.offer', { time: at(start) }));
  }

  // The appointment moved (an offer taken or a new time picked): the reply names the new time
  // and carries a link for the new appointment.
  function moved(r) {
    const time = r.slot && r.slot.start ? at(r.slot.start) : '';
    tr(booked, 'wait.moved', { time });
    booked.hidden = false;
    announce(booked.textContent);
    if (onMoved) onMoved(r);
  }

  // Change time: the open slots the patient could move to, one button each.
  const picker = h('div', { class: 'confirm', hidden: true, id: 'reschedule', role: 'region', 'aria-labelledby': 'reschedule-h' });
  async function openPicker() {
    info.textContent = '';
    picker.replaceChildren(h('p', { id: 'reschedule-h', t: 'wait.reschedule_pick' }));
    picker.hidden = false;
    let slots = [];
    try {
      slots = (await sig.request('appointment.slots', {})).slots || [];
    } catch {
      tr(info, 'wait.reschedule_failed');
      picker.hidden = true;
      return;
    }
    const list = h('ul', { class: 'slot-list' });
    for (const sl of slots.slice(0, 6)) {
      const day = new Date(sl.start).toLocaleDateString(currentLang(), { weekday: 'short', month: 'short', day: 'numeric' });
      list.append(h('li', {}, h('button', { type: 'button', 'data-slot': sl.slot_id, onclick: () => pick(sl) }, `${day} ${at(sl.start)}`)));
    }
    picker.append(slots.length ? list : h('p', { class: 'muted', t: 'wait.reschedule_none' }),
      h('div', { class: 'actions' }, h('button', { type: 'button', t: 'wait.reschedule_keep', onclick: () => { picker.hidden = true; } })));
    picker.querySelector('button').focus();
  }
  async function pick(sl) {
    try {
      const r = await sig.request('appointment.reschedule', { slot_id: sl.slot_id });
      picker.hidden = true;
      moved(r);
    } catch (e) {
      tr(info, e.code === 'conflict' ? 'wait.reschedule_taken' : 'wait.reschedule_failed');
      openPicker();
    }
  }

  const early = h('input', { type: 'checkbox', id: 'early' });
  early.addEventListener('change', () => {
    if (onEarly) onEarly(early.checked);
    sig.request('waiting.early', { value: early.checked }).catch(() => { /* kept locally; sent again on rejoin */ });
  });

  const cancelConfirm = h('div', { class: 'confirm', hidden: true, role: 'alertdialog', 'aria-labelledby': 'cancel-q' },
    h('p', { id: 'cancel-q', t: 'wait.cancel_confirm' }),
    h('div', { class: 'actions' },
      h('button', { class: 'danger', type: 'button', id: 'cancel-yes', t: 'wait.cancel', onclick: async () => {
        try {
          await sig.request('appointment.cancel', {});
          onCancelled();
        } catch (e) {
          cancelConfirm.hidden = true;
          tr(info, e.code === 'conflict' ? 'wait.cancel_conflict' : 'wait.cancel_failed');
        }
      } }),
      h('button', { type: 'button', t: 'check.no', onclick: () => { cancelConfirm.hidden = true; } })));

  const el = h('section', { class: 'screen card', 'data-screen': 'waiting', 'aria-labelledby': 'wait-h' },
    h('h1', { id: 'wait-h', t: 'wait.title' }),
    h('div', { class: 'queue', 'aria-live': 'polite' }, position, eta, late),
    h('p', { class: 'muted', t: 'wait.keep_open' }),
    booked,
    offerBox,
    h('h2', { t: 'wait.messages' }),
    messages,
    h('label', { class: 'check', for: 'early' }, early, h('span', { t: 'wait.early' })),
    info,
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'reschedule-open', t: 'wait.reschedule', onclick: openPicker }),
      h('button', { type: 'button', t: 'wait.cancel', onclick: () => {
        cancelConfirm.hidden = false;
        cancelConfirm.querySelector('button').focus();
      } }),
      h('button', { type: 'button', t: 'wait.leave', onclick: onLeave })),
    picker,
    cancelConfirm);
  el.stop = () => offs.forEach((off) => off());
  el.renderQueue = renderQueue;
  el.addMessage = addMessage;
  el.setEarly = (v) => { early.checked = v; };
  return el;
}
