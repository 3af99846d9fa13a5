// Issue 5: with 5 % of all UDP packets dropped (both directions, nftables in the test's own
// network namespace), a two-party visit keeps decoding video: NACK/RTX and keyframe requests
// recover losses instead of freezing the picture. (This kernel has no netem, so loss is the
// fault we can inject here; delay and jitter are not.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function runScenario(lossPct, seconds) {
  const nft = lossPct > 0
    ? `nft add table inet lossy && nft add chain inet lossy out '{ type filter hook output priority 0; }' && nft add rule inet lossy out meta l4proto udp numgen random mod 100 lt ${lossPct} drop && `
    : '';
  const r = spawnSync('unshare', ['-n', 'sh', '-c',
    `ip link set lo up && ${nft}exec node scenarios/visit-loss.mjs ${seconds}`],
  { cwd: here, encoding: 'utf8', timeout: 90000, env: process.env });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `scenario failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line);
}

test('5 % packet loss: video keeps decoding on both sides', () => {
  const { seconds, result } = runScenario(5, 10);
  for (const r of result) {
    console.log(`# ${r.who}: ${r.frames} frames in ${seconds} s, longest gap ${r.maxGapMs} ms`);
    // ~30 fps sent: most frames arrive (retransmitted when lost) and no long freeze.
    assert.ok(r.frames > seconds * 15, `${r.who} decoded ${r.frames} frames in ${seconds} s`);
    assert.ok(r.maxGapMs < 1500, `${r.who} froze for ${r.maxGapMs} ms`);
    assert.ok(r.energy > 0, `${r.who} hears the other`);
  }
});
