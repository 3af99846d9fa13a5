// What every page does with its link: read the token, connect, `join`, and keep the person
// informed when things break: a bad link screen, and a connection-lost (or server-restart)
// dialog with a countdown that goes away by itself once we have reconnected and rejoined.
import { h, t, mount, announce } from './dom.js';
import { initSwitch } from './i18n.js';
import { Signaling } from './signaling.js';
import { linkScreen, lostScreen, simpleScreen, loadingScreen, linkToken, joinErrorKind } from './screens.js';

// start({needToken, cookie, onRejoined}) → {sig, joined} or null when a screen was shown.
// cookie: a signed-in clinician or staff member (POST /api/login): `join` without a token, the
// WebSocket upgrade carries the session cookie (docs/protocol.md, join).
let pageReady = false;

// Once per page, however many times the page connects (the console signs in again after an
// idle logoff): the language switch and the page-wide listeners.
export function initPage() {
  if (pageReady) return;
  pageReady = true;
  initSwitch();
  // A different link pasted into the same tab is a different visit: start afresh.
  window.addEventListener('hashchange', () => location.reload());
  window.addEventListener('unhandledrejection', (ev) => {
    // Nothing should fail silently into the console only.
    console.error(ev.reason);
  });
}

export async function start({ needToken = true, cookie = false, onRejoined } = {}) {
  initPage();
  const token = linkToken();
  if (needToken && !token) {
    mount(linkScreen('missing'));
    return null;
  }
  mount(loadingScreen());
  const sig = new Signaling();
  (window.__anteroom ||= { pcs: [] }).sig = sig; // tests read the connection state here
  const session = { sig, token, cookie, joined: null, restarted: false };
  let overlay = null;

  sig.on('lost', ({ restart }) => {
    session.restarted ||= restart;
    if (overlay) overlay.remove();
    const screen = lostScreen({ restart, onRetryNow: () => sig.retryNow() });
    overlay = h('div', { class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': `${restart ? 'restart' : 'lost'}-h` }, screen);
    overlay.screen = screen;
    document.body.append(overlay);
    document.getElementById('app').setAttribute('aria-hidden', 'true');
    const hd = screen.querySelector('h1');
    hd.tabIndex = -1;
    hd.focus();
    announce(t(restart ? 'err.restart.body' : 'err.lost.body'));
  });
  sig.on('retry', ({ seconds }) => overlay && overlay.screen.setCountdown(seconds));
  sig.on('connecting', () => overlay && overlay.screen.setCountdown(0));
  sig.on('open', async ({ reconnected }) => {
    if (!overlay) return;
    overlay.remove();
    overlay = null;
    document.getElementById('app').removeAttribute('aria-hidden');
    if (reconnected) announce(t('err.back'));
  });
  sig.on('rejoin_failed', (e) => {
    if (overlay) { overlay.remove(); overlay = null; }
    document.getElementById('app').removeAttribute('aria-hidden');
    const kind = joinErrorKind(e);
    mount(kind ? linkScreen(kind) : simpleScreen('error', 'err.title', 'err.generic.body', { reload: true }));
    sig.close();
  });

  // After a reconnect: the same token again (the server keeps a patient's place while away).
  sig.onReconnect = async () => {
    if (!session.token && !session.cookie) return;
    session.joined = await sig.request('join', session.token ? { token: session.token } : {});
    const restarted = session.restarted;
    session.restarted = false;
    if (onRejoined) await onRejoined(session.joined, { restarted });
  };

  await sig.connect();
  if (!token && !cookie) return session;
  try {
    session.joined = await sig.request('join', token ? { token } : {});
  } catch (e) {
    const kind = joinErrorKind(e);
    sig.close();
    mount(kind ? linkScreen(kind) : simpleScreen('error', 'err.title', 'err.generic.body', { reload: true }));
    return null;
  }
  return session;
}

// A new link for the same person (after a reschedule or a confirmed offer the server hands out
// a token for the new appointment): kept for reconnects and put in the address bar, without
// the hashchange that would reload the page, so a reload or a bookmark opens the new visit.
export function replaceToken(session, token) {
  if (!token) return;
  session.token = token;
  try { history.replaceState(null, '', `${location.pathname}${location.search}#t=${token}`); } catch { /* sandboxed */ }
}

// Requests a newer server may not know yet are best effort: unknown_type is not an error.
export function optional(p) {
  return p.catch((e) => {
    if (e.code !== 'unknown_type') throw e;
    return null;
  });
}
