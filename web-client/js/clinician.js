// The clinician console: sign in (or a clinician link), the lobby, and visits with the
// clinician's extra controls. Back to the lobby when a visit ends.
import { h, t, tr, mount, announce } from './dom.js';
import { start } from './session.js';
import { lobbyScreen } from './lobby.js';
import { addWalkIn } from './walkin.js';
import { visitScreen } from './visit.js';
import { cameraScreen, simpleScreen } from './screens.js';
import { MediaSession, getMedia, classifyMediaError } from './media.js';

const state = { session: null, lobby: null, screen: null, media: null };

function show(screen) {
  if (state.screen && state.screen.stop && state.screen !== state.lobby) state.screen.stop();
  state.screen = screen;
  mount(screen);
}

function loginScreen(onDone) {
  const user = h('input', { id: 'login-user', type: 'text', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-pass', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', role: 'alert', id: 'login-err' });
  const form = h('form', { class: 'login' },
    h('div', { class: 'field' }, h('label', { for: 'login-user', t: 'cl.username' }), user),
    h('div', { class: 'field' }, h('label', { for: 'login-pass', t: 'cl.password' }), pass),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', t: 'cl.login' })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      const r = await state.session.sig.request('login', { username: user.value, password: pass.value });
      pass.value = '';
      if (r.token) state.session.token = r.token;
      state.session.joined = r;
      onDone();
    } catch (e) {
      tr(err, e.code === 'unknown_type' ? 'cl.login_unavailable' : 'cl.login_failed');
      pass.focus();
    }
  });
  return h('section', { class: 'screen card', 'data-screen': 'login', 'aria-labelledby': 'login-h' },
    h('h1', { id: 'login-h', t: 'cl.title' }), form);
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
  const media = new MediaSession(sig, { iceServers: joined.ice_servers || [] });
  media.offerFields = { appointment_id: entry.appointment_id };
  state.media = media;
  media.stream = stream; // the self view shows at once, before negotiation ends
  show(visitScreen({ sig, media, role: 'clinician', selfId: joined.participant_id,
    onLeave: toLobby, onEnded: toLobby }));
  const back = h('button', { type: 'button', t: 'cl.back_to_lobby', onclick: toLobby });
  state.screen.querySelector('.controls').append(back);
  try {
    await media.start(stream, 'visit');
  } catch (e) {
    announce(e.message);
  }
}

async function main() {
  const session = await start({ needToken: false, onRejoined: async () => { if (state.lobby) await state.lobby.subscribe(); } });
  if (!session) return;
  state.session = session;
  const conn = document.getElementById('conn');
  conn.hidden = false;
  tr(conn, 'cl.connected');
  session.sig.on('lost', () => tr(conn, 'cl.disconnected'));
  session.sig.on('open', () => tr(conn, 'cl.connected'));
  if (session.joined && session.joined.role !== 'clinician' && session.joined.role !== 'staff') {
    show(simpleScreen('forbidden', 'err.title', 'cl.forbidden'));
    return;
  }
  if (session.joined) toLobby();
  else show(loginScreen(toLobby));
}

main().catch((e) => {
  console.error(e);
  mount(simpleScreen('error', 'err.title', 'err.generic.body', { reload: true }));
});

