// The device check: the camera preview, the same video after a round trip through the
// server (proof that the network path works), a microphone meter, a speaker test the
// patient answers, and the network verdict from the server's echo-path measurements.
import { h, t, tr, announce } from './dom.js';
import { micMeter, playChime } from './meter.js';
import { cameraCount, localVerdict } from './media.js';

export function videoEl(cls, label) {
  const v = h('video', { class: cls, autoplay: true, muted: true, playsinline: true });
  v.muted = true;
  v.defaultMuted = true;
  if (label) v.setAttribute('aria-label', label);
  return v;
}

export function deviceCheckScreen({ media, onDone }) {
  const self = videoEl('self mirror');
  const echo = videoEl('echo');
  self.srcObject = media.stream;
  const echoStream = new MediaStream();
  const echoState = h('p', { class: 'tile-note', t: 'check.echo_waiting' });
  const result = { camera: !!media.videoTrack, microphone: !!media.audioTrack, speaker: null };

  // Only the video is shown: playing our own voice back would howl through the speaker.
  const onTrack = (ev) => {
    if (!media.isEcho(ev) || ev.track.kind !== 'video') return;
    echoStream.addTrack(ev.track);
    echo.srcObject = echoStream;
  };
  media.remote.forEach(onTrack); // negotiated before this screen was built
  const offTrack = media.on('track', onTrack);
  echo.addEventListener('playing', () => {
    echoState.hidden = true;
    announce(t('check.connected'));
    connected.hidden = false;
  });
  const connected = h('p', { class: 'ok', hidden: true, t: 'check.connected' });

  // Microphone meter: a <meter> element, so assistive technology reads the value too.
  const meter = h('meter', { id: 'mic-meter', min: 0, max: 1, low: 0.05, high: 0.9, optimum: 0.5, value: 0 });
  const stopMeter = micMeter(media.stream, (v) => { meter.value = v; });

  // Speaker test.
  const heard = h('div', { class: 'speaker-q', hidden: true, role: 'group', 'aria-labelledby': 'speaker-q' },
    h('p', { id: 'speaker-q', t: 'check.speaker_q' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => answer(true), t: 'check.yes' }),
      h('button', { type: 'button', onclick: () => answer(false), t: 'check.no' })));
  const speakerHint = h('p', { class: 'hint', hidden: true, t: 'check.speaker_no_hint' });
  const speakerOk = h('p', { class: 'ok', hidden: true });
  function answer(yes) {
    result.speaker = yes;
    speakerHint.hidden = yes;
    speakerOk.hidden = !yes;
    if (yes) tr(speakerOk, 'check.speaker_ok');
    heard.hidden = yes;
  }

  // Network verdict: the server's media.stats, or our own receive stats if none arrive.
  const netVerdict = h('p', { class: 'verdict', id: 'net-verdict', 'data-verdict': 'unknown', t: 'check.network_measuring' });
  const netDetail = h('p', { class: 'muted small' });
  let serverStats = false;
  function showVerdict(s) {
    netVerdict.dataset.verdict = s.verdict;
    tr(netVerdict, `check.network.${s.verdict}`);
    tr(netDetail, 'check.network_detail', { rtt: Math.round(s.rtt_ms), loss: Number(s.loss_pct).toFixed(1) });
  }
  const offStats = media.on('stats', (s) => { serverStats = true; showVerdict(s); });
  const fallback = setInterval(async () => {
    if (serverStats) return;
    const v = await localVerdict(media.pc).catch(() => null);
    if (v) showVerdict(v);
  }, 2000);

  const flip = h('button', { type: 'button', class: 'flip', hidden: true, t: 'check.flip',
    onclick: async () => { await media.flipCamera(); self.srcObject = media.stream; } });
  cameraCount().then((n) => { flip.hidden = n < 2; });
  media.on('state', (m) => { if (m.state === 'local_video') self.srcObject = media.stream; });

  const done = h('button', { type: 'button', class: 'primary', id: 'check-done', t: 'check.done',
    onclick: () => { stop(); onDone(result); } });

  function stop() {
    stopMeter();
    offStats();
    offTrack();
    clearInterval(fallback);
  }

  const el = h('section', { class: 'screen card wide', 'data-screen': 'device-check', 'aria-labelledby': 'check-h' },
    h('h1', { id: 'check-h', t: 'check.title' }),
    h('div', { class: 'tiles two' },
      h('figure', { class: 'tile' }, self, h('figcaption', { t: 'check.you' })),
      h('figure', { class: 'tile' }, echo, echoState, h('figcaption', { t: 'check.echo' }))),
    connected,
    flip,
    h('div', { class: 'check-grid' },
      h('div', { class: 'check-item' },
        h('h2', { t: 'check.mic' }),
        h('label', { for: 'mic-meter', class: 'visually-hidden', t: 'check.mic_level' }),
        meter,
        h('p', { class: 'muted small', t: 'check.mic_hint' })),
      h('div', { class: 'check-item' },
        h('h2', { t: 'check.speaker' }),
        h('button', { type: 'button', onclick: () => { playChime(); heard.hidden = false; }, t: 'check.speaker_play' }),
        heard, speakerHint, speakerOk),
      h('div', { class: 'check-item', 'aria-live': 'polite' },
        h('h2', { t: 'check.network' }),
        netVerdict, netDetail)),
    h('div', { class: 'actions' }, done));
  el.stop = stop;
  el.result = result;
  return el;
}
