// The guest page for interpreters and caregivers: who they are joining as, one tap to join
// (the tap also lets the browser play sound), then the visit.
import { h, mount, announce, t } from './dom.js';
import { start } from './session.js';
import { visitScreen } from './visit.js';
import { cameraScreen, simpleScreen } from './screens.js';
import { MediaSession, getMedia, classifyMediaError, mediaSupported } from './media.js';

const state = { session: null, media: null, screen: null };

function show(screen) {
  if (state.screen && state.screen.stop) state.screen.stop();
  state.screen = screen;
  mount(screen);
}

function introScreen(role) {
  return h('section', { class: 'screen card', 'data-screen': 'guest-intro', 'aria-labelledby': 'guest-h' },
    h('h1', { id: 'guest-h', t: 'guest.title' }),
    h('p', { class: 'lead', t: role === 'interpreter' ? 'guest.intro.interpreter' : 'guest.intro.caregiver' }),
    h('p', { class: 'muted', t: 'consent.point1' }),
    h('p', { class: 'muted', t: 'consent.point2' }),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'guest-join', t: 'guest.join', onclick: () => join({}) })));
}

async function join({ audioOnly = false }) {
  let stream;
  try {
    stream = await getMedia({ video: !audioOnly });
  } catch (e) {
    const kind = classifyMediaError(e);
    show(cameraScreen(kind === 'other' || kind === 'unsupported' ? 'denied' : kind, {
      onRetry: () => join({ audioOnly }),
      onAudioOnly: () => join({ audioOnly: true }),
    }));
    return;
  }
  await connect(stream);
}

async function connect(stream) {
  const { sig, joined } = state.session;
  if (state.media) state.media.close();
  const media = new MediaSession(sig, { iceServers: joined.ice_servers || [] });
  state.media = media;
  media.stream = stream; // the self view shows at once, before negotiation ends
  show(visitScreen({ sig, media, role: joined.role, selfId: joined.participant_id,
    participants: joined.participants, onLeave: ended, onEnded: ended }));
  try {
    await media.start(stream, 'visit');
  } catch (e) {
    if (e.code !== 'disconnected') announce(e.message);
  }
}

function ended() {
  if (state.media) { state.media.close(); state.media = null; }
  state.session.sig.close();
  show(simpleScreen('guest-ended', 'rate.title', 'rate.thanks'));
}

async function main() {
  const session = await start({ onRejoined: async (j, { restarted }) => {
    const m = state.media;
    if (!restarted && j.ice_restart && m && !['failed', 'closed'].includes(m.pc.connectionState)) {
      await m.negotiate(m.purpose, { iceRestart: true }).catch(() => {});
    } else if (state.media && state.media.stream) {
      const s = state.media.stream;
      state.media.stream = null; // keep the camera: the new connection takes it over
      await connect(s);
    }
  } });
  if (!session) return;
  state.session = session;
  if (!mediaSupported()) {
    show(simpleScreen('unsupported', 'err.unsupported.title', 'err.unsupported.body'));
    return;
  }
  if (session.joined.role === 'patient') {
    location.replace(`/patient.html${location.hash}`);
    return;
  }
  // A reload during the visit (the same participant resumed with its media): back in at once,
  // the tap was given before.
  if (session.joined.resumed && session.joined.media) {
    await join({});
    return;
  }
  show(introScreen(session.joined.role));
}

main().catch((e) => {
  console.error(e);
  mount(simpleScreen('error', 'err.title', 'err.generic.body', { reload: true }));
});

