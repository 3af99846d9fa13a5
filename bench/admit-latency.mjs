// Admit latency (issue 7): for each run a Chromium patient opens its link, checks in, runs the
// device check through the server's echo and reports ready (link -> ready is timed); a Chromium
// clinician connects to that appointment's room; then lobby.admit is sent and each side's first
// decoded frame *of the other* is timed (admit -> first frame, patient and clinician). The two
// pages' cameras are solid colours (red patient, blue clinician) recognised per decoded frame,
// because after admit the m-line that carried the patient's echo may carry the clinician.
// Loopback only; run it inside a network namespace:
//   ninja -C build && unshare -n sh -c 'ip link set lo up; cd tests/integration && \
//     ANTEROOM_BIN=$PWD/../../build/anteroom node ../../bench/admit-latency.mjs [runs]'
// Prints one line per run and a JSON summary (p50/p95 in ms).
import { Anteroom } from '../tests/integration/lib/anteroom.mjs';
import { launchChromium } from '../tests/integration/lib/chromium.mjs';
import { setupColorPeer, seenColors } from '../tests/integration/lib/color-peer.mjs';
import { joined, upcoming, negotiateIn } from '../tests/integration/lib/waiting.mjs';

const RUNS = Number(process.argv[2] || 20);
const FRAME_TIMEOUT_MS = 5000;

const quantile = (xs, q) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

async function until(fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const server = await Anteroom.startDemo();
const browser = await launchChromium();
const out = { runs: RUNS, linkToReady: [], patient: [], clinician: [], timeouts: { patient: 0, clinician: 0 } };
try {
  // Two clinicians' days give enough appointments still to come for 20 admits.
  const appts = [...upcoming(server, 'prac_okafor').map((a) => ({ ...a, prac: 'prac_okafor' })),
    ...upcoming(server, 'prac_berg').map((a) => ({ ...a, prac: 'prac_berg' }))];
  if (appts.length < RUNS) throw new Error(`only ${appts.length} appointments to admit`);
  const lobbies = {};
  for (const prac of ['prac_okafor', 'prac_berg']) {
    lobbies[prac] = await joined(server, 'clinician', 'cl_demo', prac);
    await lobbies[prac].request('lobby.subscribe');
  }
  for (let i = 0; i < RUNS; i++) {
    const a = appts[i];
    const cl = lobbies[a.prac];
    // Link -> ready: page load, join, consent, device check (echo frame decoded), result.
    const tLink = Date.now();
    const pp = await browser.newPage();
    await pp.goto(`${server.url}/`);
    await setupColorPeer(pp, { color: '#ff0000', slots: 2 });
    const patient = await joined(server, 'patient', a.id, a.patient);
    await patient.request('checkin', { consent: true });
    const pPump = await negotiateIn(pp, patient, 'device_check');
    await until(async () => (await seenColors(pp)).red, 10000);
    const ready = await patient.request('device_check.result', { camera: true, microphone: true, speaker: true });
    if (ready.type !== 'ok') throw new Error(JSON.stringify(ready));
    out.linkToReady.push(Date.now() - tLink);

    const cp = await browser.newPage();
    await cp.goto(`${server.url}/`);
    await setupColorPeer(cp, { color: '#0000ff', slots: 2 });
    const cPump = await negotiateIn(cp, cl, 'visit', { appointment_id: a.id });
    await until(async () => cp.evaluate(() => window.__peer.pc.connectionState === 'connected'), 10000);

    const t0 = Date.now();
    const r = await cl.request('lobby.admit', { appointment_id: a.id });
    if (r.type !== 'ok' || !r.media) throw new Error(`admit: ${JSON.stringify(r)}`);
    const [pAt, cAt] = await Promise.all([
      until(async () => (await seenColors(pp)).blue, FRAME_TIMEOUT_MS),
      until(async () => (await seenColors(cp)).red, FRAME_TIMEOUT_MS),
    ]);
    if (pAt) out.patient.push(pAt - t0); else out.timeouts.patient++;
    if (cAt) out.clinician.push(cAt - t0); else out.timeouts.clinician++;
    console.log(`run ${i + 1}: link->ready ${out.linkToReady.at(-1)} ms, admit->frame patient ${pAt ? pAt - t0 : 'timeout'} ms, clinician ${cAt ? cAt - t0 : 'timeout'} ms`);
    await cl.request('lobby.done', { appointment_id: a.id });
    await pPump.stop(); await cPump.stop();
    await pp.close(); await cp.close();
    patient.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
const summary = (xs) => ({ n: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), max: xs.length ? Math.max(...xs) : null });
console.log(JSON.stringify({
  runs: out.runs,
  link_to_ready_ms: summary(out.linkToReady),
  admit_to_first_frame_patient_ms: summary(out.patient),
  admit_to_first_frame_clinician_ms: summary(out.clinician),
  timeouts: out.timeouts,
}, null, 1));
process.exit(0);
