// The clinician console: sign in (POST /api/login, then the WebSocket by the session cookie)
// or a clinician link, the lobby, and visits with the clinician's extra controls. Back to the
// lobby when a visit ends; back to sign-in when the server ends the session (idle logoff).
import { h, t, tr, mount, announce } from './dom.js';
import { start, initPage } from './session.js';
import { lobbyScreen } from './lobby.js';
import { addWalkIn } from './walkin.js';
import { visitScreen } from './visit.js';
import { cameraScreen, simpleScreen, linkToken } from './screens.js';
import { MediaSession, getMedia, classifyMediaError } from './media.js';

const state = { session: null, lobby: null, screen: null, media: null };

function show(screen) {
  if (state.screen && state.screen.stop && state.screen !== state.lobby) state.screen.stop();
  state.screen = screen;
  mount(screen);
}

// Sign in over HTTPS (POST /api/login): the server answers with the HttpOnly session cookie,
// which the WebSocket upgrade then carries; `join` without a token authenticates by it.
function loginScreen({ expired = false } = {}) {
  const user = h('input', { id: 'login-user', type: 'text', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-pass', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', role: 'alert', id: 'login-err' });
  const submit = h('button', { type: 'submit', class: 'primary', t: 'cl.login' });
  const form = h('form', { class: 'login' },
    h('div', { class: 'field' }, h('label', { for: 'login-user', t: 'cl.username' }), user),
    h('div', { class: 'field' }, h('label', { for: 'login-pass', t: 'cl.password' }), pass),
    err,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    submit.disabled = true;
    let status = 0;
    try {
      const r = await fetch('/api/login', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login: user.value, password: pass.value }) });
      status = r.status;
    } catch { /* network: status stays 0 */ }
    submit.disabled = false;
    if (status === 200) {
      pass.value = '';
      await signedIn();
      return;
    }
    tr(err, status === 401 ? 'cl.login_failed' : status === 429 ? 'cl.login_rate_limited' : 'cl.login_error');
    pass.value = '';
    pass.focus();
  });
  const el = h('section', { class: 'screen card', 'data-screen': expired ? 'signed-out' : 'login', 'aria-labelledby': 'login-h' },
    h('h1', { id: 'login-h', t: expired ? 'cl.signed_out' : 'cl.title' }),
    expired ? h('p', { class: 'lead', id: 'signed-out-why', t: 'cl.signed_out_body' }) : null,
    form);
  return el;
}

// The session ended on the server (logout elsewhere or idle logoff): leave the visit and the
// lobby, and ask for the password again.
function signedOut() {
  if (!state.session) return;
  if (state.media) { state.media.close(); state.media = null; }
  if (state.lobby) { state.lobby.stop(); state.lobby = null; }
  if (state.session) state.session.sig.close();
  state.session = null;
  document.getElementById('conn').hidden = true;
  logoutBtn().hidden = true;
  show(loginScreen({ expired: true }));
  announce(t('cl.signed_out_body'));
}

function logoutBtn() {
  let b = document.getElementById('logout');
  if (!b) {
    b = h('button', { id: 'logout', class: 'lang', type: 'button', hidden: true, t: 'cl.logout', onclick: async () => {
      await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
      if (state.media) { state.media.close(); state.media = null; }
      if (state.lobby) { state.lobby.stop(); state.lobby = null; }
      if (state.session) state.session.sig.close();
      state.session = null;
      b.hidden = true;
      document.getElementById('conn').hidden = true;
      show(loginScreen());
    } });
    document.getElementById('lang-switch').before(b);
  }
  return b;
}

function toLobby() {
  if (state.media) { state.media.close(); state.media = null; }
  if (!state.lobby) {
    state.lobby = lobbyScreen({ sig: state.session.sig, onAdmit: (entry) => openVisit(entry) });
    addWalkIn(state.lobby, state.session.sig);
    state.lobby.subscribe();
  }
  show(state.lobby);
}

async function openVisit(entry) {
  let stream;
  try {
    stream = await getMedia();
  } catch (e) {
    const kind = classifyMediaError(e);
    show(cameraScreen(kind === 'other' || kind === 'unsupported' ? 'denied' : kind,
      { onRetry: () => openVisit(entry), onAudioOnly: null }));
    return;
  }
  const { sig, joined } = state.session;
  // Into the visit's roster first: chat, mute, remove and end act on the roster.
  try {
    await sig.request('visit.join', { appointment_id: entry.appointment_id });
  } catch (e) {
    announce(e.message);
  }
  const media = new MediaSession(sig, { iceServers: joined.ice_servers || [] });
  media.offerFields = { appointment_id: entry.appointment_id };
  state.media = media;
  media.stream = stream; // the self view shows at once, before negotiation ends
  show(visitScreen({ sig, media, role: 'clinician', selfId: joined.participant_id,
    appointmentId: entry.appointment_id, onLeave: toLobby, onEnded: toLobby }));
  const back = h('button', { type: 'button', t: 'cl.back_to_lobby', onclick: toLobby });
  state.screen.querySelector('.controls').append(back);
  try {
    await media.start(stream, 'visit');
  } catch (e) {
    announce(e.message);
  }
}

async function connect({ cookie }) {
  const session = await start({ needToken: false, cookie,
    onRejoined: async () => { if (state.lobby) await state.lobby.subscribe(); } });
  if (!session) return false;
  state.session = session;
  const conn = document.getElementById('conn');
  conn.hidden = false;
  tr(conn, 'cl.connected');
  session.sig.on('lost', () => tr(conn, 'cl.disconnected'));
  session.sig.on('open', () => tr(conn, 'cl.connected'));
  // The event comes first, then the close with 4001 (signaling.js: signed_out, no reconnect).
  session.sig.on('session.expired', signedOut);
  session.sig.on('signed_out', signedOut);
  if (session.joined && session.joined.role !== 'clinician' && session.joined.role !== 'staff') {
    show(simpleScreen('forbidden', 'err.title', 'cl.forbidden'));
    return false;
  }
  return !!session.joined;
}

async function signedIn() {
  if (state.session) state.session.sig.close();
  if (await connect({ cookie: true })) {
    logoutBtn().hidden = false;
    toLobby();
  }
}

async function main() {
  // A clinician link (#t=…) joins by its token; otherwise a live session cookie, else sign in.
  if (linkToken()) {
    if (await connect({ cookie: false })) toLobby();
    return;
  }
  let signed = false;
  try {
    signed = (await fetch('/api/whoami', { credentials: 'same-origin' })).status === 200;
  } catch { /* offline: the form will say so when used */ }
  initPage();
  if (signed) await signedIn();
  else show(loginScreen());
}

main().catch((e) => {
  console.error(e);
  mount(simpleScreen('error', 'err.title', 'err.generic.body', { reload: true }));
});

