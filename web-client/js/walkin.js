// "Add walk-in" in the clinician console: the front desk or a clinician adds a patient seen
// today without a booking (lobby.walkin, docs/protocol.md) and hands over the patient's link,
// as text to copy or a QR code to scan. No name or phone number is asked for: an optional
// short label is all the clinic keeps to recognise them. The new entry reaches the lobby table
// through lobby.update like every other change.
import { h, t, tr, announce } from './dom.js';
import { LANGUAGES, showLink } from './invite.js';

const VISIT_TYPES = ['general', 'follow-up', 'urgent'];

export function walkInPanel({ sig }) {
  const clinicians = new Set(); // practitioner ids seen in the lobby
  const who = h('select', { id: 'walkin-who' },
    h('option', { value: '', t: 'cl.walkin_first_available' }));
  const type = h('select', { id: 'walkin-type' },
    VISIT_TYPES.map((v) => h('option', { value: v, t: `cl.walkin_type.${v}` })));
  const lang = h('select', { id: 'walkin-lang' },
    h('option', { value: '', t: 'cl.walkin_lang_default' }),
    ['en', ...LANGUAGES].map((l) => h('option', { value: l, t: `lang.${l}` })));
  const interp = h('input', { id: 'walkin-interp', type: 'checkbox' });
  const label = h('input', { id: 'walkin-label', type: 'text', maxlength: 64, autocomplete: 'off' });
  const status = h('p', { class: 'muted', role: 'status' });
  const out = h('div', { class: 'invite-out', 'aria-live': 'polite' });

  function addClinician(id, mine = false) {
    if (!id || clinicians.has(id)) return;
    clinicians.add(id);
    const opt = h('option', { value: id }, mine ? t('cl.walkin_me') : id);
    who.append(opt);
    if (mine) who.value = id;
  }

  const form = h('form', { class: 'walkin-form' },
    h('div', { class: 'field' }, h('label', { for: 'walkin-who', t: 'cl.walkin_clinician' }), who),
    h('div', { class: 'field' }, h('label', { for: 'walkin-type', t: 'cl.walkin_visit_type' }), type),
    h('div', { class: 'field' }, h('label', { for: 'walkin-lang', t: 'cl.walkin_language' }), lang),
    h('div', { class: 'field check' }, interp, h('label', { for: 'walkin-interp', t: 'cl.walkin_interpreter' })),
    h('div', { class: 'field' }, h('label', { for: 'walkin-label', t: 'cl.walkin_label' }), label,
      h('p', { class: 'muted', t: 'cl.walkin_label_hint' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', t: 'cl.walkin_add' })),
    status);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    if (interp.checked && !lang.value) { tr(status, 'cl.walkin_need_language'); lang.focus(); return; }
    const fields = { visit_type: type.value };
    if (who.value) fields.practitioner_id = who.value; else fields.first_available = true;
    if (lang.value) fields.language = lang.value;
    if (interp.checked) fields.needs_interpreter = true;
    if (label.value.trim()) fields.label = label.value.trim();
    try {
      const r = await sig.request('lobby.walkin', fields);
      label.value = '';
      interp.checked = false;
      tr(status, 'cl.walkin_added');
      announce(t('cl.walkin_added'));
      showLink(out, r.link, { id: 'walkin-link', labelKey: 'cl.walkin_link', qrKey: 'cl.walkin_qr' });
    } catch (e) {
      status.textContent = e.code === 'forbidden' ? t('cl.forbidden') : e.message;
    }
  });

  // Who can see them: "me" for a clinician, and the clinicians the lobby's updates name (the
  // lobby refreshes every waiting entry each minute). First available needs neither.
  sig.on('lobby.update', (m) => m.entry && addClinician(m.entry.practitioner_id));
  sig.request('whoami', {}).then((w) => { if (w.role === 'clinician') addClinician(w.subject_id, true); })
    .catch(() => {});

  return h('section', { class: 'panel walkin', 'aria-labelledby': 'walkin-h' },
    h('h2', { id: 'walkin-h', t: 'cl.walkin' }), form, out);
}

// Adds the panel to the lobby screen (lobby.js) next to its other panels.
export function addWalkIn(lobby, sig) {
  const grid = lobby.querySelector('.console-grid') || lobby;
  grid.append(walkInPanel({ sig }));
}
