// Plain-language screens for everything that can go wrong: a bad or expired link, a blocked
// camera (with the steps for iOS Safari, Android Chrome and computers), a lost connection
// with its retry countdown, a server restart, a browser that cannot make calls.
import { h, T, tr } from './dom.js';
import { isIOS, isAndroid } from './media.js';

function screen(name, titleKey, ...body) {
  return h('section', { class: 'screen card', 'data-screen': name, 'aria-labelledby': `${name}-h` },
    h('h1', { id: `${name}-h`, t: titleKey }), ...body);
}

// code: the `join` error code. Single-use invitation links say so; everything else is expired.
export function linkScreen(kind = 'expired') {
  const [title, body] = kind === 'used' ? ['err.link.used.title', 'err.link.used.body']
    : kind === 'missing' ? ['err.link.missing.title', 'err.link.missing.body']
      : ['err.link.title', 'err.link.body'];
  return screen('link-error', title, h('p', { class: 'lead', t: body }));
}

export function cameraScreen(kind, { onRetry, onAudioOnly }) {
  if (kind === 'notfound' || kind === 'inuse') {
    return screen(`camera-${kind}`, `err.camera.${kind}.title`,
      h('p', { class: 'lead', t: `err.camera.${kind}.body` }),
      h('div', { class: 'actions' },
        h('button', { class: 'primary', onclick: onRetry, t: 'err.camera.retry' }),
        onAudioOnly && h('button', { onclick: onAudioOnly, t: 'err.camera.audio_only' })));
  }
  // The guide for this device first; the others stay visible for caregivers helping by phone.
  const order = isIOS ? ['ios', 'android', 'desktop'] : isAndroid ? ['android', 'ios', 'desktop'] : ['desktop', 'ios', 'android'];
  const steps = order.map((p) => h('li', { class: `guide guide-${p}` },
    T(`err.camera.${p}`, undefined, 'p'),
    p === 'ios' ? T('err.camera.ios_aa', undefined, 'p') : null));
  return screen('camera-denied', 'err.camera.title',
    h('p', { class: 'lead', t: 'err.camera.body' }),
    h('ol', { class: 'guide-list' }, steps),
    h('div', { class: 'actions' },
      h('button', { class: 'primary', onclick: onRetry, t: 'err.camera.retry' }),
      onAudioOnly && h('button', { onclick: onAudioOnly, t: 'err.camera.audio_only' })));
}

// The connection-lost overlay: a countdown that the signaling client updates each second.
export function lostScreen({ restart, onRetryNow }) {
  const countdown = h('p', { class: 'countdown', 'aria-live': 'off' });
  const el = screen(restart ? 'restart' : 'lost', restart ? 'err.restart.title' : 'err.lost.title',
    h('p', { class: 'lead', t: restart ? 'err.restart.body' : 'err.lost.body' }),
    h('div', { class: 'spinner', 'aria-hidden': 'true' }),
    countdown,
    h('div', { class: 'actions' }, h('button', { class: 'primary', onclick: onRetryNow, t: 'err.lost.retry_now' })));
  el.setCountdown = (s) => (s > 1 ? tr(countdown, 'err.lost.retry_in', { s })
    : s === 1 ? tr(countdown, 'err.lost.retry_in_1') : tr(countdown, 'err.lost.retrying'));
  return el;
}

export function simpleScreen(name, titleKey, bodyKey, { reload = false } = {}) {
  return screen(name, titleKey, h('p', { class: 'lead', t: bodyKey }),
    reload && h('div', { class: 'actions' },
      h('button', { class: 'primary', onclick: () => location.reload(), t: 'err.reload' })));
}

export function loadingScreen() {
  return h('section', { class: 'screen card', 'data-screen': 'loading' },
    h('h1', { t: 'loading' }), h('div', { class: 'spinner', 'aria-hidden': 'true' }));
}

// Token from the link: `#t=...` (the fragment is never sent in HTTP requests).
export function linkToken() {
  const m = /(?:^#|&)t=([A-Za-z0-9_.-]+)/.exec(location.hash);
  return m ? m[1] : null;
}

export function joinErrorKind(err) {
  if (err.code !== 'invalid_token') return null;
  return /already been used/.test(err.message || '') ? 'used' : 'expired';
}
