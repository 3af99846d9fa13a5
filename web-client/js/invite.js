// Inviting a third party into a visit: an interpreter by language (every interpreter online
// with it is asked; the first to accept joins) or a caregiver by a link the clinician copies
// or shows as a QR code for the patient's companion to scan.
import { h, t, tr, announce } from './dom.js';
import { renderSVG } from './vendor/uqr.mjs';

export const LANGUAGES = ['es', 'fr', 'zh', 'vi', 'ar'];

export function interpreterForm({ sig, appointmentId, onDone }) {
  const id = `lang-${appointmentId}`;
  const select = h('select', { id }, LANGUAGES.map((l) => h('option', { value: l, t: `lang.${l}` })));
  const status = h('span', { class: 'muted', role: 'status' });
  const form = h('form', { class: 'inline-form' },
    h('label', { for: id, t: 'cl.invite_language' }), select,
    h('button', { type: 'submit', t: 'cl.invite_interpreter' }), status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await sig.request('interpreter.request', { appointment_id: appointmentId, language: select.value });
      tr(status, 'cl.interpreter_requested');
      if (onDone) onDone();
    } catch (e) {
      status.textContent = e.code === 'forbidden' ? t('cl.forbidden') : e.message;
    }
  });
  return form;
}

export function qrImage(url, altKey = 'cl.invite_qr') {
  const svg = renderSVG(url, { ecc: 'M', border: 2, pixelSize: 4 });
  return h('img', { class: 'qr', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
    alt: t(altKey), width: 200, height: 200 });
}

// A link to hand over, shown in `out`: the text, a copy button and a QR code to scan. Shared
// by caregiver invitations and walk-in patient links (walkin.js).
export function showLink(out, url, { id, labelKey, qrKey = 'cl.invite_qr' }) {
  const input = h('input', { id, type: 'text', readonly: true, value: url });
  const copied = h('span', { class: 'muted', role: 'status' });
  out.replaceChildren(
    h('label', { for: id, class: 'visually-hidden', t: labelKey }), input,
    h('button', { type: 'button', t: 'cl.invite_copy', onclick: async () => {
      try { await navigator.clipboard.writeText(url); } catch { input.select(); document.execCommand('copy'); }
      tr(copied, 'cl.invite_copied');
      announce(t('cl.invite_copied'));
    } }),
    copied, qrImage(url, qrKey));
}

export function caregiverPanel({ sig, appointmentId }) {
  const out = h('div', { class: 'invite-out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', t: 'cl.invite_caregiver', onclick: async () => {
    try {
      const r = await sig.request('invite.create', { appointment_id: appointmentId, role: 'caregiver' });
      // invite.created carries the link as `link` (docs/protocol.md).
      showLink(out, r.link || r.url, { id: `invite-${appointmentId}`, labelKey: 'cl.invite_caregiver' });
    } catch (e) {
      out.textContent = e.code === 'forbidden' ? t('cl.forbidden') : e.message;
    }
  } });
  return h('div', { class: 'invite' }, btn, out);
}
