// Generates the real browser SDP fixtures in tests/data/sdp/ (see ../README.md).
// Usage (node_modules kept outside the repository):
//   mkdir /tmp/sdpgen && cd /tmp/sdpgen && npm i playwright-core puppeteer-core@24
//   unshare -n sh -c 'ip link set lo up; NODE_PATH=/tmp/sdpgen/node_modules \
//       node tests/data/sdp/gen/gen_offers.js tests/data/sdp'
// Every SDP is what the browser itself wrote: pc.localDescription.sdp after ICE gathering
// finished (or 3 s passed), so host candidates on 127.0.0.1 are included where gathered.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');

const outDir = process.argv[2] || '.';

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync',
];

// Runs inside the page. Each case returns {name, sdp}.
const PAGE_SCRIPT = async () => {
  const settle = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const t = setTimeout(resolve, 3000);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
  const offerOf = async (pc) => {
    await pc.setLocalDescription(await pc.createOffer());
    await settle(pc);
    return pc.localDescription.sdp;
  };
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const [audio] = stream.getAudioTracks();
  const [video] = stream.getVideoTracks();
  const out = [];

  // 1. The usual patient/clinician publish: one audio and one video track, sendrecv.
  {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.addTrack(audio, stream);
    pc.addTrack(video, stream);
    out.push({ name: 'audio-video', sdp: await offerOf(pc) });
    pc.close();
  }
  // 2. Simulcast publish: video with three rids q/h/f (quarter, half, full).
  {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.addTransceiver(audio, { direction: 'sendonly', streams: [stream] });
    pc.addTransceiver(video, {
      direction: 'sendonly', streams: [stream],
      sendEncodings: [
        { rid: 'q', scaleResolutionDownBy: 4.0 },
        { rid: 'h', scaleResolutionDownBy: 2.0 },
        { rid: 'f' },
      ],
    });
    out.push({ name: 'simulcast', sdp: await offerOf(pc) });
    pc.close();
  }
  // 3. Receive only (a viewer that publishes nothing).
  {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    out.push({ name: 'recvonly', sdp: await offerOf(pc) });
    pc.close();
  }
  // 4. Audio + video + a data channel (the server rejects the application m-line for now).
  {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.addTrack(audio, stream);
    pc.addTrack(video, stream);
    pc.createDataChannel('chat');
    out.push({ name: 'datachannel', sdp: await offerOf(pc) });
    pc.close();
  }
  // 5. The browser's answer to an offer of two sendonly m-lines: what a client sends back when
  //    the server offers it receive slots (renegotiation).
  {
    const srv = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    srv.addTransceiver(audio.clone(), { direction: 'sendonly' });
    srv.addTransceiver(video.clone(), { direction: 'sendonly' });
    await srv.setLocalDescription(await srv.createOffer());
    const cli = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    await cli.setRemoteDescription(srv.localDescription);
    await cli.setLocalDescription(await cli.createAnswer());
    await settle(cli);
    out.push({ name: 'answer-recvonly', sdp: cli.localDescription.sdp });
    srv.close();
    cli.close();
  }
  // Keep the stream open until here: Firefox gathers nothing without a live capture.
  stream.getTracks().forEach((t) => t.stop());
  return out;
};

function serve() {
  // getUserMedia needs a secure context; http://127.0.0.1 is one.
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>sdpgen</title>');
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function save(browser, cases) {
  for (const c of cases) {
    const file = path.join(outDir, `${browser}-${c.name}.sdp`);
    fs.writeFileSync(file, c.sdp);
    console.log(`wrote ${file} (${c.sdp.length} bytes)`);
  }
}

async function chromium(url) {
  const { chromium } = require('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdpgen-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: false, args: CHROMIUM_ARGS,
  });
  try {
    const page = await ctx.newPage();
    await page.goto(url);
    const version = await page.evaluate(() => navigator.userAgent);
    console.log('chromium:', version);
    save('chromium', await page.evaluate(PAGE_SCRIPT));
  } finally {
    await ctx.close();
  }
}

async function firefox(url) {
  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.navigator.permission.fake': true,
      'media.peerconnection.ice.loopback': true,
    },
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    console.log('firefox:', await page.evaluate(() => navigator.userAgent));
    save('firefox', await page.evaluate(PAGE_SCRIPT));
  } finally {
    await browser.close();
  }
}

(async () => {
  const srv = await serve();
  const url = `http://127.0.0.1:${srv.address().port}/`;
  const which = process.argv[3] || 'all';
  try {
    if (which === 'all' || which === 'chromium') await chromium(url);
    if (which === 'all' || which === 'firefox') await firefox(url);
  } finally {
    srv.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
