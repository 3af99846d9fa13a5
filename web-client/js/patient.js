// The patient page: link → consent → device check → waiting room → visit → rating, with a
// plain-language screen for each thing that can go wrong on the way.
import { mount, announce, t } from './dom.js';
import { start, optional, replaceToken } from './session.js';
import { consentScreen } from './consent.js';
import { deviceCheckScreen } from './devicecheck.js';
import { waitingScreen } from './waiting.js';
import { visitScreen } from './visit.js';
import { ratingScreen } from './rating.js';
import { cameraScreen, simpleScreen } from './screens.js';
import { MediaSession, getMedia, classifyMediaError, mediaSupported } from './media.js';
import { audioContext } from './meter.js';

const stageKey = () => `anteroom.stage.${location.hash.slice(0, 40)}`;
const state = { session: null, media: null, stream: null, stage: 'consent', early: false, screen: null,
  devices: { camera: true, microphone: true, speaker: true }, queue: null, messages: [] };

function saveStage(stage) {
  state.stage = stage;
  try { sessionStorage.setItem(stageKey(), stage); } catch { /* private mode: no resume */ }
}
function savedStage() {
  try { return sessionStorage.getItem(stageKey()); } catch { return null; }
}

function show(screen) {
  if (state.screen && state.screen.stop) state.screen.stop();
  state.screen = screen;
  mount(screen);
}

async function main() {
  const session = await start({ onRejoined });
  if (!session) return;
  state.session = session;
  const { sig, joined } = session;
  state.participantId = joined.participant_id;
  if (!mediaSupported()) {
    show(simpleScreen('unsupported', 'err.unsupported.title', 'err.unsupported.body'));
    return;
  }
  if (joined.role !== 'patient') {
    location.replace(`/guest.html${location.hash}`);
    return;
  }
  // The server sends the place in line and the clinic's recent messages right after `joined`,
  // before the waiting room is on screen: keep them for it.
  sig.on('queue.update', (q) => { state.queue = q; });
  sig.on('clinic.message', (m) => { state.messages.push(m); });
  sig.on('admitted', (m) => admitted(m));
  sig.on('visit.ended', () => ended());
  // Came back with the same link after leaving: consent and the check are done already.
  if (savedStage() === 'waiting' || joined.state === 'away' || joined.state === 'ready') {
    await acquire({ quiet: true });
    return;
  }
  if (savedStage() === 'check') {
    await acquire({ quiet: false });
    return;
  }
  show(consentScreen({ onAgree }));
}

async function onAgree() {
  audioContext(); // created inside the tap, so the meter and the test sound may start
  await optional(state.session.sig.request('checkin', { consent: true })).catch(() => {});
  await acquire({ quiet: false });
}

// Camera and microphone, then the media connection. quiet: straight to the waiting room.
async function acquire({ quiet, audioOnly = false, retry = false }) {
  try {
    state.stream = await getMedia({ video: !audioOnly });
  } catch (e) {
    const kind = classifyMediaError(e);
    if (retry && kind === 'denied') {
      // Browsers remember a refusal for the life of the page even after the person changed
      // the setting: load the page again, which resumes at this step.
      saveStage(quiet ? 'waiting' : 'check');
      location.reload();
      return;
    }
    if (kind === 'unsupported') {
      show(simpleScreen('unsupported', 'err.unsupported.title', 'err.unsupported.body'));
      return;
    }
    show(cameraScreen(kind === 'other' ? 'denied' : kind, {
      onRetry: () => acquire({ quiet, audioOnly, retry: true }),
      onAudioOnly: kind === 'denied' ? null : () => acquire({ quiet, audioOnly: true }),
    }));
    announce(t(`err.camera.${kind === 'notfound' || kind === 'inuse' ? `${kind}.title` : 'title'}`));
    return;
  }
  if (!quiet) state.stage = 'check';
  if (!(await connectMedia('device_check'))) return;
  if (quiet) toWaiting();
  else show(deviceCheckScreen({ media: state.media, onDone: deviceChecked }));
}

async function connectMedia(purpose) {
  if (state.media) {
    state.media.stream = null; // the camera stays on for the new connection
    state.media.close();
  }
  const { sig, joined } = state.session;
  state.media = new MediaSession(sig, { iceServers: joined.ice_servers || [] });
  state.media.on('state', (m) => {
    if (m.state === 'failed' && !m.local && state.stage !== 'visit') mediaFailed();
  });
  try {
    await state.media.start(state.stream, purpose);
    return true;
  } catch (e) {
    if (e.code === 'disconnected') return false; // the reconnect path takes over
    mediaFailed();
    return false;
  }
}

function mediaFailed() {
  const el = cameraScreen('inuse', { onRetry: () => acquire({ quiet: state.stage === 'waiting' }), onAudioOnly: null });
  // Same layout, but it is the network that failed, not the camera.
  el.dataset.screen = 'media-failed';
  el.querySelector('h1').dataset.i18n = 'err.media.title';
  el.querySelector('h1').textContent = t('err.media.title');
  el.querySelector('.lead').dataset.i18n = 'err.media.body';
  el.querySelector('.lead').textContent = t('err.media.body');
  show(el);
}

async function deviceChecked(result) {
  state.devices = { camera: !!result.camera, microphone: !!result.microphone, speaker: result.speaker !== false };
  await optional(state.session.sig.request('device_check.result', state.devices)).catch(() => {});
  toWaiting();
}

// The appointment moved (an earlier slot taken, or another time picked): the server gave a
// link for the new appointment and this connection now belongs to it. Take the place in its
// line: consent and the device check carry over.
async function moved(r) {
  const { sig } = state.session;
  replaceToken(state.session, r.token);
  saveStage('waiting');
  await optional(sig.request('checkin', { consent: true })).catch(() => {});
  await optional(sig.request('device_check.result', state.devices)).catch(() => {});
}

function toWaiting() {
  saveStage('waiting');
  const sig = state.session.sig;
  const el = waitingScreen({
    sig,
    onLeave: () => leave(),
    onEarly: (v) => { state.early = v; },
    onMoved: (r) => moved(r).catch((e) => console.warn(e)),
    onCancelled: () => {
      saveStage('cancelled');
      sig.close();
      state.media && state.media.close();
      show(simpleScreen('cancelled', 'wait.cancelled', 'rate.thanks'));
    },
  });
  if (state.queue) el.renderQueue(state.queue);
  for (const m of state.messages) el.addMessage(m);
  show(el);
}

function leave() {
  state.session.sig.close();
  if (state.media) { state.media.close(); state.media = null; }
  const el = simpleScreen('left', 'wait.leave', 'wait.left');
  const back = document.createElement('button');
  back.className = 'primary';
  back.type = 'button';
  back.dataset.i18n = 'wait.come_back';
  back.textContent = t('wait.come_back');
  back.addEventListener('click', () => location.reload());
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(back);
  el.append(actions);
  show(el);
}

function showVisit() {
  const { sig, joined } = state.session;
  show(visitScreen({ sig, media: state.media, role: 'patient', selfId: joined.participant_id,
    onLeave: () => ended(), onEnded: () => ended() }));
}

async function admitted() {
  saveStage('visit');
  announce(t('wait.admitted'));
  const media = state.media;
  // Admit switches the kept connection from echo to the visit: the m-lines that carried our
  // own echo now carry the clinician, so they are remote tiles from here on.
  if (media) media.purpose = 'visit';
  showVisit();
  // Admit normally reuses the kept connection. If nobody's media reaches us, negotiate
  // the visit explicitly on the same connection (no new ICE/DTLS handshake).
  setTimeout(() => {
    const receiving = media.remote.some((ev) => !media.isEcho(ev) && !ev.track.muted);
    if (!receiving && state.stage === 'visit' && state.media === media)
      media.negotiate('visit').catch(() => {});
  }, 3000);
}

function ended() {
  if (state.stage === 'ended') return;
  saveStage('ended');
  if (state.media) { state.media.close(); state.media = null; }
  show(ratingScreen({ sig: state.session.sig }));
}

// After a reconnect the server knows us as a new participant (a new participant_id): the
// old media connection went with the old one, so negotiate again and show the same screen.
async function onRejoined(joined) {
  const before = state.participantId;
  state.participantId = joined.participant_id;
  const pcDead = !state.media || ['failed', 'closed'].includes(state.media.pc.connectionState);
  if (state.stream && (pcDead || before !== joined.participant_id)) {
    if (state.stage === 'check') {
      if (await connectMedia('device_check')) show(deviceCheckScreen({ media: state.media, onDone: deviceChecked }));
    } else if (state.stage === 'waiting') {
      await connectMedia('device_check');
    } else if (state.stage === 'visit') {
      if (await connectMedia('visit')) showVisit();
    }
  }
  if (state.early) optional(state.session.sig.request('waiting.early', { value: true })).catch(() => {});
}

main().catch((e) => {
  console.error(e);
  show(simpleScreen('error', 'err.title', 'err.generic.body', { reload: true }));
});
