// Issue 13: patients whose network drops UDP still get video. The test builds its own two-host
// network inside the namespace make check runs in: this namespace is the "server" host
// (anteroom + coturn, 10.231.0.1), a namespace it creates is the "client" host (Chromium,
// 10.231.0.2) whose nftables drop every UDP packet, joined by a veth pair. Nothing routes
// anywhere else. The client also DNATs 10.232.0.1 to the server, a 1:1 NAT for [media]
// public_ip. coturn runs from conf/turnserver.conf with only addresses, secret and certificate
// replaced. Cases: TURN over TCP and over TLS on 443 (relay only), ICE-TCP straight to
// anteroom, ICE-TCP to the public_ip through the NAT, and coturn refusing expired or forged
// credentials. Media is the device-check echo; each case checks decoded video and audio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import { chromium } from 'playwright-core';
import { Anteroom, SOURCE_DIR } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { CHROMIUM_ARGS } from './lib/chromium.mjs';
import { setupPagePeer, negotiate, inboundStats, selectedPair } from './lib/page-peer.mjs';

const SERVER_IP = '10.231.0.1';
const CLIENT_IP = '10.231.0.2';
const PUBLIC_IP = '10.232.0.1'; // the server's "public" address, reached through the client's DNAT
const NS = `arturn${process.pid}`;
const VETH = `art${process.pid % 1000000}`; // interface names are at most 15 characters
const SECRET = 'turn-test-secret-0123456789abcdef';
const TURN_TCP = `turn:${SERVER_IP}:3478?transport=tcp`;
const TURN_UDP = `turn:${SERVER_IP}:3478?transport=udp`;
const TURN_TLS = `turns:${SERVER_IP}:443?transport=tcp`;

const root = process.getuid?.() === 0;
const haveCoturn = existsSync('/usr/sbin/turnserver') || existsSync('/usr/bin/turnserver');
const skip = !root ? 'needs root for network namespaces' : !haveCoturn ? 'coturn not installed (scripts/deps.sh test)' : false;

let dir, coturn, coturnLog = '', server, natServer, browser;

const sh = (cmd) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inClient = (cmd) => sh(`ip netns exec ${NS} sh -c '${cmd}'`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// coturn's TURN REST API convention, computed here independently of anteroom.
function turnCredential(secret, expiryUnix, id) {
  const username = `${expiryUnix}:${id}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

// A run killed before its after() leaves its namespace behind: remove those of dead runs.
function removeStaleNamespaces() {
  let names = [];
  try { names = readdirSync('/run/netns'); } catch { return; }
  for (const n of names) {
    const m = n.match(/^arturn(\d+)$/);
    if (!m) continue;
    try { process.kill(Number(m[1]), 0); } catch { try { sh(`ip netns del ${n}`); } catch { /* raced */ } }
  }
}

function buildNetwork() {
  removeStaleNamespaces();
  sh(`ip netns add ${NS}`);
  sh(`ip link add ${VETH}s type veth peer name ${VETH}c`);
  sh(`ip link set ${VETH}c netns ${NS}`);
  sh(`ip addr add ${SERVER_IP}/24 dev ${VETH}s && ip link set ${VETH}s up`);
  inClient(`ip link set lo up && ip addr add ${CLIENT_IP}/24 dev ${VETH}c && ip link set ${VETH}c up`
    + ` && ip route add ${PUBLIC_IP}/32 dev ${VETH}c`);
  const rules = `
table inet blockudp {
  chain out { type filter hook output priority 0; policy accept; meta l4proto udp counter drop; }
  chain in { type filter hook input priority 0; policy accept; meta l4proto udp counter drop; }
}
table ip onetoone {
  chain out { type nat hook output priority -100; policy accept; ip daddr ${PUBLIC_IP} dnat to ${SERVER_IP}; }
}
`;
  writeFileSync(join(dir, 'client.nft'), rules);
  sh(`ip netns exec ${NS} nft -f ${join(dir, 'client.nft')}`);
}

function teardownNetwork() {
  try { sh(`ip netns del ${NS}`); } catch { /* not created */ }
  try { sh(`ip link del ${VETH}s`); } catch { /* went with the namespace */ }
}

// The shipped conf/turnserver.conf with only what this network needs replaced: addresses,
// secret, certificate, logging. So the example is proven to start coturn and to work with
// anteroom's credentials.
function coturnConfig() {
  const example = readFileSync(join(SOURCE_DIR, 'conf', 'turnserver.conf'), 'utf8');
  const replaced = new Set(['listening-ip', 'relay-ip', 'static-auth-secret', 'cert', 'pkey',
    'syslog', 'log-file', 'pidfile']);
  const kept = example.split('\n').filter((l) => {
    const t = l.trim();
    return t && !t.startsWith('#') && !replaced.has(t.split('=')[0]);
  });
  for (const must of ['use-auth-secret', 'no-multicast-peers', 'denied-peer-ip=10.0.0.0-10.255.255.255',
    'tls-listening-port=443', 'listening-port=3478']) {
    assert.ok(kept.includes(must), `conf/turnserver.conf keeps ${must}`);
  }
  sh(`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=turn.test`
    + ` -keyout ${join(dir, 'turn.key')} -out ${join(dir, 'turn.pem')} 2>/dev/null`);
  return [...kept,
    `listening-ip=${SERVER_IP}`, `relay-ip=${SERVER_IP}`, `static-auth-secret=${SECRET}`,
    `cert=${join(dir, 'turn.pem')}`, `pkey=${join(dir, 'turn.key')}`,
    `log-file=${join(dir, 'turn.log')}`, 'simple-log', `pidfile=${join(dir, 'turn.pid')}`,
    // anteroom's media address is private in this test network, which the example denies.
    `allowed-peer-ip=${SERVER_IP}`, ''].join('\n');
}

async function waitTcp(host, port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((res) => {
      const s = net.connect({ host, port }, () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${host}:${port}:\n${coturnLog}`);
}

async function startCoturn() {
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(conf, coturnConfig());
  coturn = spawn('turnserver', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  coturn.stdout.on('data', (d) => (coturnLog += d));
  coturn.stderr.on('data', (d) => (coturnLog += d));
  await waitTcp(SERVER_IP, 3478, 10000);
}

async function launchClientChromium() {
  // playwright talks to the browser over a pipe, so it can live in the client namespace.
  const wrapper = join(dir, 'chromium-in-client');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NS} /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: wrapper, headless: false, ignoreHTTPSErrors: true,
    args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=https://${SERVER_IP}`],
  });
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'anteroom-turn-'));
  buildNetwork();
  await startCoturn();
  server = await Anteroom.startDemo({
    server: { listen_address: '0.0.0.0' },
    turn: { uris: `${TURN_UDP}, ${TURN_TCP}, ${TURN_TLS}`, secret: SECRET, ttl_seconds: 600 },
  });
  natServer = await Anteroom.startDemo({
    server: { listen_address: '0.0.0.0' }, media: { public_ip: PUBLIC_IP },
  });
  browser = await launchClientChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await natServer?.stop();
  if (coturn && coturn.exitCode === null) {
    coturn.kill('SIGTERM');
    await new Promise((r) => coturn.once('exit', r));
  }
  if (!skip) teardownNetwork();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function waitFor(fn, pred, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let v;
  while (Date.now() < deadline) {
    v = await fn();
    if (pred(v)) return v;
    await sleep(100);
  }
  return v;
}

async function joinPatient(srv) {
  const ws = new SignalingClient(srv.wsUrl);
  await ws.opened;
  const joined = await ws.request('join', { token: srv.links.patient.token });
  assert.equal(joined.type, 'joined', JSON.stringify(joined));
  return { ws, joined };
}

// Device-check echo from the client namespace; returns what the page decoded and the pair used.
async function echoFromClient(srv, rtcConfig, ws) {
  const page = await browser.newPage();
  try {
    await page.goto(`https://${SERVER_IP}:${srv.port}/`);
    await setupPagePeer(page, { rtcConfig });
    const pump = await negotiate(page, ws, 'device_check');
    const state = await ws.waitFor((m) => m.type === 'media.state' && (m.state === 'connected' || m.state === 'failed'), 20000);
    assert.equal(state.state, 'connected', `ICE/DTLS over the UDP-less network: ${JSON.stringify(state)}\n${srv.log.slice(-3000)}`);
    const stats = await waitFor(() => inboundStats(page), (s) => s.framesDecoded > 30 && (s.audioEnergy > 0 || s.audioPeak > 0.01), 10000);
    const pair = await selectedPair(page);
    await pump.stop();
    return { stats, pair };
  } finally {
    await page.close();
  }
}

test('the client namespace really drops UDP but passes TCP', { skip }, async () => {
  const sock = dgram.createSocket('udp4');
  let got = 0;
  sock.on('message', () => got++);
  await new Promise((r) => sock.bind(0, SERVER_IP, r));
  const { port } = sock.address();
  const send = `require("dgram").createSocket("udp4").send("x", ${port}, "${SERVER_IP}", (e) => process.exit(0))`;
  execFileSync('ip', ['netns', 'exec', NS, process.execPath, '-e', send]);
  await sleep(300);
  sock.close();
  assert.equal(got, 0, 'a UDP datagram from the client reached the server');
  const counters = inClient('nft list table inet blockudp');
  assert.match(counters, /counter packets [1-9]/, 'the nftables rule dropped it');
  // TCP from the client namespace to anteroom gets through.
  const connect = `require("net").connect(${server.port}, "${SERVER_IP}", () => process.exit(0)).on("error", () => process.exit(1))`;
  execFileSync('ip', ['netns', 'exec', NS, process.execPath, '-e', connect], { timeout: 5000 });
});

test('join hands out time-limited TURN credentials made from the secret, never the secret', { skip }, async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const ws = new SignalingClient(server.wsUrl);
  await ws.opened;
  const raw = [];
  ws.ws.on('message', (d) => raw.push(d.toString()));
  const joined = await ws.request('join', { token: server.links.patient.token });
  assert.equal(joined.ice_servers.length, 1);
  const [ice] = joined.ice_servers;
  assert.deepEqual(ice.urls, [TURN_UDP, TURN_TCP, TURN_TLS]);
  const [expiry, id] = ice.username.split(':');
  assert.equal(id, joined.participant_id, 'the opaque id is the participant id');
  assert.ok(Number(expiry) >= t0 + 600 && Number(expiry) <= t0 + 602, `expiry ${expiry} is now + ttl_seconds`);
  assert.equal(ice.credential, turnCredential(SECRET, Number(expiry), id).credential);
  assert.ok(!raw.join('').includes(SECRET), 'the secret is never sent');
  await ws.close();

  // Without [turn] the list is empty.
  const plain = await joinPatient(natServer);
  assert.deepEqual(plain.joined.ice_servers, []);
  await plain.ws.close();
});

// Relay-only echo through one of the join reply's TURN URIs, with the join's credentials.
async function echoThroughTurn(uri, relayProtocol) {
  const { ws, joined } = await joinPatient(server);
  const [ice] = joined.ice_servers;
  const { stats, pair } = await echoFromClient(server,
    { iceServers: [{ ...ice, urls: [uri] }], iceTransportPolicy: 'relay' }, ws);
  assert.ok(stats.framesDecoded > 30, `frames decoded through ${uri}: ${JSON.stringify(stats)}`);
  assert.ok(stats.audioEnergy > 0 || stats.audioPeak > 0.01, `audio through ${uri}: ${JSON.stringify(stats)}`);
  assert.equal(pair.local.candidateType, 'relay', JSON.stringify(pair));
  assert.equal(pair.local.relayProtocol, relayProtocol, JSON.stringify(pair));
  await ws.close();
}

test('TURN over TCP: relay-only Chromium behind a UDP block decodes the echo', { skip }, async () => {
  await echoThroughTurn(TURN_TCP, 'tcp');
});

test('TURN over TLS on 443: relay-only Chromium behind a UDP block decodes the echo', { skip }, async () => {
  await echoThroughTurn(TURN_TLS, 'tls');
});

test('ICE-TCP: Chromium without TURN behind a UDP block reaches anteroom directly', { skip }, async () => {
  const { ws } = await joinPatient(server);
  const { stats, pair } = await echoFromClient(server, {}, ws);
  assert.ok(stats.framesDecoded > 30, `frames decoded over ICE-TCP: ${JSON.stringify(stats)}`);
  assert.ok(stats.audioEnergy > 0 || stats.audioPeak > 0.01, `audio over ICE-TCP: ${JSON.stringify(stats)}`);
  assert.equal(pair.local.protocol, 'tcp', JSON.stringify(pair));
  assert.equal(pair.remote.address, SERVER_IP, JSON.stringify(pair));
  await ws.close();
});

test('public_ip: candidates announce it and media flows through the 1:1 NAT', { skip }, async () => {
  const { ws } = await joinPatient(natServer);
  const seen = [];
  ws.ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'media.answer') seen.push(...m.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2)));
    if (m.type === 'media.candidate' && m.candidate) seen.push(m.candidate);
  });
  const { stats, pair } = await echoFromClient(natServer, {}, ws);
  assert.ok(seen.length > 0, 'the server announced candidates');
  for (const c of seen) assert.equal(c.split(' ')[4], PUBLIC_IP, `candidate announces public_ip: ${c}`);
  assert.ok(seen.some((c) => / tcp /i.test(c)), `an ICE-TCP candidate among ${seen.join(' | ')}`);
  assert.ok(stats.framesDecoded > 30, `frames decoded via the NAT: ${JSON.stringify(stats)}`);
  assert.equal(pair.remote.address, PUBLIC_IP, JSON.stringify(pair));
  await ws.close();
});

// Gathers with only the TURN/TCP server and these credentials: relay candidates and errors.
async function gatherRelay(iceServer) {
  const page = await browser.newPage();
  try {
    await page.goto(`https://${SERVER_IP}:${server.port}/`);
    return await page.evaluate(async (iceServer) => {
      const pc = new RTCPeerConnection({ iceServers: [iceServer], iceTransportPolicy: 'relay' });
      const out = { relay: 0, errors: [] };
      pc.onicecandidate = (e) => { if (e.candidate && e.candidate.type === 'relay') out.relay++; };
      pc.onicecandidateerror = (e) => out.errors.push(e.errorCode);
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      const deadline = Date.now() + 8000;
      while (pc.iceGatheringState !== 'complete' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      pc.close();
      return out;
    }, iceServer);
  } finally {
    await page.close();
  }
}

test('coturn refuses expired and forged credentials and accepts fresh ones', { skip }, async () => {
  const now = Math.floor(Date.now() / 1000);
  const fresh = await gatherRelay({ urls: TURN_TCP, ...turnCredential(SECRET, now + 300, 'par_probe') });
  assert.ok(fresh.relay > 0, `fresh credentials allocate a relay: ${JSON.stringify(fresh)}`);
  const expired = await gatherRelay({ urls: TURN_TCP, ...turnCredential(SECRET, now - 60, 'par_probe') });
  assert.equal(expired.relay, 0, `expired credentials got a relay: ${JSON.stringify(expired)}`);
  assert.ok(expired.errors.includes(401), `coturn answered 401: ${JSON.stringify(expired)}`);
  const forged = await gatherRelay({ urls: TURN_TCP, ...turnCredential('not-the-secret-000000', now + 300, 'par_probe') });
  assert.equal(forged.relay, 0, `a credential from another secret got a relay: ${JSON.stringify(forged)}`);
});

