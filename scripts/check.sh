#!/usr/bin/env bash
# Runs every test suite and prints one closing line: "N passed, N failed[, N skipped]".
# Suites: unit tests and fuzz-corpus replays (meson), then the integration tests (node --test:
# real browsers and WebRTC stacks against a real anteroom) inside a private network namespace
# that holds only loopback; then the same unit tests and replays in a gcc ASan+UBSan build
# (build-asan), and a bounded libFuzzer run of every fuzz target (build-fuzz, clang).
# Environment: AR_FUZZ_SECONDS (seconds per fuzz target, default 5; 0 skips fuzzing),
# AR_SANITIZE=0 skips the sanitizer build, NINJA_JOBS limits ninja's parallelism.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT
STEP_TIMES=() STEP_START=$SECONDS

# Records how long the step that just ended took ("mark NAME" after inline steps).
mark() {
  STEP_TIMES+=("$1 $((SECONDS - STEP_START))s")
  STEP_START=$SECONDS
}

# Runs one step (a function) and records how long it took.
timed() {
  STEP_START=$SECONDS
  "$@"
  mark "${1%_step}"
}

# The unit tests and corpus replays again, built by gcc with AddressSanitizer (leaks included)
# and UndefinedBehaviorSanitizer; any report fails its test. Counted as asan/<test>.
sanitizer_step() {
  echo "== unit tests and fuzz-corpus replays under ASan+UBSan (gcc, build-asan)"
  if [ "${AR_SANITIZE:-1}" = 0 ]; then
    echo "1..1" > "$RESULTS/asan.tap"
    echo "ok 1 - sanitizer build # SKIP AR_SANITIZE=0" >> "$RESULTS/asan.tap"
    return
  fi
  if [ ! -f build-asan/build.ninja ] &&
    ! meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
      > "$RESULTS/asan-setup.txt" 2>&1; then
    tail -n 20 "$RESULTS/asan-setup.txt"
    printf '1..1\nnot ok 1 - sanitizer build: meson setup failed\n' > "$RESULTS/asan.tap"
    return
  fi
  rm -f build-asan/meson-logs/testlog.json
  if ! ninja -C build-asan ${NINJA_JOBS:+-j"$NINJA_JOBS"} > "$RESULTS/asan-ninja.txt" 2>&1; then
    tail -n 30 "$RESULTS/asan-ninja.txt"
    printf '1..1\nnot ok 1 - sanitizer build: ninja failed\n' > "$RESULTS/asan.tap"
    return
  fi
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    meson test -C build-asan --no-rebuild --suite unit --suite fuzz-replay --print-errorlogs \
    --num-processes 2 > "$RESULTS/asan.txt" 2>&1
  grep -E '^ *[0-9]+/[0-9]+ ' "$RESULTS/asan.txt" | grep -vE ' (OK|SKIP) ' | head -n 20
  grep -E -B2 -A20 '(ERROR: (Address|Leak)Sanitizer|runtime error:)' "$RESULTS/asan.txt" | head -n 120
  grep -E '^(Ok|Fail|Timeout):' "$RESULTS/asan.txt"
  cp build-asan/meson-logs/testlog.json "$RESULTS/asan.json" 2>/dev/null || true
}

# Every libFuzzer target for AR_FUZZ_SECONDS on a scratch copy of its corpus; one test per
# target, passing when it did not crash. A crash's reproducer stays in tests/fuzz/crashes/.
fuzz_step() {
  local seconds=${AR_FUZZ_SECONDS:-5}
  echo "== bounded fuzzing: ${seconds} s per target (clang, libFuzzer, ASan+UBSan, build-fuzz)"
  if [ "$seconds" = 0 ]; then
    printf '1..1\nok 1 - fuzzing # SKIP AR_FUZZ_SECONDS=0\n' > "$RESULTS/fuzz.tap"
    return
  fi
  scripts/fuzz.sh --seconds "$seconds" --fresh --work "$RESULTS/fuzz-corpus" --no-record \
    --tap "$RESULTS/fuzz.tap" > "$RESULTS/fuzz.txt" 2>&1
  grep -vE '^fuzz: (results|[0-9]+ targets)' "$RESULTS/fuzz.txt" | tail -n 80
  rm -rf "$RESULTS/fuzz-corpus"
}

echo "== unit tests and fuzz-corpus replays (meson test)"
meson test -C "$BUILD" --print-errorlogs --num-processes 2 > "$RESULTS/meson.txt" 2>&1
tail -n 25 "$RESULTS/meson.txt"
cp "$BUILD/meson-logs/testlog.json" "$RESULTS/meson.json" 2>/dev/null || true
mark meson

echo "== integration tests (node --test, in unshare -n)"
export ANTEROOM_BIN="$PWD/$BUILD/anteroom"
unshare -n -- sh -c 'ip link set lo up && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 2>/dev/null;
  cd tests/integration && exec node --test --test-reporter=tap --test-concurrency=1 *.test.mjs' \
  > "$RESULTS/node.tap" 2>&1
grep -E '^(not ok|# (pass|fail|skipped|duration))' "$RESULTS/node.tap" | tail -n 40
grep -B2 -A30 '^not ok' "$RESULTS/node.tap" | head -n 200
mark integration

timed sanitizer_step
timed fuzz_step
echo "== step times: ${STEP_TIMES[*]}"

# The sanitizer step leaves meson's log, or a TAP line saying why it did not run.
asan_results=$RESULTS/asan.json
[ -f "$RESULTS/asan.tap" ] && asan_results=$RESULTS/asan.tap
python3 scripts/summarize.py "$RESULTS/meson.json" "$RESULTS/node.tap" \
  --label asan "$asan_results" --label "" "$RESULTS/fuzz.tap"
