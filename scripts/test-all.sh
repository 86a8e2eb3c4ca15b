#!/usr/bin/env bash
# Every test, from a fresh machine (Debian, Node 20): installs what it needs, then runs the gate.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium (for the end-to-end tests and the Node WebGPU tests)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium libvulkan1 >/dev/null
fi

echo "== npm ci"
npm ci --no-audit --no-fund

echo "== npm test (type-check, lint, unit tests, build, end-to-end tests)"
npm test
