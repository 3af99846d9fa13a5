// A page peer whose camera is a solid colour (a canvas stream) and which recognises, frame by
// frame, the colour of every video it decodes: so a test can tell *whose* video a receive m-line
// shows (an m-line that carried the device-check echo carries the clinician after admit) and
// when that participant's first frame was decoded. Same window.__peer shape as page-peer.mjs,
// so its negotiate helpers work with it.
export async function setupColorPeer(page, { color, slots = 0 }) {
  await page.evaluate(async ({ color, slots }) => {
    const canvas = document.createElement('canvas');
    canvas.width = 320; canvas.height = 240;
    const g = canvas.getContext('2d');
    let n = 0;
    // A small moving mark keeps the encoder producing frames; the colour dominates the picture.
    setInterval(() => {
      g.fillStyle = color; g.fillRect(0, 0, 320, 240);
      g.fillStyle = '#808080'; g.fillRect((n++ * 4) % 300, 110, 20, 20);
    }, 33);
    const video = canvas.captureStream(30).getVideoTracks()[0];
    const ac = new AudioContext();
    const osc = ac.createOscillator();
    const dest = ac.createMediaStreamDestination();
    osc.connect(dest); osc.start();
    const audio = dest.stream.getAudioTracks()[0];
    const stream = new MediaStream([audio, video]);
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    pc.addTransceiver(audio, { direction: 'sendrecv', streams: [stream] });
    pc.addTransceiver(video, { direction: 'sendrecv', streams: [stream] });
    for (let i = 0; i < slots; i++) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
    }
    window.__peer = { pc, candidates: [], remote: [], audioPeak: 0 };
    window.__seen = {}; // colour -> unix ms of the first decoded frame of that colour
    pc.onicecandidate = (e) => window.__peer.candidates.push(e.candidate ? e.candidate.toJSON() : null);
    const probe = document.createElement('canvas');
    probe.width = 8; probe.height = 8;
    const pg = probe.getContext('2d', { willReadFrequently: true });
    const classify = (r, gg, b) => {
      if (r > 150 && gg < 90 && b < 90) return 'red';
      if (b > 150 && r < 90 && gg < 90) return 'blue';
      if (gg > 150 && r < 90 && b < 90) return 'green';
      return 'other';
    };
    pc.ontrack = (e) => {
      window.__peer.remote.push(e.track.kind);
      if (e.track.kind !== 'video') return;
      const el = document.createElement('video');
      el.autoplay = true; el.muted = true; el.playsInline = true;
      el.srcObject = new MediaStream([e.track]);
      document.body.appendChild(el);
      const onFrame = () => {
        const now = Date.now();
        pg.drawImage(el, 0, 0, 8, 8);
        const d = pg.getImageData(0, 0, 1, 1).data; // a corner: the colour, never the mark
        const c = classify(d[0], d[1], d[2]);
        if (!(c in window.__seen)) window.__seen[c] = now;
        el.requestVideoFrameCallback(onFrame);
      };
      el.requestVideoFrameCallback(onFrame);
    };
  }, { color, slots });
}

// {colour: unix ms of its first decoded frame}
export const seenColors = (page) => page.evaluate(() => ({ ...window.__seen }));

// Forget what was seen (e.g. the echo before admit).
export const resetSeen = (page) => page.evaluate(() => { window.__seen = {}; });
