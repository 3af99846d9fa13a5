// The waiting room: where the patient is in line and about when they will be seen, the
// clinic's messages, "I can be seen earlier", an earlier slot when one is offered, change
// time or cancel, and leave-and-come-back (the server keeps the place for a grace period).
import { h, t, tr, announce, formatTime } from './dom.js';
import { currentLang, onLangChange } from './i18n.js';

export function waitingScreen({ sig, onLeave, onCancelled, onEarly }) {
  const position = h('p', { class: 'position', id: 'wait-position', t: 'wait.unknown' });
  const eta = h('p', { class: 'eta', id: 'wait-eta' });
  const late = h('p', { class: 'late', hidden: true });
  const messages = h('ul', { class: 'messages', id: 'clinic-messages' },
    h('li', { class: 'muted empty', t: 'wait.no_messages' }));
  const offerBox = h('div', { class: 'offer', hidden: true, role: 'region', 'aria-labelledby': 'offer-text' });
  const info = h('p', { class: 'ok', role: 'status' });
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

  const offs = [
    sig.on('queue.update', (q) => {
      const before = last && last.position;
      renderQueue(q);
      if (q.position && q.position !== before) announce(position.textContent + ' ' + eta.textContent);
    }),
    sig.on('clinic.message', (m) => {
      messages.querySelector('.empty')?.remove();
      messages.prepend(h('li', {}, h('time', { class: 'muted' }, formatTime(m.at || Date.now() / 1000, currentLang())), ' ', m.text));
      announce(m.text);
    }),
    sig.on('offer.new', (o) => showOffer(o)),
    sig.on('offer.taken', () => { offerBox.hidden = true; }),
  ];

  function showOffer(o) {
    offerBox.replaceChildren(
      h('p', { id: 'offer-text', t: 'wait.offer', tvars: { time: formatTime(o.start, currentLang()) } }),
      h('button', { class: 'primary', type: 'button', t: 'wait.offer_accept',
        onclick: () => sig.request('offer.accept', { offer_id: o.offer_id })
          .then(() => { offerBox.hidden = true; }).catch(() => { offerBox.hidden = true; }) }));
    offerBox.hidden = false;
    announce(t('wait.offer', { time: formatTime(o.start, currentLang()) }));
  }

  const early = h('input', { type: 'checkbox', id: 'early' });
  early.addEventListener('change', () => {
    if (onEarly) onEarly(early.checked);
    sig.request('waiting.early', { value: early.checked }).catch(() => { /* kept locally; sent again on rejoin */ });
  });

  const cancelConfirm = h('div', { class: 'confirm', hidden: true, role: 'alertdialog', 'aria-labelledby': 'cancel-q' },
    h('p', { id: 'cancel-q', t: 'wait.cancel_confirm' }),
    h('div', { class: 'actions' },
      h('button', { class: 'danger', type: 'button', t: 'wait.cancel', onclick: async () => {
        await sig.request('appointment.cancel', {}).catch(() => {});
        onCancelled();
      } }),
      h('button', { type: 'button', t: 'check.no', onclick: () => { cancelConfirm.hidden = true; } })));

  const el = h('section', { class: 'screen card', 'data-screen': 'waiting', 'aria-labelledby': 'wait-h' },
    h('h1', { id: 'wait-h', t: 'wait.title' }),
    h('div', { class: 'queue', 'aria-live': 'polite' }, position, eta, late),
    h('p', { class: 'muted', t: 'wait.keep_open' }),
    offerBox,
    h('h2', { t: 'wait.messages' }),
    messages,
    h('label', { class: 'check', for: 'early' }, early, h('span', { t: 'wait.early' })),
    info,
    h('div', { class: 'actions' },
      h('button', { type: 'button', t: 'wait.reschedule', onclick: async () => {
        await sig.request('appointment.reschedule', {}).catch(() => {});
        tr(info, 'wait.reschedule_sent');
      } }),
      h('button', { type: 'button', t: 'wait.cancel', onclick: () => {
        cancelConfirm.hidden = false;
        cancelConfirm.querySelector('button').focus();
      } }),
      h('button', { type: 'button', t: 'wait.leave', onclick: onLeave })),
    cancelConfirm);
  el.stop = () => offs.forEach((off) => off());
  el.renderQueue = renderQueue;
  el.setEarly = (v) => { early.checked = v; };
  return el;
}
