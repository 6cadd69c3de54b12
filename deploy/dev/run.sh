#!/usr/bin/env bash
# A newcomer's first five minutes (`make run`): start the market testbed (simulated onion
# markets with ground truth), crawl it with the embedded default through the testbed's SOCKS
# endpoint, print a summary and the next commands to try. Everything lands under RUN_DIR.
#
#   RUN_DIR=./darkwatch-run LISTINGS=60 SEED=1 DAY=1 deploy/dev/run.sh
set -euo pipefail

BIN=${BIN:-bin/darkwatch}
RUN_DIR=${RUN_DIR:-./darkwatch-run}
LISTINGS=${LISTINGS:-60}
SEED=${SEED:-1}
DAY=${DAY:-1}
FAULTS=${FAULTS:-none}

[[ -x $BIN ]] || { echo "run: $BIN missing; run 'make build' first" >&2; exit 2; }
mkdir -p "$RUN_DIR"
cfg="$RUN_DIR/darkwatch.yaml"
ready="$RUN_DIR/testbed.ready.json"
rm -f "$ready"

# The testbed runs until this script ends.
"$BIN" testbed --seed "$SEED" --day "$DAY" --listings "$LISTINGS" --faults "$FAULTS" \
	--truth "$RUN_DIR/truth.json" --config-out "$cfg" --data-dir "$RUN_DIR/data" \
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

"$BIN" crawl -config "$cfg" --once

echo
echo "The crawl is stored under $RUN_DIR/data (index, frontier, WARC evidence). Try:"
echo "  $BIN search -config $cfg --family nitazene"
echo "  $BIN search -config $cfg --substance fentanyl --json --limit 5"
echo "  $BIN alerts -config $cfg"
echo "  $BIN serve  -config $cfg        # web UI and API on http://127.0.0.1:8080"
echo "Ground truth of this simulated world: $RUN_DIR/truth.json"
