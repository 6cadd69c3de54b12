#!/usr/bin/env bash
# pool_e2e.sh: run the production Tor client pool (torrc.tmpl rendered by tor-pool.sh,
# unchanged except for the private network's directory lines) on the private Tor network
# of deploy/tornet, with the market testbed published as onion services, and crawl it with
# `darkwatch crawl` through that pool. Proves the production torrc (ExtendedErrors,
# IsolateSOCKSAuth, OnionTrafficOnly, ClientOnly, cookie auth) works with darkwatch's pool:
# health checks over the control port, per-market isolation, fetches of onion markets.
#
#   deploy/tor/pool_e2e.sh            Env: POOL_N (default 2), POOL_KEEP=1 keeps the work dir,
#                                     DARKWATCH_BIN (default: go build)
# Needs tor, tor-gencert, python3 with PyYAML. Everything started here is stopped on exit,
# by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/darkwatch-pool-e2e.XXXXXX)
TORNET=$ROOT/deploy/tornet/tornet.sh
POOL=$ROOT/deploy/tor/tor-pool.sh
N=${POOL_N:-2}
PIDS=()
log() { echo "pool_e2e: $*" >&2; }
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	"$TORNET" stop --dir "$WORK/tornet" >/dev/null 2>&1 || true
	[[ ${POOL_KEEP:-0} = 1 ]] && log "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

BIN=${DARKWATCH_BIN:-}
if [[ -z $BIN ]]; then
	BIN=$WORK/darkwatch
	(cd "$ROOT" && go build -o "$BIN" ./cmd/darkwatch)
fi
export TORNET_OWNER_PID=$$
eval "$("$TORNET" start --dir "$WORK/tornet" --clients 1 --testbed "$BIN" \
	--testbed-args "--markets 2 --listings 10 --config-out $WORK/testbed.yaml --data-dir $WORK/data")"

# The private network's lines (directory authorities, TestingTorNetwork, ...) from the
# tornet client's torrc, without what the production template sets itself.
grep -v -E '^(SocksPort|ControlPort|CookieAuthentication|DataDirectory|Nickname|Log|SafeLogging|RunAsDaemon) ' \
	"$WORK/tornet/client1/torrc" >"$WORK/extra"

# Free base port: two consecutive free ports per instance.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=""
for ((try = 0; try < 50; try++)); do
	b=$((30000 + RANDOM % 20000))
	ok=1
	for ((k = 0; k < 2 * N; k++)); do port_free $((b + k)) || { ok=0; break; }; done
	[[ $ok = 1 ]] && { base=$b; break; }
done
[[ -n $base ]] || { log "no free ports"; exit 1; }

"$POOL" render "$N" "$WORK/pool" --base-port "$base" --extra "$WORK/extra" >"$WORK/endpoints.yaml"
"$POOL" verify "$WORK/pool" >&2
for ((i = 1; i <= N; i++)); do
	tor --defaults-torrc /dev/null -f "$WORK/pool/darkwatch-$i/torrc" --Log "notice stdout" >"$WORK/pool/darkwatch-$i/out.log" 2>&1 &
	PIDS+=($!)
done
log "pool of $N tor clients started (SOCKS from 127.0.0.1:$base)"
for ((t = 0; t < 240; t++)); do
	n=$(cat "$WORK"/pool/*/out.log 2>/dev/null | grep -c 'Bootstrapped 100' || true)
	[[ $n -ge $N ]] && break
	sleep 0.5
done
[[ ${n:-0} -ge $N ]] || { log "pool did not bootstrap in 120 s"; tail -n 20 "$WORK"/pool/*/out.log >&2; exit 1; }
log "pool bootstrapped"

# The testbed's config with tor.socks (its SOCKS emulator) replaced by the pool.
python3 - "$WORK/testbed.yaml" "$WORK/endpoints.yaml" "$WORK/crawl.yaml" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
eps = yaml.safe_load(open(sys.argv[2]))["tor"]["endpoints"]
cfg["tor"]["socks"] = []
cfg["tor"]["endpoints"] = eps
cfg["tor"]["isolation_secret"] = "pool-e2e-isolation"
yaml.safe_dump(cfg, open(sys.argv[3], "w"))
PY
"$BIN" config check -config "$WORK/crawl.yaml" >&2
log "crawling the testbed markets through the pool"
"$BIN" crawl -config "$WORK/crawl.yaml" --once --progress off >"$WORK/crawl.out" 2>"$WORK/crawl.err" || {
	log "crawl failed"; tail -n 30 "$WORK/crawl.err" >&2; exit 1
}
cat "$WORK/crawl.out"
pages=$(grep -o -E '[0-9]+ pages' "$WORK/crawl.out" | head -n 1 | grep -o -E '^[0-9]+' || echo 0)
listings=$("$BIN" search -config "$WORK/crawl.yaml" --json --limit 0 2>/dev/null | wc -l)
log "pages fetched: ${pages:-?}, listings indexed: $listings"
[[ $pages -gt 0 && $listings -gt 0 ]] || { log "FAIL: no listings through the pool"; tail -n 30 "$WORK/crawl.err" >&2; exit 1; }
log "PASS"
