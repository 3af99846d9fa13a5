// A userspace UDP relay between one WebRTC client and the server, for network faults this
// kernel cannot make (no sch_netem): delay with jitter, reordering, loss, an outage, and a NAT
// rebinding (the relay's server-facing port changes mid-call). It can also capture SRTP packets
// the client sent and send them to the server again (replay). The test hands the client the
// relay's address in place of the server's candidate and does not trickle the client's own
// candidates, so every packet crosses the relay; the server learns the relay's server-facing
// address as a peer-reflexive candidate from the client's checks.
import dgram from 'node:dgram';
import { WrtcPeer } from './wrtc-peer.mjs';

export class UdpRelay {
  constructor() {
    this.fault = { lossPct: 0, delayMs: 0, jitterMs: 0, reorderPct: 0, down: false };
    this.captured = [];
    this.forwarded = 0; this.dropped = 0;
    this.held = [null, null];
  }

  async start() {
    this.front = dgram.createSocket('udp4');
    await new Promise((r) => this.front.bind(0, '127.0.0.1', r));
    this.front.on('message', (msg, rinfo) => {
      this.client = rinfo;
      if (this.capture && isSrtp(msg)) this.captured.push(Buffer.from(msg));
      this.#forward(0, msg, (m) => this.back.send(m, this.serverPort, '127.0.0.1'));
    });
    await this.#openBack();
    this.port = this.front.address().port;
  }

  async #openBack() {
    const sock = dgram.createSocket('udp4');
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    sock.on('message', (msg) => {
      if (sock !== this.back || !this.client) return; // late packets to a rebound port are lost
      this.#forward(1, msg, (m) => this.front.send(m, this.client.port, this.client.address));
    });
    sock.on('error', () => {});
    this.back = sock;
  }

  // NAT rebinding: from now on the server sees the client's packets from a new port.
  async rebind() {
    const old = this.back;
    await this.#openBack();
    old.close();
    return this.back.address().port;
  }

  // dir 0: client to server, 1: server to client. Faults apply to both directions.
  #forward(dir, msg, send) {
    const f = this.fault;
    if (f.down || (f.lossPct && Math.random() * 100 < f.lossPct)) { this.dropped++; return; }
    this.forwarded++;
    if (f.reorderPct && !this.held[dir] && Math.random() * 100 < f.reorderPct) {
      this.held[dir] = () => send(msg); // goes out right after the next packet
      return;
    }
    const out = () => {
      send(msg);
      const h = this.held[dir];
      if (h) { this.held[dir] = null; h(); }
    };
    if (!f.delayMs) { out(); return; }
    setTimeout(out, Math.max(0, f.delayMs + (Math.random() * 2 - 1) * f.jitterMs));
  }

  // Sends captured client packets to the server again, from the current server-facing port.
  replay(packets) {
    for (const p of packets) this.back.send(p, this.serverPort, '127.0.0.1');
  }

  close() { this.front.close(); this.back.close(); }
}

// RTP under SRTP (RFC 7983 demultiplexing: first byte 128..191; RTCP payload types 192..223).
function isSrtp(b) {
  return b.length > 12 && b[0] >= 128 && b[0] <= 191 && !(b[1] >= 192 && b[1] <= 223);
}

// A WrtcPeer whose media crosses a relay: the server's UDP candidates are rewritten to the
// relay's client-facing address, and the client's own candidates are kept from the server.
export class RelayedPeer extends WrtcPeer {
  constructor(relay, opts) { super(opts); this.relay = relay; }

  async connect(client, purpose = 'device_check', { iceRestart = false } = {}) {
    this.client = client;
    if (!this.listening) {
      this.listening = true;
      client.ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type !== 'media.candidate' || !m.candidate || !/ udp /i.test(m.candidate)) return;
        const parts = m.candidate.split(' ');
        this.relay.serverPort = Number(parts[5]);
        parts[4] = '127.0.0.1'; parts[5] = String(this.relay.port);
        this.pc.addIceCandidate({ candidate: parts.join(' '), sdpMid: m.mid }).catch(() => {});
      });
    }
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    const sdp = offer.sdp.replace(/a=candidate:.*\r\n/g, '');
    const answer = await client.request('media.offer', { purpose, sdp, ...(this.appointment ? { appointment_id: this.appointment } : {}) }, 10000);
    if (answer.type !== 'media.answer') throw new Error(`media.offer: ${JSON.stringify(answer)}`);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp.replace(/a=candidate:.*\r\n/g, '') });
    // Candidates in the answer itself are rewritten too.
    for (const line of answer.sdp.split('\r\n').filter((l) => /^a=candidate:.* udp /i.test(l))) {
      const parts = line.slice(2).split(' ');
      this.relay.serverPort = Number(parts[5]);
      parts[4] = '127.0.0.1'; parts[5] = String(this.relay.port);
      this.pc.addIceCandidate({ candidate: parts.join(' '), sdpMid: '0' }).catch(() => {});
    }
    return answer;
  }
}
