#!/usr/bin/env bash
# Soak test (issue 12): 50 participants at a time join the demo clinic, run media through the
# server (libwebrtc in node, device check or visit) and leave, for 30 minutes; the server's RSS
# is sampled every minute. Passes when the server never died and its RSS grew by less than 5 %
# from the end of the warm-up (the first third) to the end. Runs in a private network namespace
# holding only loopback. Environment: SOAK_MINUTES (30), SOAK_VISITS (50), SOAK_SAMPLE (60 s).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export ANTEROOM_BIN=${ANTEROOM_BIN:-$PWD/$BUILD/anteroom}
exec unshare -n -- sh -c "ip link set lo up && cd tests/integration && exec node scenarios/soak.mjs \
  --minutes ${SOAK_MINUTES:-30} --visits ${SOAK_VISITS:-50} --sample ${SOAK_SAMPLE:-60}"
