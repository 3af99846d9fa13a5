// Run by visit-simulcast.test.mjs inside its own network namespace: a Chromium publisher sends
// three-layer VP8 simulcast and audio; two Chromium subscribers receive it. nftables polices one
// subscriber's downlink (a `limit rate over` drop rule on its UDP port: there is no netem here),
// then lifts the limit. Prints one JSON line with what each subscriber decoded along the way.
//   node visit-simulcast.mjs layers <kbps>     limited subscriber should get a lower layer
//   node visit-simulcast.mjs audio-only <kbps> limited subscriber should be told audio-only
import { execFileSync } from 'node:child_process';
import { Anteroom } from '../lib/anteroom.mjs';
import { SignalingClient } from '../lib/ws.mjs';
import { launchChromium } from '../lib/chromium.mjs';
import { negotiate, selectedPair } from '../lib/page-peer.mjs';

const mode = process.argv[2] || 'layers';
const kbps = Number(process.argv[3] || 250);
const log = (...a) => console.error('#', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await Anteroom.startDemo();
const browser = await launchChromium();

async function joined(token) {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  const j = await c.request('join', { token });
  if (j.type !== 'joined') throw new Error(JSON.stringify(j));
  return c;
}

// The publisher: 960x540 camera as three VP8 layers (rids lowest first, as the server expects),
// each capped so the lowest fits a ~250 kbps link with the audio and the middle one does not.
async function publisher() {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await page.evaluate(async () => {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: 960, height: 540, frameRate: 15 } });
    pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly', streams: [stream] });
    const v = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', streams: [stream],
      sendEncodings: [
        { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 100000 },
        { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 350000 },
        { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 900000 }] });
    v.setCodecPreferences(RTCRtpSender.getCapabilities('video').codecs
      .filter((c) => /VP8|rtx/i.test(c.mimeType)));
    window.__peer = { pc, candidates: [], remote: [] };
    pc.onicecandidate = (e) => window.__peer.candidates.push(e.candidate ? e.candidate.toJSON() : null);
  });
  const c = await joined(server.links.patient.token);
  const pump = await negotiate(page, c, 'visit');
  return { page, c, pump };
}

async function subscriber(who) {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  // Receive only (two audio+video slots), so its downlink carries the publisher's media alone.
  await page.evaluate(() => {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    for (let i = 0; i < 2; i++) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
    }
    window.__peer = { pc, candidates: [], remote: [] };
    pc.onicecandidate = (e) => window.__peer.candidates.push(e.candidate ? e.candidate.toJSON() : null);
    pc.ontrack = (e) => {
      const el = document.createElement(e.track.kind);
      el.autoplay = true; el.muted = true; el.srcObject = new MediaStream([e.track]);
      document.body.appendChild(el);
    };
  });
  const c = await joined(server.links[who].token);
  const pump = await negotiate(page, c, 'visit');
  return { who, page, c, pump };
}

// The remote video with the most frames (the publisher's camera) and the audio totals.
const recvStats = (page) => page.evaluate(async () => {
  const out = { height: 0, frames: 0, audioPackets: 0, audioLost: 0, concealed: 0, samples: 0,
    jbDelay: 0, jbEmitted: 0 };
  (await window.__peer.pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video' && (s.framesDecoded || 0) >= out.frames) {
      out.frames = s.framesDecoded || 0; out.height = s.frameHeight || 0;
    }
    if (s.kind === 'audio') {
      out.audioPackets += s.packetsReceived || 0; out.audioLost += Math.max(0, s.packetsLost || 0);
      out.concealed += s.concealedSamples || 0; out.samples += s.totalSamplesReceived || 0;
      out.jbDelay += s.jitterBufferDelay || 0; out.jbEmitted += s.jitterBufferEmittedCount || 0;
    }
  });
  return out;
});

// Audio over an interval: packets, loss, concealment and mean jitter-buffer delay.
function audioDelta(a, b) {
  const packets = b.audioPackets - a.audioPackets, lost = b.audioLost - a.audioLost;
  const samples = b.samples - a.samples, emitted = b.jbEmitted - a.jbEmitted;
  return { packets, lost, lossPct: packets + lost ? (100 * lost) / (packets + lost) : 100,
    concealedPct: samples ? (100 * (b.concealed - a.concealed)) / samples : null,
    jitterBufferMs: emitted ? (1000 * (b.jbDelay - a.jbDelay)) / emitted : null };
}

const pubStats = (page) => page.evaluate(async () => {
  const out = [];
  (await window.__peer.pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      out.push({ rid: s.rid, h: s.frameHeight, kB: Math.round(s.bytesSent / 1000),
        q: s.qualityLimitationReason, active: s.active });
    }
  });
  return out;
});

async function waitUntil(what, fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) { log(what, v ? 'reached' : 'timed out'); return v; }
    await sleep(500);
  }
}

function police(port, rateKbps) {
  const bytes = Math.round((rateKbps * 1000) / 8);
  const cmds = [
    ['add', 'table', 'inet', 'shape'],
    ['add', 'chain', 'inet', 'shape', 'out', '{ type filter hook output priority 0; }'],
    ['add', 'rule', 'inet', 'shape', 'out', 'udp', 'dport', String(port), 'limit', 'rate', 'over',
      `${bytes}`, 'bytes/second', 'burst', `${Math.max(8000, bytes >> 1)}`, 'bytes', 'drop']];
  for (const c of cmds) execFileSync('nft', c);
}
const unpolice = () => execFileSync('nft', ['delete', 'table', 'inet', 'shape']);

const result = { mode, kbps };
try {
  const pub = await publisher();
  const a = await subscriber('interpreter'); // the one whose downlink is limited
  const b = await subscriber('caregiver');
  // Both see the top layer first; "top" is what the free subscriber gets (a loaded machine's
  // encoder may scale the camera down, so no fixed 540).
  await waitUntil('top layer on both', async () => {
    const top = Math.max(...(await pubStats(pub.page)).map((l) => l.h || 0));
    const [sa, sb] = [await recvStats(a.page), await recvStats(b.page)];
    return sa.frames > 30 && sb.frames > 30 && top >= 270 && sa.height === top && sb.height === top;
  }, 60000);
  const before = [await recvStats(a.page), await recvStats(b.page)];
  result.before = { a: before[0].height, b: before[1].height };
  log('publisher', JSON.stringify(await pubStats(pub.page)));
  const pair = await selectedPair(a.page);
  const t0 = Date.now();
  a.c.ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (/media\.(layer|audio_only)/.test(m.type)) log(((Date.now() - t0) / 1000).toFixed(1), JSON.stringify(m));
  });
  const watch = setInterval(async () => {
    const [sa, sb] = [await recvStats(a.page).catch(() => ({})), await recvStats(b.page).catch(() => ({}))];
    log(((Date.now() - t0) / 1000).toFixed(1), 'a', sa.height, sa.frames, 'audio', sa.audioPackets, sa.audioLost, '| b', sb.height, sb.frames);
  }, 2000);
  log('policing', pair.local.port, 'at', kbps, 'kbps');
  police(pair.local.port, kbps);

  if (mode === 'layers') {
    await waitUntil('lower layer on a', async () => {
      const [sa, sb] = [await recvStats(a.page), await recvStats(b.page)];
      return sa.height > 0 && sa.height < sb.height;
    }, 45000);
    await sleep(3000); // settle, then watch heights and the audio while limited
    const s0 = await recvStats(a.page);
    const heights = { a: [], b: [] };
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      heights.a.push((await recvStats(a.page)).height);
      heights.b.push((await recvStats(b.page)).height);
    }
    const s1 = await recvStats(a.page);
    result.limited = { a: heights.a, b: heights.b, aFrames: s1.frames - s0.frames,
      audio: audioDelta(s0, s1) };
    unpolice();
    const top = Math.max(...heights.b);
    result.after = await waitUntil('top layer back on a', async () => {
      const sa = await recvStats(a.page);
      return sa.height >= top ? { a: sa.height, top } : null;
    }, 90000);
  } else {
    const ev = await a.c.waitFor((m) => m.type === 'media.audio_only' && m.value === true, 45000)
      .catch(() => null);
    result.audioOnlyEvent = !!ev;
    await sleep(2000);
    const s0 = await recvStats(a.page);
    await sleep(8000);
    const s1 = await recvStats(a.page);
    result.limited = { aFramesDuring: s1.frames - s0.frames, audio: audioDelta(s0, s1) };
    const bs = await recvStats(b.page);
    result.limited.b = bs.height;
    unpolice();
    const back = await a.c.waitFor((m) => m.type === 'media.audio_only' && m.value === false, 120000)
      .catch(() => null);
    result.audioOnlyLeft = !!back;
  }
  clearInterval(watch);
  log('publisher', JSON.stringify(await pubStats(pub.page)));
  for (const p of [pub, a, b]) await p.pump.stop();
} catch (e) {
  result.error = String(e.stack || e);
}
if (process.env.SIMULCAST_DEBUG) {
  for (const l of server.log.split('\n')) if (/alloc:/.test(l)) log(l.slice(0, 220));
}
console.log(JSON.stringify(result));
await browser.close().catch(() => {});
await server.stop();
process.exit(0);
