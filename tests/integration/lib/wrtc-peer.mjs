// A libwebrtc (@roamhq/wrtc) participant in node: synthetic video and a tone, counters for
// what comes back. Signaling goes through a joined SignalingClient.
import wrtc from '@roamhq/wrtc';

const { RTCPeerConnection, nonstandard } = wrtc;
const { RTCVideoSource, RTCAudioSource, RTCVideoSink, RTCAudioSink } = nonstandard;

export class WrtcPeer {
  // slots: receive-only audio+video pairs offered for the other participants of a visit.
  constructor({ slots = 0, width = 320, height = 240 } = {}) {
    this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.frames = 0;
    this.framesByTrack = new Map();
    this.energy = 0;
    this.sinks = [];
    this.serverCandidates = [];
    const video = new RTCVideoSource();
    const audio = new RTCAudioSource();
    const frame = { width, height, data: new Uint8ClampedArray(width * height * 1.5) };
    let n = 0, phase = 0;
    const samples = new Int16Array(480);
    this.timers = [
      setInterval(() => { frame.data.fill((n++ * 7) % 255, 0, width * height); video.onFrame(frame); }, 33),
      setInterval(() => {
        for (let i = 0; i < 480; i++) samples[i] = Math.round(8000 * Math.sin((phase++ * 2 * Math.PI * 440) / 48000));
        audio.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
      }, 10),
    ];
    this.pc.addTransceiver(audio.createTrack(), { direction: 'sendrecv' });
    this.pc.addTransceiver(video.createTrack(), { direction: 'sendrecv' });
    for (let i = 0; i < slots; i++) {
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
      this.pc.addTransceiver('video', { direction: 'recvonly' });
    }
    this.pc.ontrack = ({ track, transceiver }) => {
      if (track.kind === 'video') {
        const s = new RTCVideoSink(track);
        const key = transceiver?.mid ?? track.id;
        let last = 0;
        s.onframe = () => {
          const now = Date.now();
          if (last && this.measuring) {
            this.maxGapMs = Math.max(this.maxGapMs || 0, now - last);
            if (now - last > 1000) this.freezes = (this.freezes || 0) + 1;
          }
          last = now;
          this.frames++;
          this.framesByTrack.set(key, (this.framesByTrack.get(key) || 0) + 1);
        };
        this.sinks.push(s);
      } else {
        const s = new RTCAudioSink(track);
        s.ondata = ({ samples: d }) => { for (const v of d) this.energy += Math.abs(v); };
        this.sinks.push(s);
      }
    };
  }

  // Offer/answer and trickle over the client; mungeOffer may alter the SDP the server sees;
  // fields are added to media.offer (a clinician's appointment_id).
  async connect(client, purpose = 'device_check', mungeOffer = (s) => s, fields = {}) {
    this.pc.onicecandidate = ({ candidate }) => {
      client.request('media.candidate', candidate ? { candidate: candidate.candidate, mid: candidate.sdpMid } : { candidate: '' }).catch(() => {});
    };
    client.ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type !== 'media.candidate' || !m.candidate) return;
      this.serverCandidates.push(m.candidate);
      this.pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.mid }).catch(() => {});
    });
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const answer = await client.request('media.offer', { ...fields, purpose, sdp: mungeOffer(offer.sdp) }, 10000);
    if (answer.type !== 'media.answer') throw new Error(`media.offer: ${JSON.stringify(answer)}`);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    return answer;
  }

  async waitMedia(minFrames = 30, timeoutMs = 6000) {
    const deadline = Date.now() + timeoutMs;
    while ((this.frames <= minFrames || this.energy === 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    return { frames: this.frames, energy: this.energy };
  }

  close() {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sinks) s.stop();
    this.pc.close();
  }
}
