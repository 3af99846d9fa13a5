// The visit: remote participants in a speaker or a grid view, the patient's own controls
// (mute, camera on/off, flip, audio only, chat, leave), a network indicator, recording
// only after everyone agreed, and for clinicians mute/remove of others and end-for-all.
import { h, t, tr, announce } from './dom.js';
import { videoEl } from './devicecheck.js';
import { cameraCount, localVerdict } from './media.js';

function toggle(labelOn, labelOff, onChange, pressed = false) {
  const b = h('button', { type: 'button', 'aria-pressed': String(pressed) });
  const render = () => tr(b, b.getAttribute('aria-pressed') === 'true' ? labelOff : labelOn);
  render();
  b.addEventListener('click', async () => {
    const next = b.getAttribute('aria-pressed') !== 'true';
    b.setAttribute('aria-pressed', String(next));
    render();
    await onChange(next);
  });
  b.set = (v) => { b.setAttribute('aria-pressed', String(v)); render(); };
  return b;
}

// media.quality carries a 0..5 score (E-model); the badge shows it in three words.
function verdictOf(score) {
  if (typeof score !== 'number') return 'unknown';
  return score >= 4 ? 'good' : score >= 3 ? 'fair' : 'poor';
}

export function visitScreen({ sig, media, role, selfId, appointmentId, onLeave, onEnded }) {
  const isClinician = role === 'clinician';
  const tiles = new Map(); // stream id → {el, video, participantId}
  const roles = new Map(); // participant id → role
  const stage = h('div', { class: 'stage speaker', id: 'stage', role: 'region', label: 'visit.title' });
  const waitingNote = h('p', { class: 'waiting-note', t: 'visit.waiting_others' });
  const selfView = videoEl('self mirror pip');
  selfView.srcObject = media.stream;
  const soundBtn = h('button', { type: 'button', class: 'primary sound', hidden: true, t: 'visit.tap_sound',
    onclick: () => { for (const tl of tiles.values()) { tl.video.muted = false; tl.video.play().catch(() => {}); } soundBtn.hidden = true; } });
  const net = h('span', { class: 'net-badge', id: 'net-badge', 'data-verdict': 'unknown', t: 'visit.network.unknown' });
  const recBadge = h('span', { class: 'rec-badge', hidden: true, t: 'visit.recording' });
  const notice = h('p', { class: 'notice', role: 'status' });

  function roleLabel(pid) {
    const r = roles.get(pid);
    return r ? t(`visit.role.${r}`) : '';
  }

  // A tile per remote stream, shown while one of its tracks carries media (receive slots
  // negotiated in advance stay muted until the server forwards someone into them).
  function addTrack(ev) {
    if (media.isEcho(ev)) return;
    const stream = ev.streams[0] || new MediaStream([ev.track]);
    const key = ev.streams[0] ? stream.id : `mid-${ev.transceiver && ev.transceiver.mid}`;
    let tile = tiles.get(key);
    if (!tile) {
      const video = h('video', { autoplay: true, playsinline: true });
      const pid = [...roles.keys()].find((p) => stream.id.includes(p)) || stream.id;
      const name = h('figcaption', {}, roleLabel(pid));
      const controls = isClinician && h('div', { class: 'tile-actions' },
        h('button', { type: 'button', t: 'cl.mute_other',
          onclick: () => sig.request('visit.mute', { participant_id: tile.pid, kind: 'audio' }).catch(() => {}) }),
        h('button', { type: 'button', class: 'danger', t: 'cl.remove',
          onclick: () => sig.request('visit.remove', { participant_id: tile.pid }).catch(() => {}) }));
      const el = h('figure', { class: 'tile remote', hidden: true, 'data-participant': pid }, video, name, controls);
      tile = { el, video, pid, name, stream, tracks: new Set() };
      tiles.set(key, tile);
      stage.append(el);
      video.srcObject = stream;
    }
    const tl = tile;
    tl.tracks.add(ev.track);
    const refresh = () => {
      const live = [...tl.tracks].some((x) => x.readyState === 'live' && !x.muted);
      const wasHidden = tl.el.hidden;
      tl.el.hidden = !live;
      if (live && wasHidden) {
        // Sound needs a user gesture on some browsers: try with sound, else offer a button.
        tl.video.play().catch(() => { tl.video.muted = true; tl.video.play().catch(() => {}); soundBtn.hidden = false; });
      }
      layout();
    };
    ev.track.addEventListener('mute', refresh);
    ev.track.addEventListener('unmute', refresh);
    ev.track.addEventListener('ended', refresh);
    refresh();
  }

  function removeTile(id) {
    const tile = tiles.get(id);
    if (!tile) return;
    tile.el.hidden = true;
    layout();
  }

  let activeSpeaker = null;
  function layout() {
    const list = [...tiles.values()].filter((x) => !x.el.hidden);
    const main = list.find((x) => x.pid === activeSpeaker) || list[0];
    for (const x of tiles.values()) x.el.classList.toggle('main', x === main);
    stage.dataset.count = String(list.length);
    waitingNote.hidden = list.length > 0;
  }

  // Views.
  const viewBtn = toggle('visit.view_grid', 'visit.view_speaker', (grid) => {
    stage.classList.toggle('grid', grid);
    stage.classList.toggle('speaker', !grid);
  });

  const muteBtn = toggle('visit.mute', 'visit.unmute', (muted) => media.setMuted(muted));
  const camBtn = toggle('visit.camera_off', 'visit.camera_on', async (off) => {
    await media.setCameraOn(!off);
    selfView.hidden = off;
  });
  const flipBtn = h('button', { type: 'button', hidden: true, t: 'visit.flip',
    onclick: async () => { await media.flipCamera(); selfView.srcObject = media.stream; } });
  cameraCount().then((n) => { flipBtn.hidden = n < 2; });
  // Audio-only is the person's choice (stops their camera too) or the server's (their link
  // cannot carry video: the server pauses what it sends them and resumes it by itself).
  let chosenAudioOnly = false, serverAudioOnly = false;
  const showAudioOnly = () => stage.classList.toggle('audio-only', chosenAudioOnly || serverAudioOnly);
  const audioOnlyBtn = toggle('visit.audio_only', 'visit.video_back', async (on) => {
    chosenAudioOnly = on;
    await media.setAudioOnly(on);
    showAudioOnly();
    camBtn.disabled = on;
  });

  // Chat.
  const chatLog = h('ol', { class: 'chat-log', id: 'chat-log', 'aria-live': 'polite' });
  const chatInput = h('input', { type: 'text', id: 'chat-input', maxlength: 500, autocomplete: 'off' });
  const chatForm = h('form', { class: 'chat-form' },
    h('label', { for: 'chat-input', class: 'visually-hidden', t: 'visit.chat_label' }),
    chatInput, h('button', { type: 'submit', t: 'visit.chat_send' }));
  chatForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = chatInput.value.trim();
    if (!text) return;
    chatInput.value = '';
    addChat(t('visit.you'), text, true);
    await sig.request('chat.send', { text }).catch(() => {});
  });
  function addChat(who, text, mine) {
    chatLog.append(h('li', { class: mine ? 'mine' : '' }, h('strong', {}, who + ': '), text));
  }
  const chat = h('section', { class: 'chat', 'aria-labelledby': 'chat-h', hidden: true },
    h('h2', { id: 'chat-h', t: 'visit.chat' }), chatLog, chatForm);
  const chatBtn = toggle('visit.chat', 'visit.chat', (open) => { chat.hidden = !open; if (open) chatInput.focus(); });

  // Recording: asked by the clinician, on only when everyone agreed (the server decides).
  const recordAsk = h('div', { class: 'confirm', hidden: true, role: 'alertdialog', 'aria-labelledby': 'rec-q' },
    h('p', { id: 'rec-q', t: 'visit.record_ask' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', t: 'visit.record_yes', onclick: () => answerRecord(true) }),
      h('button', { type: 'button', t: 'visit.record_no', onclick: () => answerRecord(false) })));
  function answerRecord(yes) {
    recordAsk.hidden = true;
    sig.request('recording.consent', { value: yes }).catch(() => {});
  }
  // The clinician asks everyone (recording.request), agrees for themself, and starts once the
  // server no longer answers consent_missing; a "no" from anyone ends the attempt.
  let recordWanted = false;
  const recFields = appointmentId ? { appointment_id: appointmentId } : {};
  async function tryStart() {
    if (!recordWanted) return;
    try {
      await sig.request('recording.start', recFields);
      recordWanted = false;
    } catch (e) {
      if (e.code !== 'consent_missing') { recordWanted = false; recordBtn.set(false); announce(e.message); }
    }
  }
  const recordBtn = isClinician && toggle('cl.record', 'cl.record_stop', async (on) => {
    try {
      if (on) {
        recordWanted = true;
        await sig.request('recording.request', recFields);
        await sig.request('recording.consent', { value: true });
        tr(notice, 'cl.record_pending');
        await tryStart();
      } else {
        recordWanted = false;
        await sig.request('recording.stop', recFields);
      }
    } catch { recordWanted = false; recordBtn.set(false); }
  });

  const leaveBtn = h('button', { type: 'button', class: 'danger', t: 'visit.leave', onclick: () => { stop(); onLeave(); } });
  const endBtn = isClinician && h('button', { type: 'button', class: 'danger', t: 'visit.end',
    onclick: async () => { await sig.request('visit.end', {}).catch(() => {}); stop(); onEnded(); } });

  const offs = [
    media.on('track', addTrack),
    media.on('state', (m) => { if (m.state === 'local_video') selfView.srcObject = media.stream; }),
    sig.on('participant.joined', (m) => {
      roles.set(m.participant_id, m.role);
      for (const tl of tiles.values()) {
        if (tl.stream.id.includes(m.participant_id)) { tl.pid = m.participant_id; tl.name.textContent = roleLabel(m.participant_id); }
      }
      announce(t('visit.joined', { who: t(`visit.role.${m.role}`) }));
    }),
    sig.on('participant.left', (m) => {
      for (const [id, tl] of tiles) if (tl.pid === m.participant_id) removeTile(id);
      announce(t('visit.left', { who: roleLabel(m.participant_id) || '' }));
    }),
    sig.on('speaker.active', (m) => { activeSpeaker = m.participant_id; layout(); }),
    sig.on('media.audio_only', (m) => {
      if (m.participant_id && m.participant_id !== selfId) return;
      serverAudioOnly = m.value !== false;
      showAudioOnly();
      tr(notice, serverAudioOnly ? 'visit.audio_only_auto' : 'visit.audio_only_auto_end');
    }),
    sig.on('media.quality', (m) => { if (m.participant_id === selfId) showNet(verdictOf(m.score)); }),
    sig.on('chat.message', (m) => {
      if (m.from === selfId) return;
      addChat(m.role ? t(`visit.role.${m.role}`) : roleLabel(m.from), m.text, false);
      if (chat.hidden) announce(m.text);
    }),
    sig.on('participant.muted', (m) => {
      // Another participant's mute is theirs to show; ours mutes our track.
      if (m.participant_id !== selfId || m.muted === false || m.by === selfId) return;
      if ((m.kind || 'audio') === 'audio') { muteBtn.set(true); media.setMuted(true); }
      tr(notice, 'visit.muted_by');
    }),
    sig.on('recording.consent_requested', () => {
      if (!isClinician) { recordAsk.hidden = false; recordAsk.querySelector('button').focus(); }
    }),
    sig.on('recording.consent_changed', (m) => {
      if (!isClinician) return;
      if (m.value) { tryStart(); return; }
      if (recordWanted) { recordWanted = false; recordBtn.set(false); }
      tr(notice, 'cl.record_declined');
    }),
    sig.on('recording.state', (m) => {
      recBadge.hidden = !m.recording;
      if (isClinician) recordBtn.set(!!m.recording || recordWanted);
    }),
    sig.on('visit.ended', () => { stop(); onEnded(); }),
    sig.on('removed', () => { stop(); onEnded(); }),
  ];

  function showNet(verdict) {
    net.dataset.verdict = verdict;
    tr(net, `visit.network.${verdict}`);
  }
  const measure = async () => {
    const v = await localVerdict(media.pc).catch(() => null);
    if (v) showNet(v.verdict);
  };
  const netTimer = setInterval(measure, 3000);
  setTimeout(measure, 1000);

  // Tracks that arrived before this screen existed (the connection kept from the device check).
  for (const ev of media.remote) addTrack(ev);

  function stop() {
    offs.forEach((off) => off());
    clearInterval(netTimer);
  }

  const el = h('section', { class: 'screen visit', 'data-screen': 'visit', 'aria-labelledby': 'visit-h' },
    h('div', { class: 'visit-bar' },
      h('h1', { id: 'visit-h', class: 'visit-title', t: 'visit.title' }), recBadge, net),
    h('div', { class: 'stage-wrap' }, stage, waitingNote, selfView, soundBtn),
    notice,
    recordAsk,
    h('div', { class: 'controls', role: 'toolbar', label: 'visit.title' },
      muteBtn, camBtn, flipBtn, audioOnlyBtn, viewBtn, chatBtn, recordBtn, leaveBtn, endBtn),
    chat);
  el.stop = stop;
  return el;
}
