#!/usr/bin/env bash
# Runs every test suite and prints one closing line: "N passed, N failed[, N skipped]".
# Suites: unit tests and fuzz-corpus replays (meson), then the integration tests (node --test:
# real browsers and WebRTC stacks against a real anteroom) inside a private network namespace
# that holds only loopback.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

echo "== unit tests and fuzz-corpus replays (meson test)"
meson test -C "$BUILD" --print-errorlogs --num-processes 2 > "$RESULTS/meson.txt" 2>&1
tail -n 25 "$RESULTS/meson.txt"
cp "$BUILD/meson-logs/testlog.json" "$RESULTS/meson.json" 2>/dev/null || true

echo "== integration tests (node --test, in unshare -n)"
export ANTEROOM_BIN="$PWD/$BUILD/anteroom"
unshare -n -- sh -c 'ip link set lo up && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 2>/dev/null;
  cd tests/integration && exec node --test --test-reporter=tap --test-concurrency=1 *.test.mjs' \
  > "$RESULTS/node.tap" 2>&1
grep -E '^(not ok|# (pass|fail|skipped|duration))' "$RESULTS/node.tap" | tail -n 40
grep -B2 -A30 '^not ok' "$RESULTS/node.tap" | head -n 200

python3 scripts/summarize.py "$RESULTS/meson.json" "$RESULTS/node.tap"
