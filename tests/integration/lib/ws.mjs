// A small promise-based signaling client over the `ws` package (Node 20 has no WebSocket).
// `headers` adds request headers (a session Cookie); `all` keeps every message in order.
import WebSocket from 'ws';

export class SignalingClient {
  constructor(url, { origin, headers } = {}) {
    this.ws = new WebSocket(url, { rejectUnauthorized: false, origin, headers });
    this.nextId = 1;
    this.pending = new Map();
    this.events = [];
    this.waiters = [];
    this.all = [];
    this.opened = new Promise((res, rej) => {
      this.ws.once('open', res);
      this.ws.once('error', rej);
      this.ws.once('unexpected-response', (_req, resp) => rej(new Error(`HTTP ${resp.statusCode}`)));
    });
    // A refused upgrade is reported through `opened`; later socket errors end in `closed`.
    this.ws.on('error', () => {});
    this.closed = new Promise((res) => this.ws.once('close', (code, reason) =>
      res({ code, reason: reason.toString() })));
    this.ws.on('message', (data) => this.#onMessage(data.toString()));
  }

  #onMessage(text) {
    const msg = JSON.parse(text);
    this.all.push(msg);
    if (msg.id && this.pending.has(msg.id)) {
      this.pending.get(msg.id)(msg);
      this.pending.delete(msg.id);
      return;
    }
    this.events.push(msg);
    for (const w of [...this.waiters]) {
      if (w.pred(msg)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.res(msg); }
    }
  }

  // Sends a request and resolves with the reply carrying the same id.
  request(type, fields = {}, timeoutMs = 5000) {
    const id = this.nextId++;
    return new Promise((res, rej) => {
      const t = setTimeout(() => { this.pending.delete(id); rej(new Error(`no reply to ${type}`)); }, timeoutMs);
      this.pending.set(id, (m) => { clearTimeout(t); res(m); });
      this.ws.send(JSON.stringify({ type, id, ...fields }));
    });
  }

  sendRaw(text) { this.ws.send(text); }

  // Resolves with the first unsolicited message matching pred (already received or future).
  waitFor(pred, timeoutMs = 5000) {
    const seen = this.events.find(pred);
    if (seen) { this.events.splice(this.events.indexOf(seen), 1); return Promise.resolve(seen); }
    return new Promise((res, rej) => {
      const w = { pred, res: (m) => { clearTimeout(t); this.events.splice(this.events.indexOf(m), 1); res(m); } };
      const t = setTimeout(() => { this.waiters.splice(this.waiters.indexOf(w), 1); rej(new Error('timed out waiting for event')); }, timeoutMs);
      this.waiters.push(w);
    });
  }

  close() { this.ws.close(); return this.closed; }
  // Drops the TCP connection without a close frame, as a phone losing its network does.
  kill() { this.ws.terminate(); return this.closed; }
}
