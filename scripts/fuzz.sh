#!/usr/bin/env bash
# `make fuzz`: builds every libFuzzer target listed in tests/fuzz/meson.build with clang, ASan and
# UBSan (build-fuzz), runs each for SECONDS_PER_TARGET seconds on a working copy of its seed
# corpus, and appends a dated table to tests/fuzz/RESULTS.md. Exits non-zero if any target
# crashed; the reproducer stays in tests/fuzz/crashes/<target>/.
#
#   scripts/fuzz.sh [options] [target...]      (default: every target)
#     --seconds N   seconds per target (default $SECONDS_PER_TARGET, else 600)
#     --merge       afterwards, minimise what was found into the committed corpus (-merge=1);
#                   without it the committed corpus is never written
#     --fresh       start the working corpora again from the committed seeds
#     --work DIR    working corpora (default tests/fuzz/corpus-work, kept between runs)
#     --tap FILE    also write one TAP line per target (pass = no crash), for make check
#     --no-record   do not append to tests/fuzz/RESULTS.md
# Environment: FUZZ_BUILD (default build-fuzz), NINJA_JOBS (ninja -j; default ninja's own).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${SECONDS_PER_TARGET:-600}
merge=0 fresh=0 record=1 tap="" work=tests/fuzz/corpus-work
build=${FUZZ_BUILD:-build-fuzz}
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    --merge) merge=1 ;;
    --fresh) fresh=1 ;;
    --work) work=$2; shift ;;
    --tap) tap=$2; shift ;;
    --no-record) record=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz: --seconds needs a whole number" >&2; exit 2 ;; esac

# The target list has one home, tests/fuzz/meson.build: read it rather than repeat it here.
all_targets() {
  sed -n '/^fuzz_targets = \[/,/^\]/p' tests/fuzz/meson.build | grep -oE "'[a-z0-9_]+'" | tr -d "'"
}
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(all_targets)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets in tests/fuzz/meson.build" >&2; exit 2; }

fuzz_toolchain_ok() {
  command -v clang >/dev/null || return 1
  local probe
  probe=$(mktemp -d)
  printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' \
    > "$probe/p.c"
  clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null
  local rc=$?
  rm -rf "$probe"
  return $rc
}

build_targets() {
  if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
      > "$build.setup.log" 2>&1 || { cat "$build.setup.log" >&2; return 1; }
    rm -f "$build.setup.log"
  fi
  local outputs=()
  for t in "${targets[@]}"; do outputs+=("tests/fuzz/fuzz_$t"); done
  ninja -C "$build" ${NINJA_JOBS:+-j"$NINJA_JOBS"} "${outputs[@]}" > "$build/fuzz-ninja.log" 2>&1 ||
    { tail -n 40 "$build/fuzz-ninja.log" >&2; return 1; }
}

# Figures from a libFuzzer log (its last status line and -print_final_stats), as
# "execs exec_per_s cov corpus_units".
figures() {
  local log=$1 execs eps cov corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  cov=$(grep -oE ' cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
  corp=$(grep -oE ' corp: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
  echo "${execs:-0} ${eps:-0} ${cov:-0} ${corp:-0}"
}

thousands() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

# With --tap, a run that cannot start still reports every target: skipped without a toolchain,
# failed when the build breaks.
tap_all() {
  [ -n "$tap" ] || return 0
  echo "1..${#targets[@]}" > "$tap"
  local i=0
  for t in "${targets[@]}"; do i=$((i + 1)); echo "$1 $i - fuzz-$t$2" >> "$tap"; done
}

if ! fuzz_toolchain_ok; then
  echo "fuzz: clang with libFuzzer and sanitizers is missing (Debian: clang libclang-rt-14-dev)" >&2
  tap_all ok " # SKIP no clang with libFuzzer"
  exit 3
fi
if ! build_targets; then
  echo "fuzz: build failed" >&2
  tap_all "not ok" " (build-fuzz did not build)"
  exit 1
fi

# UBSan's checks would otherwise only print and carry on, and libFuzzer would not keep the input.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

mkdir -p "$work" tests/fuzz/crashes
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
rows=() failed=0 n=0
[ -z "$tap" ] || echo "1..${#targets[@]}" > "$tap"
for t in "${targets[@]}"; do
  n=$((n + 1))
  seeds=tests/fuzz/corpus/$t
  dir=$work/$t
  [ "$fresh" = 1 ] && rm -rf "$dir"
  mkdir -p "$dir" "tests/fuzz/crashes/$t"
  cp -n "$seeds"/* "$dir"/ 2>/dev/null
  n_seeds=$(find "$seeds" -type f | wc -l)
  before=$(find "tests/fuzz/crashes/$t" -type f | wc -l)
  start=$(date +%s)
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
    -rss_limit_mb=2560 -error_exitcode=77 -timeout_exitcode=77 \
    -artifact_prefix="tests/fuzz/crashes/$t/" "$dir" > "$logs/$t.log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  read -r execs eps cov corp <<< "$(figures "$logs/$t.log")"
  crashes=$(($(find "tests/fuzz/crashes/$t" -type f | wc -l) - before))
  [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
  rmdir "tests/fuzz/crashes/$t" 2>/dev/null
  if [ "$crashes" -eq 0 ]; then
    printf 'fuzz %-12s %4ss %14s execs %9s/s  cov %5s  corpus %5s  ok\n' "$t" "$took" \
      "$(thousands "$execs")" "$(thousands "$eps")" "$cov" "$corp"
    [ -z "$tap" ] || echo "ok $n - fuzz-$t ($took s, $execs executions, cov $cov)" >> "$tap"
  else
    failed=$((failed + 1))
    echo "fuzz $t: CRASH (exit $rc) after $took s; reproducer in tests/fuzz/crashes/$t/:"
    ls -1 "tests/fuzz/crashes/$t" | sed 's/^/  /'
    grep -E -A25 '^(==[0-9]+==ERROR|.*runtime error|==[0-9]+== ERROR|INFO: a leak)' "$logs/$t.log" |
      head -n 40 | sed 's/^/  | /'
    echo "  replay: $build/tests/fuzz/fuzz_$t tests/fuzz/crashes/$t/<file>"
    if [ -n "$tap" ]; then
      echo "not ok $n - fuzz-$t (crash after $took s, see tests/fuzz/crashes/$t/)" >> "$tap"
      grep -E -m3 '(ERROR|runtime error|deadly signal)' "$logs/$t.log" | sed 's/^/# /' >> "$tap"
    fi
  fi
  rows+=("| $t | $took | $(thousands "$execs") | $(thousands "$eps") | $cov | $n_seeds → $corp | $crashes |")
  if [ "$merge" = 1 ] && [ "$crashes" -eq 0 ]; then
    added_before=$(find "$seeds" -type f | wc -l)
    "$build/tests/fuzz/fuzz_$t" -merge=1 "$seeds" "$dir" > "$logs/$t.merge.log" 2>&1 ||
      { echo "fuzz $t: merge failed" >&2; tail -n 5 "$logs/$t.merge.log" >&2; failed=$((failed + 1)); }
    echo "fuzz $t: merged $(($(find "$seeds" -type f | wc -l) - added_before)) new inputs into $seeds"
  fi
done

if [ "$record" = 1 ]; then
  out=tests/fuzz/RESULTS.md
  if [ ! -f "$out" ]; then
    cat > "$out" <<'EOF'
# Fuzzing results

Appended by `make fuzz` (scripts/fuzz.sh): each libFuzzer target built with clang, ASan and UBSan
(build-fuzz), run alone for the stated time on a working copy of its seed corpus, on the 2-core
development machine (often shared). *cov* is libFuzzer's count of covered edges in the harness and
the instrumented core library; *corpus* is seed files → inputs in libFuzzer's corpus at the end
(it keeps one input per distinct set of features, so it can be smaller than the seed count);
*crashes* must be 0 (a crash keeps its reproducer in tests/fuzz/crashes/<target>/).
EOF
  fi
  {
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') · ${seconds} s per target · $(clang --version | head -n 1 | sed 's/ (.*//') · commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo '| target | seconds | executions | exec/s | cov | corpus | crashes |'
    echo '|---|---:|---:|---:|---:|---:|---:|'
    printf '%s\n' "${rows[@]}"
  } >> "$out"
  echo "fuzz: results appended to $out"
fi
rmdir tests/fuzz/crashes 2>/dev/null
echo "fuzz: ${#targets[@]} targets, $failed crashed"
[ "$failed" -eq 0 ]
