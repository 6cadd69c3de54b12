#!/usr/bin/env bash
# check-sandbox.sh: check the units' sandbox against what darkwatch really does, without
# systemd as PID 1 (containers, CI): run `darkwatch crawl --once` on the market testbed and
# `darkwatch serve` (a few API requests) under strace, then report
#   - syscalls outside SystemCallFilter=@system-service ~@privileged ~@resources
#   - socket families outside RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
#   - PROT_EXEC mappings (MemoryDenyWriteExecute=yes)
# and `systemd-analyze verify` / `security --offline` of the unit files.
#   deploy/systemd/check-sandbox.sh [DARKWATCH_BIN]      (needs strace, systemd-analyze, python3, curl)
# Exit 1 if anything is outside the sandbox. Processes started here are stopped by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d /tmp/darkwatch-sandbox.XXXXXX)
PIDS=()
cleanup() {
	local p c
	for p in "${PIDS[@]}"; do
		for c in $(pgrep -P "$p" || true); do kill "$c" 2>/dev/null || true; done
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT
log() { echo "check-sandbox: $*" >&2; }
BIN=${1:-}
if [[ -z $BIN ]]; then BIN=$W/darkwatch; (cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN" ./cmd/darkwatch); fi
for c in strace systemd-analyze python3 curl; do command -v $c >/dev/null || { log "$c missing"; exit 2; }; done

# 1. unit files
R=$W/root
mkdir -p "$R/usr/local/bin" "$R/etc/systemd/system" "$R/bin" "$R/usr/lib/systemd"
cp "$BIN" "$R/usr/local/bin/darkwatch"; cp /bin/kill "$R/bin/kill"
cp -r /usr/lib/systemd/system "$R/usr/lib/systemd/" 2>/dev/null || true
cp "$ROOT"/deploy/systemd/*.service "$R/etc/systemd/system/"
rc=0
for u in darkwatch-crawl.service darkwatch-crawl@1.service darkwatch-serve.service; do
	out=$(systemd-analyze verify --man=no --root="$R" "$u" 2>&1) || true
	if [[ -n $out ]]; then log "verify $u:"; echo "$out" >&2; rc=1; else log "verify $u: clean"; fi
	log "$(systemd-analyze security --offline=true --root="$R" "$u" 2>/dev/null | tail -n 1)"
done

# 2. what the binary does
"$BIN" testbed --markets 2 --listings 10 --config-out "$W/tb.yaml" --data-dir "$W/data" >"$W/ready.json" 2>"$W/tb.err" &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do [[ -s $W/tb.yaml ]] && break; sleep 0.1; done
strace -f -qq -o "$W/crawl.strace" "$BIN" crawl -config "$W/tb.yaml" --once -progress off >"$W/crawl.out" 2>&1
log "crawl: $(grep -m 1 "crawl finished" "$W/crawl.out" || tail -n 1 "$W/crawl.out")"
TOK=sandbox-check-token
H=$(printf '%s' "$TOK" | "$BIN" hash-password --token)
port=$((40000 + RANDOM % 20000))
python3 - "$W/tb.yaml" "$W/sv.yaml" "$H" "$port" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
c["serve"] = {"listen": "127.0.0.1:" + sys.argv[4], "tokens": [{"name": "t", "role": "admin", "token_hash": sys.argv[3]}]}
yaml.safe_dump(c, open(sys.argv[2], "w"))
PY
strace -f -qq -o "$W/serve.strace" "$BIN" serve -config "$W/sv.yaml" >"$W/serve.out" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for p in /healthz '/api/v1/search?q=fentanyl' /api/v1/markets /api/v1/alerts /api/v1/audit; do
	log "serve GET $p: $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" "http://127.0.0.1:$port$p")"
done
# strace detaches on SIGTERM and leaves its tracee running: stop serve itself (by parent PID).
spid=${PIDS[-1]}
for c in $(pgrep -P "$spid" || true); do kill "$c" 2>/dev/null || true; done
for ((i = 0; i < 50; i++)); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
sleep 1

python3 - "$W/crawl.strace" "$W/serve.strace" <<'PY' || rc=1
import re, subprocess, sys
def expand(name):
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True).stdout
    s = set()
    for line in out.splitlines()[1:]:
        t = line.strip()
        if not t or t.startswith("#"):
            continue
        s |= expand(t) if t.startswith("@") else {t}
    return s
allowed = expand("@system-service") - expand("@privileged") - expand("@resources")
bad = False
for f in sys.argv[1:]:
    used, fams, wx = set(), set(), 0
    for line in open(f):
        m = re.match(r"^\d+\s+([a-z0-9_]+)\(", line)
        if m:
            used.add(m.group(1))
        fams.update(re.findall(r"socket\((AF_[A-Z0-9]+)", line))
        if "PROT_EXEC" in line and not line.split()[1].startswith("execve"):
            wx += 1
    denied = sorted(used - allowed)
    fam_bad = sorted(fams - {"AF_INET", "AF_INET6", "AF_UNIX"})
    print(f"{f.rsplit('/', 1)[-1]}: {len(used)} syscalls, outside the filter: {denied or 'none'}; "
          f"socket families {sorted(fams)}, outside: {fam_bad or 'none'}; PROT_EXEC mappings: {wx}")
    bad |= bool(denied or fam_bad or wx)
sys.exit(1 if bad else 0)
PY
[[ $rc = 0 ]] && log "PASS" || log "FAIL"
exit $rc
