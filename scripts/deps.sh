#!/usr/bin/env bash
# Installs what anteroom needs on Debian 12 — only what is missing, so a second run is quick.
#   scripts/deps.sh build   packages to build and run the server
#   scripts/deps.sh test    also browsers, coturn, Janus, clang/libFuzzer and the npm modules
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PKGS=(meson ninja-build pkg-config gcc libglib2.0-dev libnice-dev libsrtp2-dev libssl-dev
  libwebsockets-dev libwebsockets-evlib-glib libjson-glib-dev libsqlite3-dev libical-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-nice gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-tools openssl libsoup-3.0-dev glib-networking)
TEST_PKGS=(chromium firefox-esr coturn janus nftables iproute2 util-linux clang
  libclang-rt-14-dev sqlite3 curl python3 procps gstreamer1.0-plugins-ugly
  gnuplot-nox)

want=("${BUILD_PKGS[@]}")
[ "${1:-build}" = test ] && want+=("${TEST_PKGS[@]}")
command -v node >/dev/null || want+=(nodejs)
command -v npm >/dev/null || want+=(npm)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-build}" = test ]; then
  cd tests/integration
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci (tests/integration)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
