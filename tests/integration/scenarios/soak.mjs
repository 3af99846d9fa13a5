// Run by scripts/soak.sh inside its own network namespace: VISITS participants at a time join
// the demo clinic, run media through the server (libwebrtc, a device check or a visit), and leave
// after 10-30 s (one time in ten by dropping the connection instead), over and over for MINUTES.
// The server's RSS (VmRSS of its process) is sampled every SAMPLE seconds. Prints progress
// lines, a readable summary and one closing JSON line; exits 1 if the server died or RSS grew by
// 5 % or more between the end of the warm-up (the first third) and the end of the load.
// After the load it waits IDLE seconds (default: the grace period and 5 s) so dropped
// participants expire, and reports that idle RSS too (not part of the pass rule).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Anteroom } from '../lib/anteroom.mjs';
import { SignalingClient } from '../lib/ws.mjs';
import { WrtcPeer } from '../lib/wrtc-peer.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const MINUTES = arg('minutes', 30), VISITS = arg('visits', 50), SAMPLE = arg('sample', 60), IDLE = arg('idle', 65);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rss = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

// Every participant comes from 127.0.0.1 and most share the clinician's link: lift the caps.
const server = await Anteroom.startDemo({ log: { level: 'info' }, signaling: { max_connections_per_token: 0,
  max_connections_per_ip: 0, ip_messages_per_second: 0 } });
console.log(`soak: ${VISITS} participants for ${MINUTES} min, RSS every ${SAMPLE} s, warm-up ${MINUTES * 20} s, ` +
  `MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}, server pid ${server.proc.pid}`);
const end = Date.now() + MINUTES * 60000;
const stats = { joins: 0, connected: 0, failures: 0, errors: [] };
let died = null;
server.exited.then((e) => { died = e; });

// A visit holds at most 16 participants, so the load is spread over the demo's appointments:
// every fifth participant is a link holder of the demo visit (patient, interpreter, caregiver),
// the others use the clinician's clinic-wide link and name one appointment each.
const db = join(server.dir, 'state', 'anteroom.db');
const appointments = execFileSync('sqlite3', [db,
  "SELECT id FROM appointment WHERE status NOT IN ('cancelled','entered-in-error') ORDER BY id"]).toString().trim().split('\n');

async function slot(i) {
  const guests = ['patient', 'interpreter', 'caregiver'];
  for (let n = 0; Date.now() < end && !died; n++) {
    const ws = new SignalingClient(server.wsUrl);
    let peer;
    try {
      await ws.opened;
      const role = i % 5 === 0 ? guests[(i / 5 + n) % 3] : 'clinician';
      if (role === 'clinician') {
        const appointment = appointments[(i + n) % appointments.length];
        const send = ws.request.bind(ws);
        ws.request = (type, fields, t) => send(type, type === 'media.offer' ? { ...fields, appointment_id: appointment } : fields, t);
      }
      const j = await ws.request('join', { token: server.links[role].token });
      if (j.type !== 'joined') throw new Error(`join: ${j.code}`);
      stats.joins++;
      peer = new WrtcPeer({ width: 160, height: 120 });
      await peer.connect(ws, (i + n) % 2 ? 'visit' : 'device_check');
      await ws.waitFor((m) => m.type === 'media.state' && m.state === 'connected', 20000);
      stats.connected++;
      await sleep(10000 + Math.random() * 20000);
    } catch (e) {
      stats.failures++;
      if (stats.errors.length < 10) stats.errors.push(e.message);
    }
    // Most leave (their place is given up at once); one cycle in ten just drops the
    // connection, so the grace period (a dropped participant keeps its place and transport for
    // grace_seconds) is part of the load too.
    if ((i + n) % 10 !== 0) await ws.request('leave', {}, 3000).catch(() => {});
    peer?.close();
    ws.ws.terminate();
    await sleep(200 + Math.random() * 800);
  }
}

const samples = [];
const t0 = Date.now();
const sampler = setInterval(() => {
  if (died) return;
  const kb = rss(server.proc.pid);
  samples.push({ s: Math.round((Date.now() - t0) / 1000), rssKb: kb });
  console.log(`soak: ${Math.round((Date.now() - t0) / 1000)} s rss ${kb} kB joins ${stats.joins} connected ${stats.connected} failures ${stats.failures}`);
}, SAMPLE * 1000);
const slots = [];
for (let i = 0; i < VISITS; i++) { slots.push(slot(i)); await sleep(100); }
await Promise.all(slots);
clearInterval(sampler);
const alive = !died;
if (died) console.log(`soak: the server died (${JSON.stringify(died)}); its last output:\n${server.stdout.split(`\n`).slice(-60).join(`\n`)}\n${server.log.split('\n').slice(-40).join('\n')}`);
const exit = died;
// After everyone left: what the server gives back once idle, 3 s after and once the dropped
// participants' grace period is over (not part of the pass rule).
let idleKb = null, idleGraceKb = null;
if (alive) { await sleep(3000); idleKb = rss(server.proc.pid); }
if (alive && !died && IDLE > 3) { await sleep((IDLE - 3) * 1000); if (!died) idleGraceKb = rss(server.proc.pid); }
await server.stop();

// Growth is judged under load: samples from the end of the warm-up to the end of the window.
const warm = samples.filter((x) => x.s >= (MINUTES * 60) / 3 && x.s <= MINUTES * 60);
const base = warm[0]?.rssKb, last = samples.at(-1)?.rssKb, peak = Math.max(...warm.map((x) => x.rssKb));
const growthPct = base ? ((last - base) / base) * 100 : null;
const pass = alive && growthPct !== null && growthPct < 5;
const warmEnd = warm[0];
console.log(`soak: summary: server ${alive ? 'alive' : 'DIED'}; joins ${stats.joins}, media connected ${stats.connected}, failures ${stats.failures}`);
console.log(`soak: summary: VmRSS at the end of warm-up (${warmEnd?.s} s) ${base} kB, at the end of the load (${samples.at(-1)?.s} s) ${last} kB: ` +
  `growth ${growthPct === null ? 'n/a' : growthPct.toFixed(2)} % (limit 5 %); peak after warm-up ${peak} kB`);
console.log(`soak: summary: idle after everyone left: ${idleKb} kB after 3 s, ${idleGraceKb} kB after ${IDLE} s (grace periods over)`);
console.log(`soak: summary: ${pass ? 'PASS' : 'FAIL'}`);
console.log(JSON.stringify({ minutes: MINUTES, visits: VISITS, alive, exit, joins: stats.joins,
  connected: stats.connected, failures: stats.failures, errors: stats.errors, rssAfterWarmupKb: base,
  rssEndKb: last, rssPeakAfterWarmupKb: peak, rssIdleAfterKb: idleKb, rssIdleAfterGraceKb: idleGraceKb, growthPct: growthPct === null ? null : Number(growthPct.toFixed(2)),
  samples, pass }));
setTimeout(() => process.exit(pass ? 0 : 1), 200);
