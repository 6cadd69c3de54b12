#!/usr/bin/env bash
# A newcomer's first five minutes (`make run`): start the market testbed (simulated onion
# markets with ground truth), crawl it with the embedded default through the testbed's SOCKS
# endpoint, print a summary and the next commands to try. Everything lands under RUN_DIR.
#
#   RUN_DIR=./darkwatch-run LISTINGS=60 SEED=1 DAY=1 TRAPS=1 deploy/dev/run.sh
# Run it again with DAY=2 (same RUN_DIR) for the next day of the same world.
set -euo pipefail

BIN=${BIN:-bin/darkwatch}
RUN_DIR=${RUN_DIR:-./darkwatch-run}
LISTINGS=${LISTINGS:-60}
SEED=${SEED:-1}
DAY=${DAY:-1}
FAULTS=${FAULTS:-none}
TRAPS=${TRAPS:-1} # 1: links to login, message forms behind a CAPTCHA, a failing search (docs/testbed.md)

[[ -x $BIN ]] || { echo "run: $BIN missing; run 'make build' first" >&2; exit 2; }
mkdir -p "$RUN_DIR"
cfg="$RUN_DIR/darkwatch.yaml"
base="$RUN_DIR/base.yaml"

# A base config: data under RUN_DIR, the usual alert rules, and a fresh web UI login and API
# token for this run (random, printed at the end; only their hashes are stored).
rand() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
password=$(rand 16)
token=$(rand 32)
pw_hash=$(printf '%s\n' "$password" | "$BIN" hash-password)
tok_hash=$(printf '%s\n' "$token" | "$BIN" hash-password --token)
cat >"$base" <<YAML
data_dir: $RUN_DIR/data
alerts:
  rules:
    - {name: new-vendors, kind: new_vendor}
    - {name: new-substances, kind: new_substance}
    - {name: operators-on-new-markets, kind: vendor_on_new_market, severity: critical}
    - {name: price-moves, kind: price_change, threshold_pct: 20}
    - {name: gone, kind: listing_gone}
    - {name: nitazenes, kind: watch, families: [nitazene], severity: critical}
  notifiers:
    - {name: log, type: log}
serve:
  listen: 127.0.0.1:8080
  users: [{name: analyst, role: admin, password_hash: "$pw_hash"}]
  tokens: [{name: cli, role: analyst, token_hash: "$tok_hash"}]
YAML
ready="$RUN_DIR/testbed.ready.json"
rm -f "$ready"

traps=()
if [[ $TRAPS == 1 ]]; then traps=(--traps); fi

# The testbed runs until this script ends.
"$BIN" testbed --seed "$SEED" --day "$DAY" --listings "$LISTINGS" --faults "$FAULTS" \
	"${traps[@]}" \
	--truth "$RUN_DIR/truth.json" --config-out "$cfg" --config-base "$base" \
	>"$ready" 2>"$RUN_DIR/testbed.log" &
tb=$!
trap 'kill $tb 2>/dev/null || true; wait $tb 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
	[[ -s $ready ]] && break
	kill -0 $tb 2>/dev/null || { echo "run: the testbed exited; see $RUN_DIR/testbed.log" >&2; cat "$RUN_DIR/testbed.log" >&2; exit 1; }
	sleep 0.1
done
[[ -s $ready ]] || { echo "run: the testbed did not start in 10 s; see $RUN_DIR/testbed.log" >&2; exit 1; }
echo "testbed: $(head -c 300 "$ready")..."
echo "config:  $cfg (markets reached through the testbed's SOCKS5 endpoint, as through Tor)"
echo

# A second run on the same RUN_DIR is a new day's crawl of the same markets: fetch everything
# again (the frontier remembers what it saw) so changes and alerts show.
refresh=()
[[ -f $RUN_DIR/data/frontier.db ]] && refresh=(--refresh)
"$BIN" crawl -config "$cfg" --once "${refresh[@]}"

echo
echo "The crawl is stored under $RUN_DIR/data (index, frontier, WARC evidence). Try:"
echo "  $BIN search -config $cfg --family nitazene"
echo "  $BIN search -config $cfg --substance fentanyl --json --limit 5"
echo "  $BIN alerts -config $cfg"
echo "  $BIN serve  -config $cfg        # web UI on http://127.0.0.1:8080 (user analyst, password $password)"
echo "  curl -H 'Authorization: Bearer $token' 'http://127.0.0.1:8080/api/v1/search?family=nitazene'"
echo "  DAY=$((DAY + 1)) make run      # the same markets a day later: new vendors, substances, prices, alerts"
echo "Ground truth of this simulated world: $RUN_DIR/truth.json"
