#!/usr/bin/env bash
# services.sh: local Redis, Elasticsearch and Tor for darkwatch's tests and for local use.
#
#   deploy/dev/services.sh start [redis] [rediscluster] [es] [tor]   install what is missing, start, wait until ready
#   deploy/dev/services.sh env                        print the export lines of the running services
#   deploy/dev/services.sh status                     one line per service
#   deploy/dev/services.sh stop  [redis] [rediscluster] [es] [tor]   stop (idempotent)
#
# Typical use:   eval "$(deploy/dev/services.sh start)"   ...   deploy/dev/services.sh stop
#
# Every service listens on 127.0.0.1 on a free port chosen at start, with its data in a
# fresh directory under the state dir. Only the export lines go to stdout; progress and
# errors go to stderr, so `eval "$(... start)"` is safe.
#
# Environment:
#   DARKWATCH_SERVICES_DIR  state dir (default /tmp/darkwatch-services)
#   DARKWATCH_CACHE         where Elasticsearch is unpacked once (default $HOME/.cache/darkwatch,
#                           or /var/cache/darkwatch as root: Elasticsearch runs as its own user
#                           and cannot enter /root)
#   DARKWATCH_ES_VERSIONS   Maven versions of the integ-test zip to try, in order
#                           (default "8.19.9 8.19.7")
#   DARKWATCH_ES_USER       user that runs Elasticsearch when we are root (default darkwatch-es)
#   DARKWATCH_ES_WAIT       seconds to wait for cluster health (default 180)
set -euo pipefail
shopt -s inherit_errexit

STATE=${DARKWATCH_SERVICES_DIR:-/tmp/darkwatch-services}
if [[ -n ${DARKWATCH_CACHE:-} ]]; then
	CACHE=$DARKWATCH_CACHE
elif [[ $(id -u) -eq 0 ]]; then
	CACHE=/var/cache/darkwatch
else
	CACHE=$HOME/.cache/darkwatch
fi
ES_VERSIONS=${DARKWATCH_ES_VERSIONS:-8.19.9 8.19.7}
ES_USER=${DARKWATCH_ES_USER:-darkwatch-es}
ES_WAIT=${DARKWATCH_ES_WAIT:-180}
M2_REPO=${DARKWATCH_M2_REPO:-$HOME/.m2/repository}
ALL_SERVICES=(redis rediscluster es tor)

log() { printf 'services: %s\n' "$*" >&2; }
die() {
	printf 'services: error: %s\n' "$*" >&2
	exit 1
}

# tail_logs FILE...: show the last lines of each existing log file on stderr.
tail_logs() {
	local f
	for f in "$@"; do
		[[ -f $f ]] || continue
		printf -- '--- last lines of %s ---\n' "$f" >&2
		tail -n 30 "$f" >&2 || true
	done
}

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (no sudo available)"
	fi
}

APT_UPDATED=0
# apt_install PKG...: install Debian packages; `apt-get update` only once and only when needed.
apt_install() {
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
	if [[ $APT_UPDATED -eq 0 ]]; then
		log "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
			die "apt-get update failed"
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 ||
		die "apt-get install $* failed"
}

# need CMD PKG: make sure CMD exists, installing Debian package PKG if it does not.
need() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null 2>&1 && return 0
	# sbin dirs are not always in PATH for non-root users.
	[[ -x /usr/sbin/$cmd || -x /usr/bin/$cmd ]] && return 0
	apt_install "$pkg"
	command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] ||
		die "$cmd still missing after installing $pkg"
}

bin() { # bin CMD: absolute path of CMD, also looking in /usr/sbin.
	command -v "$1" 2>/dev/null || { [[ -x /usr/sbin/$1 ]] && echo "/usr/sbin/$1"; } || die "$1 not found"
}

# ---- ports ----------------------------------------------------------------------------

declare -A TAKEN=()
# port_in_use P: true if any IPv4/IPv6 TCP socket is bound to port P (no python, no ss needed).
port_in_use() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v h=":$hex" 'NR>1 && substr($2, length($2)-4) == h {found=1} END {exit !found}' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# free_port: print a TCP port that nothing is bound to and that this run has not handed out.
free_port() {
	local i p
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 40000))
		[[ -n ${TAKEN[$p]:-} ]] && continue
		port_in_use "$p" && continue
		TAKEN[$p]=1
		echo "$p"
		return 0
	done
	die "no free TCP port found after 200 tries"
}

# ---- process helpers --------------------------------------------------------------------

# pid_alive PIDFILE NAME: true if PIDFILE holds the pid of a live process whose command line
# mentions NAME (guards against a recycled pid).
pid_alive() {
	local pidfile=$1 name=$2 pid cmdline
	[[ -s $pidfile ]] || return 1
	pid=$(tr -dc '0-9' <"$pidfile")
	[[ -n $pid ]] || return 1
	cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmdline == *"$name"* ]]
}

# kill_pidfile PIDFILE NAME: SIGTERM, wait up to 10 s, then SIGKILL.
kill_pidfile() {
	local pidfile=$1 name=$2 pid i
	if ! pid_alive "$pidfile" "$name"; then
		rm -f "$pidfile"
		return 0
	fi
	pid=$(tr -dc '0-9' <"$pidfile")
	kill -TERM "$pid" 2>/dev/null || as_root kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		[[ -d /proc/$pid ]] || break
		sleep 0.1
	done
	if [[ -d /proc/$pid ]]; then
		log "$name (pid $pid) still running after 10 s, sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || as_root kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			[[ -d /proc/$pid ]] || break
			sleep 0.1
		done
	fi
	rm -f "$pidfile"
}

# tcp_request HOST PORT DATA: send DATA on a fresh connection, print the whole reply (bounded).
tcp_request() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1; printf "%b" "$2" >&3; timeout 3 cat <&3' "$@" 2>/dev/null || true
}

tcp_open() { # tcp_open HOST PORT: true if a TCP connection succeeds.
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

http_get() { # http_get PORT PATH: print the response body of GET http://127.0.0.1:PORT/PATH.
	local reply
	reply=$(tcp_request 127.0.0.1 "$1" "GET $2 HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
	printf '%s' "${reply#*$'\r\n\r\n'}"
}

write_env() { # write_env SVC LINES...: record the export lines of one service.
	local svc=$1
	shift
	printf 'export %s\n' "$@" >"$STATE/$svc/env"
}

collect_env() { # rebuild $STATE/env.sh from the running services and print it.
	local svc out=""
	for svc in "${ALL_SERVICES[@]}"; do
		if [[ -f $STATE/$svc/env ]] && svc_running "$svc"; then
			out+=$(cat "$STATE/$svc/env")$'\n'
		fi
	done
	mkdir -p "$STATE"
	printf '%s' "$out" >"$STATE/env.sh"
	printf '%s' "$out"
}

svc_running() {
	case $1 in
	redis) pid_alive "$STATE/redis/redis.pid" redis-server ;;
	rediscluster) pid_alive "$STATE/rediscluster/node0.pid" redis-server ;;
	es) pid_alive "$STATE/es/es.pid" org.elasticsearch ;;
	tor) pid_alive "$STATE/tor/tor.pid" tor ;;
	esac
}

# ---- Redis -------------------------------------------------------------------------------

start_redis() {
	local d=$STATE/redis port i reply
	if svc_running redis; then
		log "redis already running ($(sed -n 1p "$d/env" 2>/dev/null))"
		return 0
	fi
	need redis-server redis-server
	rm -rf "$d"
	mkdir -p "$d/data"
	port=$(free_port)
	log "starting redis on 127.0.0.1:$port"
	"$(bin redis-server)" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --dir "$d/data" --pidfile "$d/redis.pid" --logfile "$d/redis.log" \
		>"$d/stdout.log" 2>&1 || {
		tail_logs "$d/stdout.log" "$d/redis.log"
		die "redis-server failed to start"
	}
	for ((i = 0; i < 100; i++)); do
		reply=$(tcp_request 127.0.0.1 "$port" 'PING\r\nQUIT\r\n')
		[[ $reply == +PONG* ]] && break
		sleep 0.1
	done
	if [[ $reply != +PONG* ]]; then
		tail_logs "$d/redis.log"
		stop_redis
		die "redis on port $port did not answer PING within 10 s"
	fi
	write_env redis "DARKWATCH_TEST_REDIS_URL=redis://127.0.0.1:$port/0"
	log "redis ready"
}

stop_redis() { kill_pidfile "$STATE/redis/redis.pid" redis-server; }

# A 3-node Redis Cluster (no replicas), for the frontier's cluster conformance test: the
# frontier hash-tags its keys per market so each Lua script stays in one slot.
start_rediscluster() {
	if svc_running rediscluster; then
		log "redis cluster already running"
		return 0
	fi
	need redis-server redis-server
	need redis-cli redis-tools
	# Ports are picked at random: a node can lose a race for its port (or its bus port) with
	# another process, so a failed start is tried once more on new ports.
	start_rediscluster_once || start_rediscluster_once || die "redis cluster failed to start twice"
}

start_rediscluster_once() {
	local d=$STATE/rediscluster i port ports=() addrs=() info
	rm -rf "$d"
	mkdir -p "$d"
	for i in 0 1 2; do
		# A cluster node also listens on port+10000 (the cluster bus): both must be free.
		port=$(free_port)
		while ((port > 55000)) || port_in_use $((port + 10000)); do
			port=$(free_port)
		done
		ports+=("$port")
		addrs+=("127.0.0.1:$port")
		mkdir -p "$d/node$i"
		"$(bin redis-server)" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
			--cluster-enabled yes --cluster-config-file "$d/node$i/nodes.conf" --cluster-node-timeout 5000 \
			--daemonize yes --dir "$d/node$i" --pidfile "$d/node$i.pid" --logfile "$d/node$i.log" \
			>"$d/stdout.log" 2>&1 || {
			tail_logs "$d/stdout.log" "$d/node$i.log"
			stop_rediscluster
			log "redis cluster node $i failed to start"
			return 1
		}
	done
	for port in "${ports[@]}"; do
		for ((i = 0; i < 300; i++)); do
			[[ $(tcp_request 127.0.0.1 "$port" 'PING\r\nQUIT\r\n') == +PONG* ]] && break
			sleep 0.1
		done
		if ((i == 300)); then
			tail_logs "$d"/node*.log
			stop_rediscluster
			log "redis cluster node on port $port did not answer PING within 30 s"
			return 1
		fi
	done
	log "creating redis cluster on ${addrs[*]}"
	"$(bin redis-cli)" --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$d/create.log" 2>&1 || {
		tail_logs "$d/create.log" "$d"/node*.log
		stop_rediscluster
		log "redis-cli --cluster create failed"
		return 1
	}
	for ((i = 0; i < 150; i++)); do
		info=$("$(bin redis-cli)" -p "${ports[0]}" cluster info 2>/dev/null || true)
		[[ $info == *cluster_state:ok* ]] && break
		sleep 0.2
	done
	if [[ $info != *cluster_state:ok* ]]; then
		tail_logs "$d/create.log" "$d/node0.log"
		stop_rediscluster
		log "redis cluster did not reach cluster_state:ok within 30 s"
		return 1
	fi
	write_env rediscluster "DARKWATCH_TEST_REDIS_CLUSTER=$(
		IFS=,
		echo "${addrs[*]}"
	)"
	log "redis cluster ready"
}

stop_rediscluster() {
	local i
	for i in 0 1 2; do
		kill_pidfile "$STATE/rediscluster/node$i.pid" redis-server
	done
}

# ---- Elasticsearch --------------------------------------------------------------------------

# es_zip: print the path of the integ-test zip of the first version Maven can provide.
es_zip() {
	local v z
	for v in $ES_VERSIONS; do
		z=$M2_REPO/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$v/elasticsearch-$v.zip
		if [[ ! -s $z ]]; then
			command -v mvn >/dev/null 2>&1 || die "mvn not found (needed to fetch Elasticsearch)"
			log "fetching Elasticsearch $v with Maven"
			mvn -q -B dependency:get -Dmaven.repo.local="$M2_REPO" \
				-Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$v:zip" \
				-Dtransitive=false >&2 || log "Maven could not fetch Elasticsearch $v"
		fi
		if [[ -s $z ]]; then
			echo "$v $z"
			return 0
		fi
	done
	die "no Elasticsearch integ-test zip available for versions: $ES_VERSIONS"
}

# es_home: unpack the zip once into the cache and print ES_HOME.
es_home() {
	local v z vz home tmp
	vz=$(es_zip) || exit 1
	read -r v z <<<"$vz"
	home=$CACHE/elasticsearch-$v
	if [[ ! -f $home/.darkwatch-unpacked ]]; then
		if ! command -v unzip >/dev/null 2>&1 && ! command -v jar >/dev/null 2>&1; then
			apt_install unzip
		fi
		log "unpacking Elasticsearch $v into $home"
		mkdir -p "$CACHE"
		tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX")
		if command -v unzip >/dev/null 2>&1; then
			unzip -q "$z" -d "$tmp" || die "unzip $z failed"
		else
			(cd "$tmp" && jar xf "$z") || die "jar xf $z failed"
		fi
		chmod -R a+rX "$tmp"
		chmod a+x "$tmp"/elasticsearch-"$v"/bin/*
		rm -rf "$home"
		mv "$tmp/elasticsearch-$v" "$home"
		rmdir "$tmp"
		touch "$home/.darkwatch-unpacked"
	fi
	chmod a+rx "$CACHE"
	echo "$home"
}

java_home() { # the JDK of the `java` on PATH; must be 17 or newer (Elasticsearch 8 needs 17+).
	local java jh ver
	java=$(command -v java) || die "java not found (Elasticsearch needs Java 17+)"
	jh=$(dirname "$(dirname "$(readlink -f "$java")")")
	ver=$("$jh/bin/java" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
	[[ ${ver%%.*} -ge 17 ]] 2>/dev/null || die "java at $jh is version $ver; Elasticsearch 8 needs 17+"
	echo "$jh"
}

start_es() {
	local d=$STATE/es home jh port tport i health cmd run_as=()
	if svc_running es; then
		log "elasticsearch already running ($(sed -n 1p "$d/env" 2>/dev/null))"
		return 0
	fi
	home=$(es_home)
	jh=$(java_home)
	if [[ $(id -u) -eq 0 ]]; then
		if ! id "$ES_USER" >/dev/null 2>&1; then
			log "creating system user $ES_USER (Elasticsearch refuses to run as root)"
			useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$ES_USER" ||
				die "useradd $ES_USER failed"
		fi
		run_as=(runuser -u "$ES_USER" --)
	fi
	rm -rf "$d"
	mkdir -p "$d/data" "$d/logs" "$d/tmp"
	cp -r "$home/config" "$d/config"
	port=$(free_port)
	tport=$(free_port)
	# The integ-test distribution carries only the x-pack-core and x-pack-security modules:
	# any setting of a module it lacks (ml, geoip, ...) would be an "unknown setting" error.
	cat >"$d/config/elasticsearch.yml" <<EOF
cluster.name: darkwatch-dev
node.name: darkwatch-dev-0
network.host: 127.0.0.1
http.port: $port
transport.port: $tport
discovery.type: single-node
path.data: $d/data
path.logs: $d/logs
xpack.security.enabled: false
# vm.max_map_count may be low on CI machines and containers: no mmap, no surprise.
node.store.allow_mmap: false
# A nearly full CI disk must not turn the test indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
	if [[ ${#run_as[@]} -gt 0 ]]; then
		chmod 755 "$STATE" "$d"
		chown -R "$ES_USER" "$d"
		"${run_as[@]}" test -x "$home/bin/elasticsearch" ||
			die "$ES_USER cannot reach $home (set DARKWATCH_CACHE to a world-readable dir)"
	fi
	log "starting elasticsearch ($(basename "$home")) on 127.0.0.1:$port (transport $tport), java $jh"
	local t0=$SECONDS
	# -d daemonizes once the node has started; the pidfile holds the server JVM's pid.
	# cwd = logs dir: jvm.options writes gc.log and hs_err files relative to it.
	(cd "$d/logs" && "${run_as[@]}" env ES_JAVA_HOME="$jh" ES_PATH_CONF="$d/config" \
		ES_TMPDIR="$d/tmp" ES_JAVA_OPTS="-Xms512m -Xmx512m" \
		"$home/bin/elasticsearch" -d -p "$d/es.pid") >"$d/stdout.log" 2>&1 || {
		tail_logs "$d/stdout.log" "$d/logs/darkwatch-dev.log"
		die "elasticsearch failed to start"
	}
	health=""
	for ((i = 0; ; i++)); do
		health=$(http_get "$port" '/_cluster/health?wait_for_status=yellow&timeout=2s')
		if [[ $health =~ \"status\":\"(yellow|green)\" ]]; then
			break
		fi
		health=""
		if ! svc_running es && ((i > 5)); then
			tail_logs "$d/stdout.log" "$d/logs/darkwatch-dev.log"
			die "elasticsearch exited before becoming ready"
		fi
		((SECONDS - t0 < ES_WAIT)) || break
		sleep 1
	done
	if [[ -z $health ]]; then
		tail_logs "$d/stdout.log" "$d/logs/darkwatch-dev.log"
		stop_es
		die "elasticsearch on port $port not yellow/green within ${ES_WAIT}s"
	fi
	write_env es "DARKWATCH_TEST_ES_URL=http://127.0.0.1:$port"
	log "elasticsearch ready in $((SECONDS - t0)) s (status ${BASH_REMATCH[1]})"
}

stop_es() { kill_pidfile "$STATE/es/es.pid" org.elasticsearch; }

# ---- Tor -----------------------------------------------------------------------------------

start_tor() {
	local d=$STATE/tor sport cport i reply cookie
	if svc_running tor; then
		log "tor already running ($(sed -n 1p "$d/env" 2>/dev/null))"
		return 0
	fi
	need tor tor
	rm -rf "$d"
	mkdir -p "$d/data"
	chmod 700 "$d/data"
	sport=$(free_port)
	cport=$(free_port)
	: >"$d/defaults-torrc"
	# A plain client. There is no internet here, so it never bootstraps to 100 %: ready
	# means the SOCKS port accepts connections and the control port answers.
	cat >"$d/torrc" <<EOF
SocksPort 127.0.0.1:$sport ExtendedErrors
ControlPort 127.0.0.1:$cport
CookieAuthentication 1
CookieAuthFile $d/data/control_auth_cookie
DataDirectory $d/data
PidFile $d/tor.pid
RunAsDaemon 1
Log notice file $d/notice.log
AvoidDiskWrites 1
EOF
	log "starting tor (socks 127.0.0.1:$sport, control 127.0.0.1:$cport)"
	"$(bin tor)" --defaults-torrc "$d/defaults-torrc" -f "$d/torrc" >"$d/stdout.log" 2>&1 || {
		tail_logs "$d/stdout.log" "$d/notice.log"
		die "tor failed to start"
	}
	reply=""
	for ((i = 0; i < 300; i++)); do
		if [[ -s $d/data/control_auth_cookie ]] && tcp_open 127.0.0.1 "$sport"; then
			cookie=$(od -An -v -tx1 "$d/data/control_auth_cookie" | tr -d ' \n')
			reply=$(tcp_request 127.0.0.1 "$cport" \
				"AUTHENTICATE $cookie\r\nGETINFO status/bootstrap-phase\r\nQUIT\r\n")
			[[ $reply == *"250-status/bootstrap-phase="* ]] && break
			reply=""
		fi
		sleep 0.1
	done
	if [[ -z $reply ]]; then
		tail_logs "$d/stdout.log" "$d/notice.log"
		stop_tor
		die "tor did not answer on its SOCKS and control ports within 30 s"
	fi
	write_env tor "DARKWATCH_TEST_TOR_SOCKS=127.0.0.1:$sport" \
		"DARKWATCH_TEST_TOR_CONTROL=127.0.0.1:$cport" \
		"DARKWATCH_TEST_TOR_COOKIE=$d/data/control_auth_cookie"
	log "tor ready ($(printf '%s' "$reply" | sed -n 's/.*\(PROGRESS=[0-9]*\).*/\1/p'))"
}

stop_tor() { kill_pidfile "$STATE/tor/tor.pid" tor; }

# ---- commands -------------------------------------------------------------------------------

services_from_args() { # validate service names; default: all.
	local s
	if [[ $# -eq 0 ]]; then
		echo "${ALL_SERVICES[*]}"
		return 0
	fi
	for s in "$@"; do
		case $s in
		redis | rediscluster | es | tor) ;;
		elasticsearch) s=es ;;
		*) die "unknown service '$s' (want: redis rediscluster es tor)" ;;
		esac
		printf '%s ' "$s"
	done
}

cmd_start() {
	local s svcs
	svcs=$(services_from_args "$@")
	mkdir -p "$STATE"
	chmod 755 "$STATE"
	for s in $svcs; do
		"start_$s"
	done
	collect_env
}

cmd_stop() {
	local s svcs
	svcs=$(services_from_args "$@")
	for s in $svcs; do
		if svc_running "$s"; then
			log "stopping $s"
		fi
		"stop_$s"
		rm -f "$STATE/$s/env"
	done
	[[ -d $STATE ]] && collect_env >/dev/null
	return 0
}

cmd_env() {
	local out
	out=$(collect_env)
	[[ -n $out ]] || die "no service running; start them with: eval \"\$($0 start)\""
	printf '%s\n' "$out"
}

cmd_status() {
	local s
	for s in "${ALL_SERVICES[@]}"; do
		if svc_running "$s"; then
			printf '%-12s running  %s\n' "$s" "$(tr '\n' ' ' 2>/dev/null <"$STATE/$s/env" | sed 's/export //g')"
		else
			printf '%-12s stopped\n' "$s"
		fi
	done
}

usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

main() {
	[[ $# -ge 1 ]] || usage
	local cmd=$1
	shift
	case $cmd in
	start) cmd_start "$@" ;;
	stop) cmd_stop "$@" ;;
	env) cmd_env ;;
	status) cmd_status ;;
	-h | --help | help) usage ;;
	*) usage ;;
	esac
}

main "$@"
