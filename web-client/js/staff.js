// The scheduling staff page: sign in (login.js), then one board that polls the staff API every
// 10 s: the metrics for a chosen period and clinician (GET /api/scheduling/metrics), open slots
// with the offers out for each and recent outcomes (GET /api/scheduling/board), and a form that
// publishes free video slots (POST /api/scheduling/capacity). Nothing about patients is shown.
import { h, t, tr, mount, announce } from './dom.js';
import { initSwitch, onLangChange, currentLang } from './i18n.js';
import { loginScreen, whoami, logout } from './login.js';

const POLL_MS = 10000;
const state = { me: null, timer: null, board: null, metrics: null, period: null, els: null };

async function api(path, method = 'GET', body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  let json = null;
  try { json = await r.json(); } catch { /* not JSON */ }
  if (r.status === 401 || r.status === 403) { signedOut(); throw Object.assign(new Error('auth'), { status: r.status }); }
  return { status: r.status, json };
}

// Dates as the inputs want them (YYYY-MM-DD, the browser's day).
function isoDay(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(currentLang(), { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }) : '—');
const fmtClock = (iso) => (iso ? new Date(iso).toLocaleTimeString(currentLang(), { hour: 'numeric', minute: '2-digit' }) : '—');
const fmtPct = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`);
const fmtNum = (v, digits = 1) => (v === null || v === undefined ? '—' : Number(v).toLocaleString(currentLang(), { maximumFractionDigits: digits }));

function query() {
  const q = new URLSearchParams();
  const p = state.period;
  if (p.from) q.set('from', p.from);
  if (p.to) q.set('to', p.to);
  if (p.practitioner) q.set('practitioner', p.practitioner);
  return q.toString();
}

function metricTile(key, value, id) {
  return h('div', { class: 'metric', 'data-metric': id },
    h('dt', { t: key }), h('dd', {}, value));
}

function renderMetrics() {
  const m = state.metrics;
  const { metrics, metricsNote } = state.els;
  if (!m) return;
  metrics.replaceChildren(
    metricTile('staff.m.fill_rate', fmtPct(m.fill_rate), 'fill_rate'),
    metricTile('staff.m.offers_per_fill', fmtNum(m.offers_per_fill), 'offers_per_fill'),
    metricTile('staff.m.acceptance', fmtPct(m.acceptance), 'acceptance'),
    metricTile('staff.m.days_sooner', fmtNum(m.median_days_sooner), 'median_days_sooner'),
    metricTile('staff.m.open_slots', fmtNum(m.open_slots, 0), 'open_slots'),
    metricTile('staff.m.in_flight', fmtNum(m.offers_in_flight, 0), 'offers_in_flight'));
  tr(metricsNote, 'staff.m.note', {
    opened: m.slots_opened, filled: m.slots_filled, unfilled: m.slots_unfilled,
    sent: m.offers_sent, accepted: m.accepted, declined: m.declined, expired: m.expired,
  });
}

function reasonLabel(r) { return t(`staff.reason.${r}`); }
function modalityLabel(m) { return t(m === 'in-person' ? 'staff.in_person' : 'staff.video'); }

function renderSlots() {
  const { slotsBody, slotsEmpty } = state.els;
  const slots = state.board ? state.board.open_slots : [];
  slotsEmpty.hidden = slots.length > 0;
  slotsBody.replaceChildren(...slots.map((s) => h('tr', { 'data-slot-id': s.slot_id },
    h('th', { scope: 'row' }, fmtTime(s.start)),
    h('td', {}, s.practitioner_name),
    h('td', {}, modalityLabel(s.modality)),
    h('td', {}, reasonLabel(s.reason)),
    h('td', { class: 'offers' }, s.offers_in_flight
      ? t('staff.offers_out', { n: s.offers_in_flight, time: fmtClock(s.next_expiry) })
      : t('staff.offers_none', { n: s.offers_made })))));
}

function renderOutcomes() {
  const { outcomesBody, outcomesEmpty } = state.els;
  const list = state.board ? state.board.outcomes : [];
  outcomesEmpty.hidden = list.length > 0;
  outcomesBody.replaceChildren(...list.map((o) => h('tr', { 'data-result': o.result, 'data-slot-id': o.slot_id },
    h('th', { scope: 'row' }, fmtTime(o.at)),
    h('td', {}, fmtTime(o.slot_start)),
    h('td', {}, o.practitioner_name),
    h('td', {}, h('span', { class: `badge result-${o.result}` }, t(`staff.result.${o.result}`))),
    h('td', {}, o.days_sooner === null ? '—' : fmtNum(o.days_sooner)))));
}

function renderClinicians() {
  const { filterSelect, capSelect } = state.els;
  const list = state.board ? state.board.clinicians : [];
  const keep = [filterSelect.value, capSelect.value];
  filterSelect.replaceChildren(h('option', { value: '', t: 'staff.all_clinicians' }),
    ...list.map((c) => h('option', { value: c.id }, c.name)));
  capSelect.replaceChildren(...list.map((c) => h('option', { value: c.id }, c.name)));
  if (keep[0]) filterSelect.value = keep[0];
  if (keep[1]) capSelect.value = keep[1];
}

async function refresh() {
  const { updated, loadErr } = state.els;
  try {
    const q = query();
    const [m, b] = await Promise.all([api(`/api/scheduling/metrics?${q}`), api(`/api/scheduling/board?${q}`)]);
    if (m.status !== 200 || b.status !== 200) {
      loadErr.textContent = (m.status !== 200 ? m.json : b.json)?.message || t('staff.load_failed');
      return;
    }
    loadErr.textContent = '';
    const firstClinicians = !state.board;
    state.metrics = m.json;
    state.board = b.json;
    if (firstClinicians) renderClinicians();
    renderMetrics();
    renderSlots();
    renderOutcomes();
    tr(updated, 'staff.updated', { time: fmtClock(b.json.now) });
  } catch (e) {
    if (!e.status) tr(loadErr, 'staff.load_failed');
  }
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    if (!document.hidden) await refresh();
    if (state.me) schedule();
  }, POLL_MS);
}

function periodForm() {
  const today = new Date();
  const from = new Date(today.getTime() - 29 * 86400000);
  const fromIn = h('input', { id: 'period-from', type: 'date', value: isoDay(from), required: true });
  const toIn = h('input', { id: 'period-to', type: 'date', value: isoDay(today), required: true });
  const filterSelect = h('select', { id: 'period-clinician' });
  state.period = { from: fromIn.value, to: toIn.value, practitioner: '' };
  const form = h('form', { class: 'period', id: 'period-form' },
    h('div', { class: 'field' }, h('label', { for: 'period-from', t: 'staff.from' }), fromIn),
    h('div', { class: 'field' }, h('label', { for: 'period-to', t: 'staff.to' }), toIn),
    h('div', { class: 'field' }, h('label', { for: 'period-clinician', t: 'staff.clinician' }), filterSelect),
    h('div', { class: 'field' }, h('button', { type: 'submit', t: 'staff.apply' })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    state.period = { from: fromIn.value, to: toIn.value, practitioner: filterSelect.value };
    await refresh();
    announce(t('staff.period_applied'));
  });
  state.els.filterSelect = filterSelect;
  return form;
}

function capacityForm() {
  const capSelect = h('select', { id: 'cap-clinician', required: true });
  const tomorrow = new Date(Date.now() + 86400000);
  const day = h('input', { id: 'cap-day', type: 'date', value: isoDay(tomorrow), required: true });
  const time = h('input', { id: 'cap-time', type: 'time', value: '09:00', required: true });
  const len = h('input', { id: 'cap-len', type: 'number', min: '5', max: '240', step: '5', value: '20', required: true, inputmode: 'numeric' });
  const count = h('input', { id: 'cap-count', type: 'number', min: '1', max: '24', value: '1', required: true, inputmode: 'numeric' });
  const msg = h('p', { id: 'cap-msg', role: 'status' });
  const err = h('p', { id: 'cap-err', class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', t: 'staff.cap.publish' });
  const form = h('form', { class: 'capacity', id: 'capacity-form' },
    h('div', { class: 'field' }, h('label', { for: 'cap-clinician', t: 'staff.clinician' }), capSelect),
    h('div', { class: 'field' }, h('label', { for: 'cap-day', t: 'staff.cap.day' }), day),
    h('div', { class: 'field' }, h('label', { for: 'cap-time', t: 'staff.cap.time' }), time),
    h('div', { class: 'field' }, h('label', { for: 'cap-len', t: 'staff.cap.length' }), len),
    h('div', { class: 'field' }, h('label', { for: 'cap-count', t: 'staff.cap.count' }), count),
    h('div', { class: 'actions' }, submit), err, msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    err.textContent = '';
    const start = new Date(`${day.value}T${time.value}`);
    const minutes = Number(len.value), n = Number(count.value);
    if (Number.isNaN(start.getTime()) || !(minutes > 0) || !(n > 0)) { tr(err, 'staff.cap.bad_input'); return; }
    const slots = [];
    for (let i = 0; i < n; i++) {
      const a = new Date(start.getTime() + i * minutes * 60000);
      const b = new Date(a.getTime() + minutes * 60000);
      slots.push({ start: a.toISOString().replace(/\.\d{3}Z$/, 'Z'), end: b.toISOString().replace(/\.\d{3}Z$/, 'Z'), modality: 'video' });
    }
    submit.disabled = true;
    try {
      const r = await api('/api/scheduling/capacity', 'POST', { practitioner_id: capSelect.value, slots });
      if (r.status === 201) {
        tr(msg, 'staff.cap.done', { n: r.json.slot_ids.length });
        await refresh();
      } else {
        err.textContent = r.json?.message || t('staff.cap.failed');
      }
    } catch (e) {
      if (!e.status) tr(err, 'staff.load_failed');
    } finally {
      submit.disabled = false;
    }
  });
  state.els.capSelect = capSelect;
  return form;
}

function table(captionKey, heads, idPrefix) {
  const body = h('tbody', { id: `${idPrefix}-body` });
  const empty = h('p', { class: 'muted', id: `${idPrefix}-empty`, t: `staff.${idPrefix}.empty` });
  const wrap = h('div', { class: 'table-wrap' },
    h('table', { class: 'staff-table', id: `${idPrefix}-table` },
      h('caption', { class: 'visually-hidden', t: captionKey }),
      h('thead', {}, h('tr', {}, ...heads.map((k) => h('th', { scope: 'col', t: k })))), body));
  return { body, empty, wrap };
}

function boardScreen() {
  state.els = {};
  const metrics = h('dl', { class: 'metrics', id: 'metrics' });
  const metricsNote = h('p', { class: 'muted small', id: 'metrics-note' });
  const updated = h('p', { class: 'muted small', id: 'updated' });
  const loadErr = h('p', { class: 'error', role: 'alert', id: 'load-err' });
  const slots = table('staff.slots.title', ['staff.col.time', 'staff.col.clinician', 'staff.col.type', 'staff.col.why', 'staff.col.offers'], 'slots');
  const outcomes = table('staff.outcomes.title', ['staff.col.when', 'staff.col.slot', 'staff.col.clinician', 'staff.col.result', 'staff.col.days'], 'outcomes');
  Object.assign(state.els, { metrics, metricsNote, updated, loadErr,
    slotsBody: slots.body, slotsEmpty: slots.empty, outcomesBody: outcomes.body, outcomesEmpty: outcomes.empty });
  const signOut = h('button', { type: 'button', id: 'sign-out', t: 'staff.sign_out',
    onclick: async () => { await logout(); signedOut(); } });
  const screen = h('section', { class: 'screen staff', 'data-screen': 'board', 'aria-labelledby': 'board-h' },
    h('div', { class: 'staff-head' }, h('h1', { id: 'board-h', t: 'staff.title' }), signOut),
    loadErr,
    h('section', { class: 'panel', 'aria-labelledby': 'metrics-h' },
      h('h2', { id: 'metrics-h', t: 'staff.metrics.title' }), periodForm(), metrics, metricsNote),
    h('div', { class: 'staff-grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'slots-h' },
        h('h2', { id: 'slots-h', t: 'staff.slots.title' }), slots.wrap, slots.empty, updated),
      h('section', { class: 'panel', 'aria-labelledby': 'cap-h' },
        h('h2', { id: 'cap-h', t: 'staff.cap.title' }), h('p', { class: 'muted small', t: 'staff.cap.intro' }), capacityForm())),
    h('section', { class: 'panel', 'aria-labelledby': 'outcomes-h' },
      h('h2', { id: 'outcomes-h', t: 'staff.outcomes.title' }), outcomes.wrap, outcomes.empty));
  return screen;
}

function signedOut() {
  if (!state.me) return;
  state.me = null;
  clearTimeout(state.timer);
  mount(loginScreen({ titleKey: 'staff.login_title', role: 'staff', onDone: signedIn }));
}

async function signedIn(me) {
  state.me = me;
  state.board = null;
  mount(boardScreen());
  await refresh();
  schedule();
}

onLangChange(() => {
  if (!state.me || !state.els) return;
  renderMetrics();
  renderSlots();
  renderOutcomes();
});

async function main() {
  initSwitch();
  const me = await whoami().catch(() => null);
  if (me && me.role === 'staff') await signedIn(me);
  else {
    state.me = {};
    signedOut();
  }
}

main();
