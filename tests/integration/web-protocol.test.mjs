// Issue 9: the web client speaks the server's protocol. Every message type the pages send
// (sig.request) must be served by a route table the server dispatches and documented in
// docs/protocol.md; every type they listen for (sig.on) must be one the server emits and
// documented too; every /api path they fetch must be a registered HTTP route. A live server
// then answers each sent type without `unknown_type`. Written after the pages had drifted
// (login over the WebSocket, offer.new/offer.accept, slots.subscribe, visit.muted, …).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_DIR, Anteroom } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';

const JS_DIR = join(SOURCE_DIR, 'web-client', 'js');
const read = (...p) => readFileSync(join(SOURCE_DIR, ...p), 'utf8');

// What one page script sends and listens for. A call whose type is not a string literal is
// reported too: a computed type could hide drift from this test.
export function clientMessages(source) {
  const sends = new Set(), handles = new Set(), dynamic = [];
  for (const m of source.matchAll(/\bsig\.(request|on)\(\s*([^,)]*)/g)) {
    const lit = /^'([^']+)'$|^"([^"]+)"$/.exec(m[2].trim());
    if (!lit) { dynamic.push(`sig.${m[1]}(${m[2].trim()}`); continue; }
    (m[1] === 'request' ? sends : handles).add(lit[1] || lit[2]);
  }
  const fetches = [...source.matchAll(/\bfetch\(\s*'(\/[^'?]*)/g)].map((m) => m[1]);
  return { sends, handles, dynamic, fetches };
}

// Types the server dispatches: the entries of every ArSignalingRoute table that signaling.c
// lists in route_tables (a table defined but not listed serves nothing).
function servedTypes() {
  const dir = join(SOURCE_DIR, 'signaling');
  const tables = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/ArSignalingRoute\s+(\w+)\[\]\s*=\s*\{([\s\S]*?)\n\};/g))
      tables.set(m[1], [...m[2].matchAll(/\{\s*"([^"]+)"\s*,/g)].map((x) => x[1]));
  }
  const list = /route_tables\[\]\s*=\s*\{([\s\S]*?)\};/.exec(read('signaling', 'signaling.c'));
  assert.ok(list, 'signaling.c has route_tables');
  const served = new Set();
  for (const name of list[1].match(/\w+/g)) {
    assert.ok(tables.has(name), `route table ${name} not found`);
    for (const t of tables.get(name)) served.add(t);
  }
  return served;
}

// All C source of the server, where every event type it sends is spelled as a string.
function serverSource() {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.[ch]$/.test(e.name)) out.push(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(join(SOURCE_DIR, 'signaling'));
  walk(join(SOURCE_DIR, 'server'));
  return out.join('\n');
}

function httpRoutes() {
  const routes = [];
  for (const src of [serverSource()])
    for (const m of src.matchAll(/ar_http_server_route\([^,]+,\s*"([^"]+)",\s*(TRUE|FALSE)/g))
      routes.push({ path: m[1], prefix: m[2] === 'TRUE' });
  return routes;
}

function pages() {
  const all = { sends: new Map(), handles: new Map(), dynamic: [], fetches: new Map() };
  for (const f of readdirSync(JS_DIR).filter((n) => n.endsWith('.js'))) {
    const c = clientMessages(readFileSync(join(JS_DIR, f), 'utf8'));
    for (const t of c.sends) all.sends.set(t, [...(all.sends.get(t) || []), f]);
    for (const t of c.handles) all.handles.set(t, [...(all.handles.get(t) || []), f]);
    for (const p of c.fetches) all.fetches.set(p, [...(all.fetches.get(p) || []), f]);
    all.dynamic.push(...c.dynamic.map((d) => `${f}: ${d}`));
  }
  return all;
}

// Events the Signaling class makes up itself (this.#emit in signaling.js), not the server's.
function localEvents() {
  const src = readFileSync(join(JS_DIR, 'signaling.js'), 'utf8');
  return new Set([...src.matchAll(/#emit\(\s*'([^']+)'/g)].map((m) => m[1]));
}

const documented = (doc, type) => doc.includes(`\`${type}\``) || doc.includes(`"type":"${type}"`);
const emitted = (src, type) => src.includes(`"${type}"`) || src.includes(`\\"type\\":\\"${type}\\"`);

test('the extractor sees literal, computed and missing types (the drift check can fail)', () => {
  const c = clientMessages(`sig.request('offer.accept', {}); this.sig.on("offer.new", f);
    sig.request(on ? 'a' : 'b'); await fetch('/api/nothing', {});`);
  assert.deepEqual([...c.sends], ['offer.accept']);
  assert.deepEqual([...c.handles], ['offer.new']);
  assert.equal(c.dynamic.length, 1);
  assert.deepEqual(c.fetches, ['/api/nothing']);
  const served = servedTypes();
  assert.ok(!served.has('offer.accept') && served.has('offer.confirm'));
  assert.ok(!documented(read('docs', 'protocol.md'), 'offer.accept'));
});

test('every type the pages send is served by the server and documented in protocol.md', () => {
  const { sends, dynamic } = pages();
  const served = servedTypes();
  const doc = read('docs', 'protocol.md');
  assert.deepEqual(dynamic, [], 'message types must be string literals');
  assert.ok(sends.size > 20, `only ${sends.size} sent types found: the extractor broke`);
  const unserved = [...sends].filter(([t]) => !served.has(t)).map(([t, f]) => `${t} (${f})`);
  const undocumented = [...sends].filter(([t]) => !documented(doc, t)).map(([t, f]) => `${t} (${f})`);
  assert.deepEqual(unserved, [], 'sent by the pages but no route on the server');
  assert.deepEqual(undocumented, [], 'sent by the pages but not in docs/protocol.md');
});

test('every type the pages listen for is sent by the server and documented in protocol.md', () => {
  const { handles } = pages();
  const local = localEvents();
  const src = serverSource();
  const doc = read('docs', 'protocol.md');
  assert.ok(local.has('lost') && local.has('signed_out'));
  const server = [...handles].filter(([t]) => !local.has(t));
  assert.ok(server.length > 20, `only ${server.length} handled types found: the extractor broke`);
  const never = server.filter(([t]) => !emitted(src, t)).map(([t, f]) => `${t} (${f})`);
  const undocumented = server.filter(([t]) => !documented(doc, t)).map(([t, f]) => `${t} (${f})`);
  assert.deepEqual(never, [], 'listened for by the pages but never sent by the server');
  assert.deepEqual(undocumented, [], 'listened for by the pages but not in docs/protocol.md');
});

test('every /api path the pages fetch is a registered HTTP route', () => {
  const { fetches } = pages();
  const routes = httpRoutes();
  assert.ok(fetches.has('/api/login'), 'the console signs in over HTTPS');
  const missing = [...fetches].filter(([p]) => !routes.some((r) => (r.prefix ? p.startsWith(r.path) : p === r.path)))
    .map(([p, f]) => `${p} (${f})`);
  assert.deepEqual(missing, []);
});

test('a live server knows every type the pages send (no unknown_type)', { timeout: 60000 }, async () => {
  const { sends } = pages();
  const server = await Anteroom.startDemo();
  try {
    // Unjoined, each request is refused for what it is (unauthenticated, bad_message, …),
    // never as an unknown type. A fresh connection every few requests: 20 refusals close one.
    const types = [...sends.keys()].filter((x) => x !== 'join');
    const unknown = [];
    for (let i = 0; i < types.length; i += 8) {
      const c = new SignalingClient(server.wsUrl);
      await c.opened;
      for (const t of types.slice(i, i + 8)) {
        const r = await c.request(t, {});
        if (r.type === 'error' && r.code === 'unknown_type') unknown.push(t);
      }
      if (i === 0) assert.equal((await c.request('no.such.type', {})).code, 'unknown_type', 'the probe itself can tell');
      c.close();
    }
    assert.deepEqual(unknown, []);
  } finally {
    await server.stop();
  }
});
