#!/usr/bin/env bash
# e2e.sh: publish the testbed's markets as onion services on the private Tor
# network and run crawler/tor's end-to-end test through >= 2 Tor clients.
#
#   deploy/tornet/e2e.sh [go test flags...]      (from anywhere in the repo)
#
# Env: E2E_MARKETS (default 4), E2E_CLIENTS (default 2), E2E_KEEP=1 keeps the
# work directory. Everything started here is stopped on exit (by PID); the tor
# processes also exit by themselves if this script dies (__OwningControllerProcess).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/darkwatch-e2e.XXXXXX)
TORNET=$ROOT/deploy/tornet/tornet.sh
cleanup() {
  "$TORNET" stop --dir "$WORK/tornet" 2>/dev/null || true
  [ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

cd "$ROOT"
go build -o "$WORK/darkwatch" ./cmd/darkwatch
export TORNET_OWNER_PID=$$
eval "$("$TORNET" start --dir "$WORK/tornet" --clients "${E2E_CLIENTS:-2}" \
  --testbed "$WORK/darkwatch" --testbed-args "--markets ${E2E_MARKETS:-4} --listings 20")"
go test -count=1 -run 'E2E' "$@" ./crawler/tor/
