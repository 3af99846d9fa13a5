// Issue 9: the patient page against a real anteroom in Chromium (fake camera and microphone):
// link → consent → device check with the video echoed by the server; a broken link, a
// blocked camera and a server restart each get a plain-language screen; Spanish from the
// browser's language with a switch; and the page's JS+CSS stays under 100 KB gzipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startDemo, launchChromium, newPerson, screen, inboundVideo } from './lib/web.mjs';

let demo, browser;
before(async () => {
  demo = await startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function consent(page) {
  await screen(page, 'consent');
  await page.check('#consent-box');
  await page.click('[data-screen="consent"] button[type="submit"]');
}

async function echoPlaying(page, timeout = 30000) {
  await page.waitForFunction(() => {
    const v = document.querySelector('video.echo');
    return v && v.videoWidth > 0 && !v.paused;
  }, null, { timeout });
}

test('the link opens consent, then the device check plays the video the server echoed back', async (t) => {
  const { ctx, page } = await newPerson(browser);
  const loaded = new Map();
  page.on('response', async (r) => {
    const url = new URL(r.url());
    if (/\.(m?js|css)$/.test(url.pathname) && r.status() === 200) loaded.set(url.pathname, await r.body());
  });
  try {
    await page.goto(demo.links.patient);
    // Consent is required: without the tick the page explains and stays.
    await screen(page, 'consent');
    await page.click('[data-screen="consent"] button[type="submit"]');
    assert.match(await page.textContent('#consent-err'), /tick the box/);
    await consent(page);
    await screen(page, 'device-check');
    await echoPlaying(page);
    const frames = await inboundVideo(page);
    assert.ok(frames > 0, `no video frames decoded from the echo (${frames})`);
    // The self preview plays too, and the network verdict arrives from the server's echo stats.
    assert.ok(await page.evaluate(() => document.querySelector('video.self').videoWidth > 0));
    await page.waitForFunction(() => ['good', 'fair', 'poor'].includes(document.getElementById('net-verdict').dataset.verdict),
      null, { timeout: 15000 });
    const verdict = await page.textContent('#net-verdict');
    assert.match(verdict, /connection/i);
    // The speaker test asks the patient, and a "no" gives advice instead of a dead end.
    await page.click('text=Play a test sound');
    await page.click('[aria-labelledby="speaker-q"] >> text=No');
    assert.ok(await page.isVisible('text=Turn up the volume'));
    assert.deepEqual(page.consoleErrors, []);

    // Issue 9: the patient page loads in under 100 KB of gzipped JS+CSS.
    const files = [...loaded.entries()];
    assert.ok(files.some(([p]) => p === '/js/patient.js') && files.some(([p]) => p.endsWith('.css')));
    const gz = files.reduce((sum, [, body]) => sum + gzipSync(body, { level: 6 }).length, 0);
    const raw = files.reduce((sum, [, body]) => sum + body.length, 0);
    t.diagnostic(`patient page: ${files.length} JS+CSS files, ${raw} bytes, ${gz} bytes gzipped`);
    assert.ok(gz < 100 * 1024, `patient page JS+CSS is ${gz} bytes gzipped`);
  } finally {
    await ctx.close();
  }
});

test('a broken, cut-off or missing link token gets the plain "ask for a new link" screen', async () => {
  const { ctx, page } = await newPerson(browser);
  try {
    const good = demo.links.patient;
    const forged = good.slice(0, -6) + (good.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    const cut = good.slice(0, good.lastIndexOf('.'));
    for (const link of [forged, cut]) {
      await page.goto('about:blank');
      await page.goto(link);
      await screen(page, 'link-error');
      assert.equal(await page.textContent('h1'), 'This link has expired');
      assert.match(await page.textContent('#app'), /Ask the clinic to send you a new one/);
    }
    await page.goto('about:blank');
    await page.goto(good.slice(0, good.indexOf('#')));
    await screen(page, 'link-error');
    assert.match(await page.textContent('#app'), /Open the whole link/);
    assert.deepEqual(page.consoleErrors, []);
  } finally {
    await ctx.close();
  }
});

test('a blocked camera shows how to allow it (iOS Safari Settings path too), and Try again works', async () => {
  const { ctx, page } = await newPerson(browser, { camera: false });
  try {
    await page.goto(demo.links.patient);
    await consent(page);
    await screen(page, 'camera-denied');
    const text = await page.textContent('#app');
    assert.match(text, /Camera or microphone is blocked/);
    assert.match(text, /Settings → Safari → Camera → Allow/);
    assert.match(text, /Android \(Chrome\)/);
    // The person allows the camera, then taps Try again: on to the device check.
    await ctx.grantPermissions(['camera', 'microphone'], { origin: demo.url });
    await page.click('button:has-text("Try again")');
    await screen(page, 'device-check');
    await echoPlaying(page);
  } finally {
    await ctx.close();
  }
});

test('with a Spanish browser the page is in Spanish, and the switch flips the language', async () => {
  const { ctx, page } = await newPerson(browser, { locale: 'es-ES' });
  try {
    await page.goto(demo.links.patient);
    await screen(page, 'consent');
    assert.equal(await page.textContent('h1'), 'Antes de su consulta por video');
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.equal(await page.textContent('#lang-switch'), 'English');
    await page.click('#lang-switch');
    assert.equal(await page.textContent('h1'), 'Before your video visit');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.textContent('label[for="consent-box"]'), /I agree/);
    await page.click('#lang-switch');
    assert.equal(await page.textContent('h1'), 'Antes de su consulta por video');
    // The choice carries on to the next screen.
    await consent(page);
    await screen(page, 'device-check');
    assert.equal(await page.textContent('h1'), 'Revise su cámara, micrófono y sonido');
  } finally {
    await ctx.close();
  }
});

test('a server restart: the page says what happened, counts down, rejoins and the echo returns', async () => {
  const { ctx, page } = await newPerson(browser);
  try {
    await page.goto(demo.links.patient);
    await consent(page);
    await screen(page, 'device-check');
    await echoPlaying(page);
    // Record what the page shows while the server is away.
    await page.evaluate(() => {
      window.__seen = [];
      new MutationObserver(() => {
        const o = document.querySelector('.overlay');
        if (o) window.__seen.push(o.textContent);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await demo.restart({ downMs: 2500 });
    // Gone once the page has rejoined with the same link.
    await page.waitForFunction(() => window.__seen.length > 0 && !document.querySelector('.overlay'), null, { timeout: 45000 });
    const seen = await page.evaluate(() => window.__seen.join('\n'));
    assert.match(seen, /Connection lost|Reconnecting/);
    assert.match(seen, /Trying again in \d+ seconds?/);
    await screen(page, 'device-check');
    await echoPlaying(page);
  } finally {
    await ctx.close();
  }
});
