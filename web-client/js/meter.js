// Microphone level and the speaker test tone, on one AudioContext created during a tap
// (iOS and Chrome only let audio start from a user gesture).
let ctx = null;

export function audioContext() {
  if (!ctx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    ctx = new AC();
  }
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  return ctx;
}

// Calls onLevel(0..1) about 15 times a second until the returned stop() is called.
export function micMeter(stream, onLevel) {
  const ac = audioContext();
  if (!ac || !stream.getAudioTracks().length) return () => {};
  const src = ac.createMediaStreamSource(stream);
  const an = ac.createAnalyser();
  an.fftSize = 512;
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  const timer = setInterval(() => {
    an.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    const rms = Math.sqrt(sum / buf.length);
    onLevel(Math.min(1, rms * 4));
  }, 66);
  return () => { clearInterval(timer); src.disconnect(); };
}

// A short two-note chime: easy to recognise, not alarming.
export function playChime() {
  const ac = audioContext();
  if (!ac) return;
  const t0 = ac.currentTime + 0.05;
  for (const [f, at] of [[660, 0], [880, 0.35]]) {
    const o = ac.createOscillator();
    const g = ac.createGain();
    o.frequency.value = f;
    g.gain.setValueAtTime(0.0001, t0 + at);
    g.gain.exponentialRampToValueAtTime(0.3, t0 + at + 0.03);
    g.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.6);
    o.connect(g).connect(ac.destination);
    o.start(t0 + at);
    o.stop(t0 + at + 0.65);
  }
}
