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
  // A control run without loss in the same environment first: on a loaded machine both runs
  // decode fewer frames, so the loss run is judged against the control, not a fixed rate.
  const control = runScenario(0, 10);
  const { seconds, result } = runScenario(5, 10);
  for (const r of result) {
    const c = control.result.find((x) => x.who === r.who);
    console.log(`# ${r.who}: ${r.frames} frames in ${seconds} s with 5 % loss (control ${c.frames}), ` +
      `freezes > 1 s: ${r.freezes} (control ${c.freezes}), longest gap ${r.maxGapMs} ms`);
    // NACK/RTX and keyframe requests keep most frames coming and the picture from freezing.
    assert.ok(r.frames >= 0.7 * c.frames, `${r.who} decoded ${r.frames} frames, control ${c.frames}`);
    assert.ok(r.freezes <= c.freezes + 1, `${r.who} froze ${r.freezes} times, control ${c.freezes}`);
    assert.ok(r.energy > 0, `${r.who} hears the other`);
  }
});
