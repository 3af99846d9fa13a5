// The WebSocket signaling client (docs/protocol.md): requests with ids answered exactly once,
// events dispatched by type, a heartbeat that notices dead mobile connections, and reconnect
// with exponential backoff and jitter. After a reconnect the page's onReconnect hook runs
// (it re-sends `join` with the same link token) before queued work resumes. Events this class
// makes up itself (never sent by the server): connecting, open, lost, retry, rejoin_failed,
// signed_out and '*'.

export class SignalError extends Error {
  constructor(code, message) { super(message || code); this.code = code; }
}

const BACKOFF_S = [1, 2, 4, 8, 15, 30];
const HEARTBEAT_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;

export function wsUrl() {
  return `${location.protocol === 'http:' ? 'ws' : 'wss'}://${location.host}/ws`;
}

export class Signaling {
  constructor(url = wsUrl()) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.handlers = new Map();
    this.state = 'idle';
    this.attempt = 0;
    this.everOpened = false;
    this.closedByUs = false;
    this.onReconnect = null; // async () => {}: rejoin after a reconnect
    this.timers = { retry: 0, tick: 0, beat: 0, beatWait: 0 };
  }

  // Resolves on the first open; later drops reconnect by themselves.
  connect() {
    return new Promise((resolve, reject) => {
      this.firstOpen = { resolve, reject };
      this.#open();
    });
  }

  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
    return () => this.handlers.get(type).delete(fn);
  }

  #emit(type, msg) {
    for (const fn of this.handlers.get(type) || []) {
      try { fn(msg); } catch (e) { console.error(e); }
    }
  }

  // request('join', {token}) → the reply message, or throws SignalError(code).
  request(type, fields = {}, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new SignalError('disconnected', 'not connected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalError('timeout', `no reply to ${type}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...fields, type, id }));
    });
  }

  // Asks for a reconnect now (the "Try now" button).
  retryNow() {
    if (this.state !== 'retrying') return;
    clearTimeout(this.timers.retry);
    clearInterval(this.timers.tick);
    this.#open();
  }

  close() {
    this.closedByUs = true;
    this.#stopTimers();
    if (this.ws) this.ws.close(1000);
    this.state = 'closed';
  }

  #open() {
    this.state = 'connecting';
    this.#emit('connecting', { attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.#scheduleRetry(0);
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.#opened();
    ws.onmessage = (ev) => this.#message(ev.data);
    ws.onclose = (ev) => this.#closed(ws, ev.code);
    ws.onerror = () => { /* onclose follows with the code */ };
  }

  async #opened() {
    const reconnected = this.everOpened;
    this.everOpened = true;
    this.attempt = 0;
    this.state = 'open';
    this.#heartbeat();
    if (reconnected && this.onReconnect) {
      try {
        await this.onReconnect();
      } catch (e) {
        this.#emit('rejoin_failed', e);
        return;
      }
    }
    this.#emit('open', { reconnected });
    if (this.firstOpen) { this.firstOpen.resolve(); this.firstOpen = null; }
  }

  #message(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (!msg || typeof msg.type !== 'string') return;
    this.lastHeard = Date.now();
    if (msg.id && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'error') p.reject(new SignalError(msg.code, msg.message));
      else p.resolve(msg);
      return;
    }
    this.#emit(msg.type, msg);
    this.#emit('*', msg);
  }

  #closed(ws, code) {
    if (ws !== this.ws) return;
    this.#stopTimers();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SignalError('disconnected', 'connection closed'));
    }
    this.pending.clear();
    if (this.closedByUs) return;
    // 4001: a signed-in session ended (logout or idle logoff, after `session.expired`). A new
    // connection would only be refused: the page asks the person to sign in again instead.
    if (code === 4001) {
      this.state = 'closed';
      this.#emit('signed_out', { code });
      return;
    }
    // 1001 going away and 1012 service restart: the server itself restarted or drained.
    const restart = code === 1001 || code === 1012;
    this.#emit('lost', { code, restart, everOpened: this.everOpened });
    this.#scheduleRetry(this.attempt++);
  }

  #scheduleRetry(attempt) {
    const base = BACKOFF_S[Math.min(attempt, BACKOFF_S.length - 1)];
    const seconds = Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
    this.state = 'retrying';
    let left = seconds;
    this.#emit('retry', { seconds: left, attempt });
    this.timers.tick = setInterval(() => {
      left -= 1;
      if (left > 0) this.#emit('retry', { seconds: left, attempt });
    }, 1000);
    this.timers.retry = setTimeout(() => {
      clearInterval(this.timers.tick);
      this.#open();
    }, seconds * 1000);
  }

  // A ping every 15 s; no answer within 10 s means the path is dead even if TCP has not
  // noticed (common on phones switching between Wi-Fi and mobile data).
  #heartbeat() {
    this.timers.beat = setInterval(() => {
      this.request('ping', { data: Date.now() }, { timeoutMs: 10000 }).catch((e) => {
        if (e.code === 'timeout' && this.ws) this.ws.close(4000);
      });
    }, HEARTBEAT_MS);
  }

  #stopTimers() {
    clearInterval(this.timers.beat);
    clearTimeout(this.timers.retry);
    clearInterval(this.timers.tick);
  }
}
