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
TB_PID=""
cleanup() {
  "$TORNET" stop --dir "$WORK/tornet" 2>/dev/null || true
  if [ -n "$TB_PID" ]; then kill -TERM "$TB_PID" 2>/dev/null || true; wait "$TB_PID" 2>/dev/null || true; fi
  [ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

cd "$ROOT"
go build -o "$WORK/darkwatch" ./cmd/darkwatch
"$WORK/darkwatch" testbed --hs-dir "$WORK/hs" --markets "${E2E_MARKETS:-4}" --listings 20 \
  >"$WORK/testbed.json" 2>"$WORK/testbed.log" &
TB_PID=$!
for _ in $(seq 300); do [ -s "$WORK/testbed.json" ] && break; sleep 0.1; done
HTTP=$(grep -o '"http":"[^"]*"' "$WORK/testbed.json" | head -1 | cut -d'"' -f4)
[ -n "$HTTP" ] || { echo "e2e: testbed did not start" >&2; cat "$WORK/testbed.log" >&2; exit 1; }

export TORNET_OWNER_PID=$$
eval "$("$TORNET" start --dir "$WORK/tornet" --clients "${E2E_CLIENTS:-2}" --hs-dir "$WORK/hs" --hs-target "$HTTP")"
# Every testbed market must be among the published onions.
for u in $(grep -o '"url":"[^"]*"' "$WORK/testbed.json" | cut -d'"' -f4); do
  h=${u#http://}; h=${h%%/*}
  case ",$DARKWATCH_TORNET_ONIONS," in *",$h,"*) ;; *) echo "e2e: market $h not published (tor computed other onion names: $DARKWATCH_TORNET_ONIONS)" >&2; exit 1 ;; esac
done
go test -count=1 -run 'E2E' "$@" ./crawler/tor/
