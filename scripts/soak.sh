#!/usr/bin/env bash
# Soak test (issue 12): 50 participants at a time join the demo clinic, run media through the
# server (libwebrtc in node, device check or visit) and leave, for 30 minutes; the server's RSS
# (VmRSS) is sampled every minute. Passes when the server never died and its RSS grew by less
# than 5 % from the end of the warm-up (the first third) to the end of the load. Afterwards it
# reports the idle RSS once the dropped participants' grace period is over (not judged).
# Runs in a private network namespace holding only loopback. Environment: SOAK_MINUTES (30),
# SOAK_VISITS (50), SOAK_SAMPLE (60 s), SOAK_IDLE (65 s); MALLOC_ARENA_MAX etc. reach the server.
# Prints `soak: summary:` lines and a closing JSON line (tests/RESULTS-reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export ANTEROOM_BIN=${ANTEROOM_BIN:-$PWD/$BUILD/anteroom}
echo "soak: $ANTEROOM_BIN, ${SOAK_MINUTES:-30} min, ${SOAK_VISITS:-50} participants, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exec unshare -n -- sh -c "ip link set lo up && cd tests/integration && exec node scenarios/soak.mjs \
  --minutes ${SOAK_MINUTES:-30} --visits ${SOAK_VISITS:-50} --sample ${SOAK_SAMPLE:-60} --idle ${SOAK_IDLE:-65}"
