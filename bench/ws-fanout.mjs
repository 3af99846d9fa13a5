// WebSocket fan-out (issue 11): N patients wait in one clinician's line, each on its own
// WebSocket (joined with its own link token, checked in); one position change (the clinician
// admits the first patient in line) must reach every one of them as a queue.update. Measured:
// the time from sending lobby.admit to each client's receipt of its queue.update, p50/p99/max.
//
// The clients run in several child processes (one CPU core's worth of JSON and TLS each), so
// the measured time includes the clients' own event loops: an upper bound on the server's.
// The appointments are booked straight into the server's SQLite store (as bench/mint_links
// does) and the tokens signed with its keyring (tests/integration/lib/waiting.mjs); nothing in
// the server is changed for the bench, but the per-address connection and message limits are
// configured off ([signaling] max_connections_per_ip = 0, ip_messages_per_second = 0), since
// every client comes from 127.0.0.1.
//
// Run in a network namespace with enough descriptors:
//   unshare -n sh -c 'ip link set lo up; ulimit -n $(ulimit -Hn); cd tests/integration && \
//     ANTEROOM_BIN=$PWD/../../build/anteroom node ../../bench/ws-fanout.mjs [clients] [procs]'
// Prints progress on stderr and one JSON line on stdout.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SignalingClient } from '../tests/integration/lib/ws.mjs';

const now = () => performance.timeOrigin + performance.now(); // ms, comparable across processes

// The server's CPU time so far (user + system, ms), from /proc: on a shared 2-core machine the
// latency figures carry everyone's load, the server's own CPU per phase does not.
const cpuMs = async (pid) => {
  const f = (await import('node:fs')).readFileSync(`/proc/${pid}/stat`, 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(v[11]) + Number(v[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
};

const quantile = (xs, q) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

// ---- child: a share of the clients ----
async function child() {
  let clients = [];
  let armed = false;
  const got = new Map(); // index -> receipt time of the first queue.update after arming
  process.on('message', async (m) => {
    if (m.cmd === 'connect') {
      const { url, tokens, concurrency, checkin } = m;
      clients = new Array(tokens.length);
      let next = 0, failed = 0;
      const one = async () => {
        for (;;) {
          const i = next++;
          if (i >= tokens.length) return;
          try {
            const c = new SignalingClient(url);
            await c.opened;
            c.ws.on('message', (data) => {
              if (!armed || got.has(i) || !clients[i]) return;
              if (data.toString().includes('"queue.update"')) got.set(i, now());
            });
            const r = await c.request('join', { token: tokens[i] }, 60000);
            if (r.type !== 'joined') throw new Error(JSON.stringify(r));
            if (checkin) {
              const k = await c.request('checkin', { consent: true }, 60000);
              if (k.type !== 'checked_in') throw new Error(JSON.stringify(k));
            }
            c.events.length = 0; // nothing kept: only receipt times matter from here
            clients[i] = c;
          } catch (e) {
            failed++;
            if (failed <= 3) process.stderr.write(`ws-fanout: client ${i}: ${e.message}\n`);
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, one));
      process.send({ cmd: 'connected', n: clients.filter(Boolean).length, failed });
    } else if (m.cmd === 'arm') {
      armed = true;
      got.clear();
      process.send({ cmd: 'armed' });
    } else if (m.cmd === 'collect') {
      const deadline = Date.now() + m.timeoutMs;
      const want = clients.filter(Boolean).length;
      while (got.size < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      process.send({ cmd: 'times', times: [...got.values()], missing: want - got.size });
    } else if (m.cmd === 'close') {
      for (const c of clients) if (c) c.ws.terminate();
      process.exit(0);
    }
  });
}

function ask(p, msg, reply) {
  return new Promise((res) => {
    const h = (m) => { if (m.cmd === reply) { p.off('message', h); res(m); } };
    p.on('message', h);
    p.send(msg);
  });
}

// ---- parent: the server, the bookings, the trigger ----
async function parent() {
  const N = Number(process.argv[2] || 10000);
  const PROCS = Number(process.argv[3] || 4);
  // --checkin: every client also checks in (consent), as a patient in the waiting room does.
  // Without it they wait as joined, expected patients: the same place in line, the same update.
  const CHECKIN = process.argv.includes('--checkin');
  const { Anteroom } = await import('../tests/integration/lib/anteroom.mjs');
  const { mintToken, stateDir, sql, joined } = await import('../tests/integration/lib/waiting.mjs');
  const server = await Anteroom.startDemo({
    signaling: { max_connections_per_ip: 0, ip_messages_per_second: 0 },
    log: { level: 'warning' },
  });
  const kids = [];
  try {
    const t = Math.floor(Date.now() / 1000);
    // One appointment a second from 5 minutes on, all today, all Dr. Okafor's.
    sql(server, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
      INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status, start_ts, end_ts,
        created_at) SELECT printf('ap_fan_%05d', i), 'pat_demo00', 'prac_okafor', NULL, 'booked',
        ${t + 300} + i, ${t + 300 + 900} + i, ${t} FROM n`);
    // ap_fan_00000 is the patient admitted; the N measured clients wait behind it.
    const tokens = Array.from({ length: N }, (_, i) =>
      mintToken(stateDir(server), 'patient', `ap_fan_${String(i + 1).padStart(5, '0')}`, 'pat_demo00', 4 * 3600));
    const t0 = Date.now();
    const cpu0 = await cpuMs(server.proc.pid);
    for (let k = 0; k < PROCS; k++) kids.push(fork(fileURLToPath(import.meta.url), ['--child']));
    const shares = kids.map((_, k) => tokens.filter((_, i) => i % PROCS === k));
    const conns = await Promise.all(kids.map((p, k) => ask(p, {
      cmd: 'connect', url: server.wsUrl, tokens: shares[k], concurrency: 64, checkin: CHECKIN }, 'connected')));
    const connected = conns.reduce((a, c) => a + c.n, 0);
    const setupS = (Date.now() - t0) / 1000;
    const cpuSetup = (await cpuMs(server.proc.pid)) - cpu0;
    process.stderr.write(`ws-fanout: ${connected}/${N} patients joined${CHECKIN ? ' and checked in' : ''} in ${setupS.toFixed(1)} s\n`);
    // The first in line gets ready (device check reported) and is admitted.
    const first = await joined(server, 'patient', 'ap_fan_00000', 'pat_demo00');
    const cl = await joined(server, 'clinician', 'cl_demo', 'prac_okafor');
    await first.request('checkin', { consent: true }, 60000);
    await first.request('device_check.result', { camera: true, microphone: true, speaker: true }, 60000);
    await new Promise((r) => setTimeout(r, 2000)); // let the updates those caused drain
    await Promise.all(kids.map((p) => ask(p, { cmd: 'arm' }, 'armed')));
    const cpuAdmit = await cpuMs(server.proc.pid);
    const tAdmit = now();
    const r = await cl.request('lobby.admit', { appointment_id: 'ap_fan_00000' }, 60000);
    if (r.type === 'error') throw new Error(`lobby.admit: ${JSON.stringify(r)}`);
    const res = await Promise.all(kids.map((p) => ask(p, { cmd: 'collect', timeoutMs: 60000 }, 'times')));
    const cpuFanout = (await cpuMs(server.proc.pid)) - cpuAdmit;
    const lat = res.flatMap((x) => x.times.map((tt) => tt - tAdmit));
    const missing = res.reduce((a, x) => a + x.missing, 0);
    const out = {
      clients: N, connected, checked_in: CHECKIN, processes: PROCS, setup_s: setupS, received: lat.length, missing,
      ws_fanout_p50_ms: quantile(lat, 0.5), ws_fanout_p99_ms: quantile(lat, 0.99),
      ws_fanout_max_ms: lat.length ? Math.max(...lat) : null,
      // Server CPU for the joins (and check-ins), and from lobby.admit until every update
      // arrived (includes up to 20 ms of the collector's polling, and the idle loop's ticks).
      server_cpu_setup_ms: cpuSetup, server_cpu_fanout_ms: cpuFanout,
      server_rss_kib: Number((await import('node:fs')).readFileSync(`/proc/${server.proc.pid}/status`, 'utf8')
        .match(/VmRSS:\s+(\d+)/)[1]),
    };
    console.log(JSON.stringify(out));
    first.close();
    cl.close();
  } finally {
    for (const p of kids) p.send({ cmd: 'close' });
    await server.stop();
  }
}

if (process.argv.includes('--child')) child(); else await parent();
