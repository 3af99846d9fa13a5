// Issue 9: phones, as far as Chromium's mobile emulation can honestly tell (no real iOS Safari
// here): an iPhone (390×844, iOS Safari user agent, touch) and a 360-px Android phone go
// through the patient journey to the waiting room. Every video plays inline with autoplay,
// the local ones muted (what iOS needs to start them without a tap); no screen scrolls
// sideways at 360 px; the offer the page sends carries H.264 (constrained baseline,
// packetization-mode 1) for every video m-line, and first on the line an iPhone sends, so it
// encodes and decodes in hardware; and with the camera refused the page shows the guide for that phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { devices } from 'playwright-core';
import { startDemo, launchChromium, screen } from './lib/web.mjs';
import { mintToken, stateDir, upcoming } from './lib/waiting.mjs';

const PHONES = {
  iphone: { ...devices['iPhone 13'], viewport: { width: 390, height: 844 } },
  android: { ...devices['Galaxy S8'], viewport: { width: 360, height: 740 } },
};

let demo, browser;
before(async () => {
  demo = await startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function phone(kind, { camera = true } = {}) {
  const { defaultBrowserType, ...opts } = PHONES[kind];
  const ctx = await browser.newContext({ ...opts, locale: 'en-US', ignoreHTTPSErrors: true,
    permissions: camera ? ['camera', 'microphone'] : [] });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  // The SDP of every media.offer the page sends over the WebSocket.
  page.offers = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    try {
      const m = JSON.parse(f.payload);
      if (m.type === 'media.offer') page.offers.push(m.sdp);
    } catch { /* not JSON */ }
  }));
  return { ctx, page };
}

// A patient of their own for each case: one who comes back within the grace period skips
// consent, and each case starts from the link.
let nextPatient = 1;
function freshLink() {
  const a = upcoming(demo)[nextPatient++];
  return `${demo.url}/patient.html#t=${mintToken(stateDir(demo), 'patient', a.id, a.patient)}`;
}

async function noSideScroll(page, where) {
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(sw <= cw, `${where}: the page is ${sw} px wide in a ${cw} px viewport`);
}

async function videosInline(page, where) {
  const vids = await page.evaluate(() => [...document.querySelectorAll('video')].map((v) => ({
    cls: v.className, playsinline: v.hasAttribute('playsinline') && v.playsInline, autoplay: v.autoplay, muted: v.muted,
    local: v.classList.contains('self') || v.classList.contains('echo') })));
  assert.ok(vids.length > 0, `${where}: no video elements`);
  for (const v of vids) {
    assert.ok(v.playsinline, `${where}: video.${v.cls} lacks playsinline`);
    assert.ok(v.autoplay, `${where}: video.${v.cls} lacks autoplay`);
    if (v.local) assert.ok(v.muted, `${where}: local video.${v.cls} is not muted`);
  }
}

// Each video m-line: its payload types in order and which of them are H.264 with
// packetization-mode 1 and a constrained-baseline profile (42e0xx / 42c0xx).
function videoCodecs(sdp) {
  const sections = sdp.split(/\r\n(?=m=)/).filter((s) => s.startsWith('m=video'));
  return sections.map((s) => {
    const order = s.split('\r\n')[0].split(' ').slice(3);
    const h264 = new Set(), baseline = new Set();
    for (const [, pt] of s.matchAll(/a=rtpmap:(\d+) H264\/90000/g)) {
      const fmtp = new RegExp(`a=fmtp:${pt} (.*)`).exec(s);
      if (!fmtp || !/packetization-mode=1/.test(fmtp[1])) continue;
      if (/profile-level-id=42[ec]0/i.test(fmtp[1])) h264.add(pt);
      if (/profile-level-id=42/i.test(fmtp[1])) baseline.add(pt); // baseline family, iOS decodes it
    }
    return { order, h264, baseline };
  });
}

for (const kind of ['iphone', 'android']) {
  test(`${kind}: the journey to the waiting room plays inline, fits the screen and offers H.264`, { timeout: 90000 }, async (t) => {
    const { ctx, page } = await phone(kind);
    try {
      await page.goto(freshLink());
      await screen(page, 'consent');
      await noSideScroll(page, 'consent');
      await page.tap('#consent-box');
      await page.tap('[data-screen="consent"] button[type="submit"]');
      await screen(page, 'device-check', 30000);
      await page.waitForFunction(() => {
        const v = document.querySelector('video.echo');
        return v && v.videoWidth > 0 && !v.paused;
      }, null, { timeout: 30000 });
      await videosInline(page, 'device check');
      await noSideScroll(page, 'device check');

      assert.ok(page.offers.length > 0, 'the page sent a media.offer');
      const lines = videoCodecs(page.offers[0]);
      assert.ok(lines.length >= 2, 'a sending video line and receive slots');
      for (const [i, l] of lines.entries()) {
        assert.ok(l.h264.size > 0, `video m-line ${i} offers no constrained-baseline H.264 (mode 1): ${l.order}`);
        // What the iPhone sends is H.264 first (media.js); receive slots carry whatever the
        // others send, so there it only has to be offered.
        if (kind === 'iphone' && i === 0) assert.ok(l.baseline.has(l.order[0]), `iOS: H.264 is not first on the sending m-line: ${l.order}`);
      }
      t.diagnostic(`${kind}: first video m-line payload order ${lines[0].order.join(' ')}, H.264 ${[...lines[0].h264].join(' ')}`);

      await page.tap('#check-done');
      await screen(page, 'waiting', 30000);
      await noSideScroll(page, 'waiting room');
      await page.tap('#reschedule-open');
      await page.waitForSelector('#reschedule:not([hidden])');
      await noSideScroll(page, 'waiting room, change time');
      assert.deepEqual(page.errors, []);
    } finally {
      await ctx.close();
    }
  });

  test(`${kind}: camera refused shows the guide for this phone`, { timeout: 60000 }, async () => {
    const { ctx, page } = await phone(kind, { camera: false });
    try {
      await page.goto(freshLink());
      await screen(page, 'consent');
      await page.tap('#consent-box');
      await page.tap('[data-screen="consent"] button[type="submit"]');
      await screen(page, 'camera-denied', 30000);
      const text = await page.textContent('#app');
      assert.match(text, /Camera or microphone is blocked/);
      assert.match(text, /Settings → Safari → Camera → Allow/);
      // This phone's steps come first (the others stay for someone helping by phone).
      const first = await page.getAttribute('.guide-list li:first-child', 'class');
      assert.match(first, kind === 'iphone' ? /guide-ios/ : /guide-android/);
      await noSideScroll(page, 'camera denied');
    } finally {
      await ctx.close();
    }
  });
}
