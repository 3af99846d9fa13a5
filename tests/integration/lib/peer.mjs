// Runs anteroom-peer (pipelines/peer/main.c), the GStreamer webrtcbin participant, and
// collects its JSON report lines: `reports` (one per interval) and `final` (the verdict).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { BINARY } from './anteroom.mjs';

export const PEER_BINARY = process.env.ANTEROOM_PEER_BIN || join(dirname(BINARY), 'pipelines', 'anteroom-peer');

// The two SRTP protection profiles anteroom negotiates (docs/protocol.md, Media).
export const SRTP_PROFILES = ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_SHA1_80'];

// True when a GStreamer element is installed (e.g. x264enc, from gstreamer1.0-plugins-ugly).
export function hasGstElement(name) {
  return spawnSync('gst-inspect-1.0', ['--exists', name]).status === 0;
}

export function runPeer(args, { timeoutMs = 30000 } = {}) {
  return new Promise((res) => {
    const p = spawn(PEER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      const lines = out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      res({ code, signal, stdout: out, stderr: err,
        reports: lines.filter((l) => !l.final), final: lines.find((l) => l.final) });
    });
  });
}
