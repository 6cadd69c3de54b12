#!/usr/bin/env bash
# tornet.sh: a private Tor network on 127.0.0.1 for end-to-end tests.
#
#   tornet.sh start [--clients N] [--hs-dir DIR]... [--hs-target HOST:PORT]
#                   [--testbed DARKWATCH_BIN [--testbed-args "ARGS"]]
#                   [--dir STATE] [--timeout SECONDS]
#   tornet.sh env   [--dir STATE]     print the export lines again
#   tornet.sh stop  [--dir STATE]     stop every process started, by PID
#
# start builds 3 directory authorities (keys from tor-gencert), 5 relays, one
# onion-service tor and N client tors (default 2), all bound to 127.0.0.1 on
# free ports, with TestingTorNetwork and 10 s voting. Each --hs-dir is either
# a HiddenServiceDir (holds hs_ed25519_secret_key) or a folder of them (what
# `darkwatch testbed --hs-dir` writes); each is published with
# HiddenServicePort 80 -> --hs-target. Without --hs-dir one demo service is
# created (tor makes its keys) in front of `python3 -m http.server`.
# --testbed BIN runs `BIN testbed --hs-dir STATE/testbed-hs ARGS` (default
# ARGS: --markets 4 --listings 20), publishes its markets in front of its
# HTTP listener, stops it with the rest, and exports DARKWATCH_TORNET_TESTBED
# (the path of its ready line: http, socks, markets).
# start returns once every client has fetched every onion (budget --timeout,
# default 120 s from the start of the tor processes) and prints:
#   export DARKWATCH_TORNET_SOCKS=127.0.0.1:P1,127.0.0.1:P2
#   export DARKWATCH_TORNET_CONTROL=127.0.0.1:C1,127.0.0.1:C2
#   export DARKWATCH_TORNET_COOKIES=/path/c1,/path/c2
#   export DARKWATCH_TORNET_ONIONS=<56>.onion,...
#   export DARKWATCH_TEST_TOR_SOCKS=... DARKWATCH_TEST_TOR_CONTROL=... DARKWATCH_TEST_TOR_COOKIE=...
# Set TORNET_OWNER_PID to make every tor exit when that process dies.
set -euo pipefail

cmd=${1:-}
[ $# -gt 0 ] && shift
DIR=${TORNET_DIR:-/tmp/darkwatch-tornet}
CLIENTS=2
HS_DIRS=()
HS_TARGET=""
TESTBED=""
TESTBED_ARGS="--markets 4 --listings 20"
TIMEOUT=120
while [ $# -gt 0 ]; do
  case $1 in
    --clients) CLIENTS=$2; shift 2 ;;
    --hs-dir) HS_DIRS+=("$2"); shift 2 ;;
    --hs-target) HS_TARGET=$2; shift 2 ;;
    --testbed) TESTBED=$2; shift 2 ;;
    --testbed-args) TESTBED_ARGS=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "tornet: unknown argument $1" >&2; exit 2 ;;
  esac
done
N_AUTH=3
N_RELAY=5

log() { echo "tornet: $*" >&2; }

need() {
  local missing=()
  command -v tor >/dev/null || missing+=(tor)
  command -v tor-gencert >/dev/null || missing+=(tor)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}

# free_ports N: N distinct free TCP ports on 127.0.0.1 (bound together, then released).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

stop_all() {
  [ -f "$DIR/pids" ] || return 0
  local pids alive p i
  pids=$(awk '{print $1}' "$DIR/pids")
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 50); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for p in $alive; do
    log "$(awk -v p="$p" '$1 == p {print $2}' "$DIR/pids") (pid $p) still running 5 s after SIGTERM: SIGKILL"
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -f "$DIR/pids"
}

# spawn NAME CMD...: start in the background, record the PID.
spawn() {
  local name=$1; shift
  nohup "$@" >"$DIR/$name.out" 2>&1 &
  echo "$! $name" >>"$DIR/pids"
}

torrc_common() { # name datadir
  cat <<EOF
TestingTorNetwork 1
DataDirectory $2
Nickname $1
RunAsDaemon 0
Log notice file $2/notice.log
SafeLogging 0
ShutdownWaitLength 0
Address 127.0.0.1
AddressDisableIPv6 1
AssumeReachable 1
PathsNeededToBuildCircuits 0.67
GeoIPFile $DIR/empty
GeoIPv6File $DIR/empty
MaxConsensusAgeForDiffs 1 minutes
$DIRAUTH_LINES
EOF
  if [ -n "${TORNET_OWNER_PID:-}" ]; then echo "__OwningControllerProcess $TORNET_OWNER_PID"; fi
}

# newnym CLIENT: SIGNAL NEWNYM to client CLIENT over its control port (cookie auth).
newnym() {
  local i=$1 cookie reply
  cookie=$(od -An -tx1 -v "$DIR/client$i/control_auth_cookie" 2>/dev/null | tr -d ' \n') || return 1
  [ -n "$cookie" ] || return 1
  exec 7<>"/dev/tcp/127.0.0.1/${CL_CTL[$i]}" || return 1
  printf 'AUTHENTICATE %s\r\nSIGNAL NEWNYM\r\nQUIT\r\n' "$cookie" >&7
  reply=$(timeout 5 cat <&7 || true)
  exec 7>&- 7<&-
  case $reply in *"250 OK"*) log "client$i: NEWNYM (an onion still pending)" ;; *) return 1 ;; esac
}

start() {
  need
  [ -f "$DIR/pids" ] && stop_all
  rm -rf "$DIR"
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  : >"$DIR/empty"
  : >"$DIR/pids"
  : >"$DIR/defaults-torrc"
  local t0=$SECONDS
  local n_ports=$((N_AUTH * 2 + N_RELAY + 1 + CLIENTS * 2 + 1))
  read -r -a PORTS <<<"$(free_ports $n_ports)"
  local pi=0
  nextport() { PORT=${PORTS[$pi]}; pi=$((pi + 1)); }

  # Keys: authority certificates and router identities, in parallel.
  local i d
  declare -a AUTH_OR AUTH_DIR
  for i in $(seq $N_AUTH); do
    d=$DIR/auth$i
    mkdir -p "$d/keys"
    chmod 700 "$d"
    nextport; AUTH_OR[$i]=$PORT
    nextport; AUTH_DIR[$i]=$PORT
    (cd "$d/keys" && echo "" | tor-gencert --create-identity-key -m 12 -a "127.0.0.1:${AUTH_DIR[$i]}" --passphrase-fd 0 >/dev/null 2>&1) &
  done
  declare -a RELAY_OR
  for i in $(seq $N_RELAY); do
    mkdir -p "$DIR/relay$i"; chmod 700 "$DIR/relay$i"
    nextport; RELAY_OR[$i]=$PORT
  done
  wait
  local nodes=() n
  for i in $(seq $N_AUTH); do nodes+=("auth$i"); done
  for i in $(seq $N_RELAY); do nodes+=("relay$i"); done
  for n in "${nodes[@]}"; do
    tor --list-fingerprint --DataDirectory "$DIR/$n" --Nickname "$n" --ORPort 127.0.0.1:1 \
      --defaults-torrc "$DIR/defaults-torrc" --allow-missing-torrc -f "$DIR/none" \
      --Log "err stderr" >/dev/null &
  done
  wait
  DIRAUTH_LINES=""
  local v3 fp
  {
    date +%s
    for n in "${nodes[@]}"; do
      fp=$(awk '{print $2}' "$DIR/$n/fingerprint")
      echo "node_id=\$$fp bw=1000"
    done
  } >"$DIR/bandwidths"
  for i in $(seq $N_AUTH); do
    v3=$(awk '/^fingerprint/ {print $2}' "$DIR/auth$i/keys/authority_certificate")
    fp=$(awk '{print $2}' "$DIR/auth$i/fingerprint")
    [ -n "$v3" ] && [ -n "$fp" ] || { log "key generation failed for auth$i"; exit 1; }
    DIRAUTH_LINES+="DirAuthority auth$i orport=${AUTH_OR[$i]} no-v2 v3ident=$v3 127.0.0.1:${AUTH_DIR[$i]} $fp"$'\n'
  done
  log "keys ready in $((SECONDS - t0)) s"

  for i in $(seq $N_AUTH); do
    d=$DIR/auth$i
    {
      torrc_common "auth$i" "$d"
      cat <<EOF
ORPort 127.0.0.1:${AUTH_OR[$i]}
DirPort 127.0.0.1:${AUTH_DIR[$i]}
SocksPort 0
ExitRelay 0
ExitPolicy reject *:*
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ContactInfo tornet
TestingV3AuthInitialVotingInterval 10
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
V3AuthNIntervalsValid 2
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
V3BandwidthsFile $DIR/bandwidths
EOF
    } >"$d/torrc"
  done
  for i in $(seq $N_RELAY); do
    d=$DIR/relay$i
    {
      torrc_common "relay$i" "$d"
      cat <<EOF
ORPort 127.0.0.1:${RELAY_OR[$i]}
SocksPort 0
ExitRelay 0
ExitPolicy reject *:*
EOF
    } >"$d/torrc"
  done

  # Onion services: copies of the given HiddenServiceDirs (tor insists on
  # 0700 and writes hostname files; the originals stay untouched).
  if [ -n "$TESTBED" ]; then
    # shellcheck disable=SC2086 # TESTBED_ARGS is a word list
    spawn testbed "$TESTBED" testbed --hs-dir "$DIR/testbed-hs" $TESTBED_ARGS
    for j in $(seq 300); do [ -s "$DIR/testbed.out" ] && break; sleep 0.1; done
    HS_TARGET=$(grep -o '"http":"[^"]*"' "$DIR/testbed.out" | head -1 | cut -d'"' -f4)
    [ -n "$HS_TARGET" ] || { log "testbed did not start"; cat "$DIR/testbed.out" >&2; stop_all; exit 1; }
    grep -m1 '^{' "$DIR/testbed.out" >"$DIR/testbed.json"
    HS_DIRS+=("$DIR/testbed-hs")
  fi
  mkdir -p "$DIR/hs/services"; chmod 700 "$DIR/hs" "$DIR/hs/services"
  local src sub count=0
  for src in "${HS_DIRS[@]}"; do
    if [ -f "$src/hs_ed25519_secret_key" ]; then
      count=$((count + 1)); cp -r "$src" "$DIR/hs/services/s$count"
    else
      for sub in "$src"/*/; do
        [ -f "$sub/hs_ed25519_secret_key" ] || continue
        count=$((count + 1)); cp -r "$sub" "$DIR/hs/services/s$count"
      done
    fi
  done
  if [ ${#HS_DIRS[@]} -gt 0 ] && [ $count -eq 0 ]; then
    log "no hs_ed25519_secret_key under ${HS_DIRS[*]}"; exit 2
  fi
  if [ $count -eq 0 ]; then # demo service
    count=1; mkdir -p "$DIR/hs/services/s1"
  fi
  nextport; local demo_port=$PORT
  if [ -z "$HS_TARGET" ]; then
    mkdir -p "$DIR/www"
    echo "<html><body>tornet demo onion</body></html>" >"$DIR/www/index.html"
    spawn www python3 -m http.server --bind 127.0.0.1 --directory "$DIR/www" "$demo_port"
    HS_TARGET=127.0.0.1:$demo_port
  fi
  {
    torrc_common hs "$DIR/hs"
    echo "SocksPort 0"
    for sub in "$DIR"/hs/services/*; do
      chmod 700 "$sub"
      if [ -f "$sub/hostname" ]; then mv "$sub/hostname" "$sub/hostname.given"; fi
      echo "HiddenServiceDir $sub"
      echo "HiddenServicePort 80 $HS_TARGET"
    done
  } >"$DIR/hs/torrc"

  declare -a CL_SOCKS CL_CTL
  for i in $(seq "$CLIENTS"); do
    d=$DIR/client$i
    mkdir -p "$d"; chmod 700 "$d"
    nextport; CL_SOCKS[$i]=$PORT
    nextport; CL_CTL[$i]=$PORT
    {
      torrc_common "client$i" "$d"
      cat <<EOF
SocksPort 127.0.0.1:${CL_SOCKS[$i]} ExtendedErrors IsolateSOCKSAuth
ControlPort 127.0.0.1:${CL_CTL[$i]}
CookieAuthentication 1
EOF
    } >"$d/torrc"
  done

  for n in "${nodes[@]}" hs $(seq -f client%g "$CLIENTS"); do
    spawn "$n" tor --defaults-torrc "$DIR/defaults-torrc" -f "$DIR/$n/torrc"
  done
  log "started $(wc -l <"$DIR/pids") processes"
  local t1=$SECONDS

  # Onion addresses (tor writes hostname files at startup).
  local onions=() h j
  for sub in "$DIR"/hs/services/*; do
    for j in $(seq 100); do [ -s "$sub/hostname" ] && break; sleep 0.1; done
    [ -s "$sub/hostname" ] || { log "no hostname in $sub"; tail -n 20 "$DIR/hs/notice.log" >&2; stop_all; exit 1; }
    onions+=("$(cat "$sub/hostname")")
    if [ -s "$sub/hostname.given" ] && [ "$(cat "$sub/hostname.given")" != "$(cat "$sub/hostname")" ]; then
      log "WARNING: $sub: tor derived $(cat "$sub/hostname") from the key, the given hostname was $(cat "$sub/hostname.given")"
    fi
  done

  # Ready when every client has fetched every onion.
  local deadline=$((t1 + TIMEOUT)) # key generation (5-20 s) is not counted pending=() pair code c o
  for i in $(seq "$CLIENTS"); do for o in "${onions[@]}"; do pending+=("$i $o"); done; done
  local last_newnym=$SECONDS
  while [ ${#pending[@]} -gt 0 ]; do
    # A client that asked every HSDir before the service had uploaded its descriptor does
    # not ask again for a long time ("No more HSDir available to query"); NEWNYM purges that
    # client-side onion state, so pending clients are nudged every 20 s.
    if [ $((SECONDS - last_newnym)) -ge 20 ]; then
      local nudged=" "
      for pair in "${pending[@]}"; do
        read -r c o <<<"$pair"
        case $nudged in *" $c "*) continue ;; esac
        nudged+="$c "
        newnym "$c" || true
      done
      last_newnym=$SECONDS
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "not ready after $TIMEOUT s; pending: ${pending[*]}"
      for n in client1 hs auth1; do log "--- $n"; tail -n 8 "$DIR/$n/notice.log" >&2 || true; done
      stop_all
      exit 1
    fi
    local still=()
    for pair in "${pending[@]}"; do
      read -r c o <<<"$pair"
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 \
        --socks5-hostname "127.0.0.1:${CL_SOCKS[$c]}" -U "tornet:ready" "http://$o/" || true)
      if [ "$code" = "000" ] || [ -z "$code" ]; then still+=("$pair"); fi
    done
    pending=("${still[@]+"${still[@]}"}")
    [ ${#pending[@]} -gt 0 ] && sleep 1
  done
  log "ready in $((SECONDS - t0)) s ($((SECONDS - t1)) s after start)"

  local socks="" ctl="" cookies="" IFS_OLD=$IFS
  for i in $(seq "$CLIENTS"); do
    socks+="${socks:+,}127.0.0.1:${CL_SOCKS[$i]}"
    ctl+="${ctl:+,}127.0.0.1:${CL_CTL[$i]}"
    cookies+="${cookies:+,}$DIR/client$i/control_auth_cookie"
  done
  local onion_list
  onion_list=$(IFS=,; echo "${onions[*]}")
  IFS=$IFS_OLD
  cat >"$DIR/env" <<EOF
export DARKWATCH_TORNET_SOCKS=$socks
export DARKWATCH_TORNET_CONTROL=$ctl
export DARKWATCH_TORNET_COOKIES=$cookies
export DARKWATCH_TORNET_ONIONS=$onion_list
export DARKWATCH_TEST_TOR_SOCKS=127.0.0.1:${CL_SOCKS[1]}
export DARKWATCH_TEST_TOR_CONTROL=127.0.0.1:${CL_CTL[1]}
export DARKWATCH_TEST_TOR_COOKIE=$DIR/client1/control_auth_cookie
EOF
  if [ -n "$TESTBED" ]; then echo "export DARKWATCH_TORNET_TESTBED=$DIR/testbed.json" >>"$DIR/env"; fi
  cat "$DIR/env"
}

case $cmd in
  start) start ;;
  stop) stop_all; log "stopped" ;;
  env) cat "$DIR/env" ;;
  *) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
