// What every page does with its link: read the token, connect, `resume` the participant this
// tab had before a reload (else `join`), and keep the person informed when things break: a bad
// link screen, and a connection-lost (or server-restart) dialog with a countdown that goes away
// by itself once we have reconnected and resumed.
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


// The participant this tab is, per link (or per signed-in session): sessionStorage survives a
// reload but not a new tab, so a reload resumes the same participant (docs/protocol.md, resume).
// A duplicated tab copies sessionStorage, though: each page holds a Web Lock named after its
// participant for its whole life, and a page that cannot get it (another live tab is that
// participant) joins as a new one instead of taking the other tab's place and media. The lock
// of a page being reloaded goes when it unloads, usually before the new page asks; the wait
// covers the rest.
const LOCK_WAIT_MS = 1500;
const held = new Set();
const pidKey = (token) => `anteroom.pid.${token ? token.slice(-32) : 'cookie'}`;
function storedPid(token) {
  try { return sessionStorage.getItem(pidKey(token)); } catch { return null; }
}
function storePid(token, pid) {
  try { sessionStorage.setItem(pidKey(token), pid); } catch { /* private mode: no resume */ }
}
function claim(pid) {
  if (held.has(pid)) return Promise.resolve(true);
  if (!navigator.locks) return Promise.resolve(true); // old browsers: resume anyway
  const t0 = performance.now();
  return new Promise((resolve) => {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), LOCK_WAIT_MS);
    navigator.locks.request(`anteroom.participant.${pid}`, { signal: ac.signal }, () => {
      clearTimeout(timer);
      held.add(pid);
      window.__anteroom.lockWaitMs = Math.round(performance.now() - t0); // tests print it
      resolve(true);
      return new Promise(() => {}); // kept until the page goes
    }).catch(() => resolve(false));
  });
}

// `resume` this tab's participant if it has one and the grace period is not over, else `join`.
// The reply (`resumed` or `joined`) with .resumed set. Errors other than a lapsed participant
// are thrown (invalid_token: the link is no longer good).
async function enter(sig, session) {
  const { token } = session;
  const pid = storedPid(token);
  if (pid && (await claim(pid))) {
    try {
      const r = await sig.request('resume', token ? { token, participant_id: pid } : { participant_id: pid });
      r.resumed = true;
      return r;
    } catch (e) {
      // not_found: grace over. A signed-in person with a new session (signed out and in
      // again) no longer owns the old participant either: join afresh.
      if (e.code !== 'not_found' && !(e.code === 'invalid_token' && !token)) throw e;
    }
  }
  const j = await sig.request('join', token ? { token } : {});
  j.resumed = false;
  storePid(token, j.participant_id);
  claim(j.participant_id);
  return j;
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

  // Another window resumed this participant (server close 4002): it is the visit's now.
  // Reconnecting would take it back and start a tug of war; say where the visit went.
  sig.on('taken_over', () => {
    if (overlay) { overlay.remove(); overlay = null; }
    document.getElementById('app').removeAttribute('aria-hidden');
    for (const pc of window.__anteroom.pcs) {
      for (const snd of pc.getSenders()) if (snd.track) snd.track.stop();
      pc.close();
    }
    mount(simpleScreen('elsewhere', 'err.elsewhere.title', 'err.elsewhere.body', { reload: true }));
  });

  // After a reconnect: the same participant back (resume), else the same token again.
  sig.onReconnect = async () => {
    if (!session.token && !session.cookie) return;
    session.joined = await enter(sig, session);
    const restarted = session.restarted;
    session.restarted = false;
    if (onRejoined) await onRejoined(session.joined, { restarted, resumed: session.joined.resumed });
  };

  await sig.connect();
  if (!token && !cookie) return session;
  try {
    session.joined = await enter(sig, session);
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
