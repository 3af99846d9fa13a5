// An RTCPeerConnection living in a browser page, driven from node: the test does the signaling
// over its own WebSocket client, the page does the WebRTC. Works with Playwright and Puppeteer
// pages (both have evaluate()).
// slots: receive-only audio+video pairs offered for the other participants of a visit.
// rtcConfig is merged into the RTCPeerConnection configuration (iceServers,
// iceTransportPolicy, ...).
export async function setupPagePeer(page, { audio = true, video = true, slots = 0, rtcConfig = {} } = {}) {
  await page.evaluate(async ({ audio, video, slots, rtcConfig }) => {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', ...rtcConfig });
    const stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: 'sendrecv', streams: [stream] });
    for (let i = 0; i < slots; i++) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
    }
    window.__peer = { pc, candidates: [], remote: [] };
    pc.onicecandidate = (e) => window.__peer.candidates.push(e.candidate ? e.candidate.toJSON() : null);
    window.__peer.audioPeak = 0;
    pc.ontrack = (e) => {
      const el = document.createElement(e.track.kind);
      el.autoplay = true; el.muted = true; el.playsInline = true;
      el.srcObject = new MediaStream([e.track]);
      document.body.appendChild(el);
      window.__peer.remote.push(e.track.kind);
      if (e.track.kind !== 'audio') return;
      // Measure what was decoded directly: getStats' audio energy is computed at playout,
      // which a headless browser without an audio device may never do.
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      ctx.createMediaStreamSource(new MediaStream([e.track])).connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += v * v;
        window.__peer.audioPeak = Math.max(window.__peer.audioPeak, Math.sqrt(sum / buf.length));
      }, 50);
    };
  }, { audio, video, slots, rtcConfig });
}

export const createOffer = (page) => page.evaluate(async () => {
  const offer = await window.__peer.pc.createOffer();
  await window.__peer.pc.setLocalDescription(offer);
  return offer.sdp;
});

export const setAnswer = (page, sdp) => page.evaluate((sdp) =>
  window.__peer.pc.setRemoteDescription({ type: 'answer', sdp }), sdp);

export const addCandidate = (page, c) => page.evaluate((c) =>
  window.__peer.pc.addIceCandidate(c.candidate ? { candidate: c.candidate, sdpMid: c.mid } : null), c);

export const takeCandidates = (page) => page.evaluate(() => window.__peer.candidates.splice(0));

// The candidate pair ICE selected: local and remote {candidateType, protocol, relayProtocol,
// address, port}, or null before one is chosen.
export const selectedPair = (page) => page.evaluate(async () => {
  const stats = await window.__peer.pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) return null;
  const pick = (c) => c && { candidateType: c.candidateType, protocol: c.protocol,
    relayProtocol: c.relayProtocol, address: c.address, port: c.port };
  return { local: pick(stats.get(pair.localCandidateId)), remote: pick(stats.get(pair.remoteCandidateId)) };
});

export const connectionState = (page) => page.evaluate(() => window.__peer.pc.connectionState);

// What the page received: decoded video frames and audio energy, from getStats().
export const inboundStats = (page) => page.evaluate(async () => {
  const out = { framesDecoded: 0, audioEnergy: 0, audioPackets: 0, videoPackets: 0,
    audioPeak: window.__peer.audioPeak, videoStreams: [], audioStreams: [] };
  (await window.__peer.pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video') {
      out.framesDecoded += s.framesDecoded || 0; out.videoPackets += s.packetsReceived || 0;
      out.videoStreams.push({ mid: s.mid, frames: s.framesDecoded || 0 });
    }
    if (s.kind === 'audio') {
      out.audioEnergy += s.totalAudioEnergy || 0; out.audioPackets += s.packetsReceived || 0;
      out.audioStreams.push({ mid: s.mid, packets: s.packetsReceived || 0 });
    }
  });
  return out;
});

// Runs the offer/answer and trickle exchange for one page over a joined SignalingClient;
// `fields` go into the media.offer (a clinician's appointment_id, say).
export async function negotiate(page, client, purpose, fields = {}) {
  const sdp = await createOffer(page);
  const reply = await client.request('media.offer', { purpose, sdp, ...fields }, 10000);
  if (reply.type !== 'media.answer') throw new Error(`media.offer failed: ${JSON.stringify(reply)}`);
  await setAnswer(page, reply.sdp);
  const stop = { done: false };
  const pump = (async () => {
    while (!stop.done) {
      for (const c of await takeCandidates(page)) {
        await client.request('media.candidate', c ? { candidate: c.candidate, mid: c.sdpMid ?? '0' } : { candidate: '' });
      }
      for (;;) {
        const ev = client.events.find((m) => m.type === 'media.candidate');
        if (!ev) break;
        client.events.splice(client.events.indexOf(ev), 1);
        await addCandidate(page, ev);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  return { stop: async () => { stop.done = true; await pump; } };
}
