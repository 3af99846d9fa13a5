// Camera/microphone access and the one RTCPeerConnection each participant keeps with the
// server: offer/answer and trickle ICE over signaling, remote tracks, camera flip, camera
// off and audio-only. The device-check connection is kept for the visit, so admit is fast.

export const isIOS = /iP(hone|ad|od)/.test(navigator.userAgent) ||
  (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
export const isAndroid = /Android/.test(navigator.userAgent);
const isSafari = /^((?!chrome|android|crios|fxios).)*safari/i.test(navigator.userAgent);

export function mediaSupported() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.RTCPeerConnection);
}

// What went wrong with getUserMedia, in the few kinds the pages explain to people.
export function classifyMediaError(e) {
  const name = e && e.name;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'notfound';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') return 'inuse';
  if (name === 'TypeError') return 'unsupported';
  return 'other';
}

export async function getMedia({ video = true, audio = true, facingMode = 'user' } = {}) {
  if (!mediaSupported()) {
    const e = new Error('no getUserMedia'); e.name = 'TypeError'; throw e;
  }
  const v = video ? { facingMode, width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24, max: 30 } } : false;
  return navigator.mediaDevices.getUserMedia({
    audio: audio ? { echoCancellation: true, noiseSuppression: true, autoGainControl: true } : false,
    video: v,
  });
}

export async function cameraCount() {
  try {
    const devs = await navigator.mediaDevices.enumerateDevices();
    return devs.filter((d) => d.kind === 'videoinput').length;
  } catch { return 0; }
}

// Tests (tests/integration/web-*.test.mjs) read getStats() of the page's connections here.
const exposed = (window.__anteroom ||= { pcs: [] });

export class MediaSession {
  constructor(sig, { iceServers = [] } = {}) {
    this.sig = sig;
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    exposed.pcs.push(this.pc);
    this.pendingRemote = [];
    this.listeners = { track: new Set(), state: new Set(), stats: new Set() };
    this.facingMode = 'user';
    this.offerFields = {}; // e.g. {appointment_id} for a clinician's visit offer
    this.pc.onicecandidate = (ev) => {
      const c = ev.candidate;
      this.sig.request('media.candidate', c ? { candidate: c.candidate, mid: c.sdpMid || '0' }
        : { candidate: '', mid: '0' }).catch(() => { /* the server may have moved on */ });
    };
    this.remote = []; // every remote track event, for views mounted after it happened
    this.pc.ontrack = (ev) => { this.remote.push(ev); this.#fire('track', ev); };
    this.pc.onconnectionstatechange = () => this.#fire('state', { state: this.pc.connectionState, local: true });
    this.off = [
      sig.on('media.candidate', (m) => this.#remoteCandidate(m)),
      sig.on('media.state', (m) => this.#fire('state', m)),
      sig.on('media.stats', (m) => this.#fire('stats', m)),
    ];
  }

  on(kind, fn) { this.listeners[kind].add(fn); return () => this.listeners[kind].delete(fn); }
  #fire(kind, v) { for (const fn of this.listeners[kind]) fn(v); }

  // Sends our audio and video (or only audio) and negotiates for `purpose`. `slots` receive-only
  // audio+video pairs are negotiated now for the other participants of the visit, so that admit
  // later needs no new offer/answer (docs/protocol.md, lobby.admit).
  async start(stream, purpose, { slots = 3 } = {}) {
    this.stream = stream;
    const audio = stream.getAudioTracks()[0];
    const video = stream.getVideoTracks()[0];
    this.audioTx = this.pc.addTransceiver(audio || 'audio', { direction: 'sendrecv', streams: [stream] });
    this.videoTx = this.pc.addTransceiver(video || 'video', { direction: 'sendrecv', streams: [stream] });
    for (let i = 0; i < slots; i++) {
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
      this.pc.addTransceiver('video', { direction: 'recvonly' });
    }
    this.#preferCodecs();
    await this.negotiate(purpose);
  }

  // One offer/answer round; also used to move the kept connection from device check to visit.
  // iceRestart: after `resumed` on a kept connection (new ICE credentials, same DTLS-SRTP).
  async negotiate(purpose, { iceRestart = false } = {}) {
    this.purpose = purpose;
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    const reply = await this.sig.request('media.offer', { ...this.offerFields, purpose, sdp: this.pc.localDescription.sdp });
    await this.pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    for (const m of this.pendingRemote.splice(0)) await this.#addRemote(m);
  }

  // iOS Safari encodes H.264 in hardware; put it first there. Elsewhere keep the browser's order.
  #preferCodecs() {
    if (!(isIOS || isSafari) || !this.videoTx.setCodecPreferences || !RTCRtpReceiver.getCapabilities) return;
    const caps = RTCRtpReceiver.getCapabilities('video');
    if (!caps) return;
    const rank = (c) => (/h264/i.test(c.mimeType) && /packetization-mode=1/.test(c.sdpFmtpLine || '') ? 0 : 1);
    this.videoTx.setCodecPreferences([...caps.codecs].sort((a, b) => rank(a) - rank(b)));
  }

  async #remoteCandidate(m) {
    if (!this.pc.remoteDescription) { this.pendingRemote.push(m); return; }
    await this.#addRemote(m);
  }

  async #addRemote(m) {
    try {
      if (!m.candidate) await this.pc.addIceCandidate(null);
      else await this.pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.mid || '0' });
    } catch { /* a late candidate for an old generation: harmless */ }
  }

  // True for the tracks of our own echo during the device check.
  isEcho(ev) {
    return this.purpose === 'device_check' && (ev.transceiver === this.audioTx || ev.transceiver === this.videoTx);
  }

  get audioTrack() { return this.stream && this.stream.getAudioTracks()[0]; }
  get videoTrack() { return this.stream && this.stream.getVideoTracks()[0]; }

  setMuted(muted) { if (this.audioTrack) this.audioTrack.enabled = !muted; }

  // Camera off sends black frames' worth of nothing: the sender's track is removed.
  async setCameraOn(on) {
    if (!this.videoTx) return;
    if (on && (!this.videoTrack || this.videoTrack.readyState === 'ended')) {
      await this.#newCamera(this.facingMode);
      return;
    }
    if (this.videoTrack) this.videoTrack.enabled = on;
    await this.videoTx.sender.replaceTrack(on ? this.videoTrack : null);
  }

  async flipCamera() {
    this.facingMode = this.facingMode === 'user' ? 'environment' : 'user';
    await this.#newCamera(this.facingMode);
  }

  async #newCamera(facingMode) {
    const s = await navigator.mediaDevices.getUserMedia({ video: { facingMode } });
    const track = s.getVideoTracks()[0];
    const old = this.videoTrack;
    if (old) { this.stream.removeTrack(old); old.stop(); }
    this.stream.addTrack(track);
    if (this.videoTx) await this.videoTx.sender.replaceTrack(track);
    this.#fire('state', { state: 'local_video', track });
  }

  // Audio only: stop sending video and stop showing it; the connection stays as it is.
  async setAudioOnly(on) {
    this.audioOnly = on;
    await this.setCameraOn(!on);
  }

  async getStats() { return this.pc.getStats(); }

  close() {
    for (const off of this.off) off();
    if (this.stream) for (const tr of this.stream.getTracks()) tr.stop();
    this.pc.close();
    const i = exposed.pcs.indexOf(this.pc);
    if (i >= 0) exposed.pcs.splice(i, 1);
  }
}

// The local network verdict from our own receive stats when the server sends none.
export async function localVerdict(pc) {
  const stats = await pc.getStats();
  let rtt = null, lost = 0, recv = 0;
  stats.forEach((s) => {
    if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime !== undefined) rtt = s.currentRoundTripTime * 1000;
    if (s.type === 'inbound-rtp') { lost += s.packetsLost || 0; recv += s.packetsReceived || 0; }
  });
  const loss = recv + lost > 0 ? (100 * lost) / (recv + lost) : 0;
  if (rtt === null && recv === 0) return null;
  const verdict = loss < 2 && (rtt ?? 0) < 150 ? 'good' : loss < 8 && (rtt ?? 0) < 400 ? 'fair' : 'poor';
  return { rtt_ms: Math.round(rtt ?? 0), loss_pct: loss, verdict };
}
