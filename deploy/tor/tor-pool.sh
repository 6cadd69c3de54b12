#!/usr/bin/env bash
# tor-pool.sh: a pool of N Tor client instances for darkwatch, and the matching
# tor.endpoints of darkwatch.yaml.
#
#   tor-pool.sh render N OUTDIR   write OUTDIR/darkwatch-<i>/torrc for i=1..N (any system,
#                                 containers, tests); prints the tor.endpoints YAML
#   tor-pool.sh install N         Debian/Ubuntu with systemd: tor-instance-create darkwatch-<i>,
#                                 /etc/tor/instances/darkwatch-<i>/torrc, enable and start
#                                 tor@darkwatch-<i>, let the darkwatch user read the control
#                                 cookies (SupplementaryGroups drop-ins); prints the YAML
#   tor-pool.sh verify DIR        tor --verify-config every DIR/*/torrc (and, on Debian,
#                                 again with the tor@ instance defaults)
#   tor-pool.sh endpoints N       print the tor.endpoints YAML only
#
# Options (before or after the command):
#   --base-port P     SOCKS port of instance 1 (default 9150); instance i uses
#                     SOCKS P+2(i-1) and ControlPort P+2(i-1)+1, so 9150/9151, 9152/9153, ...
#   --bind ADDR       address the ports listen on (default 127.0.0.1; a container that serves
#                     other containers uses 0.0.0.0 with --socks-allow its network)
#   --socks-allow C   SocksPolicy accept C (default 127.0.0.1/32)
#   --data-root D     render: DataDirectory D/darkwatch-<i> (default OUTDIR/darkwatch-<i>/data);
#                     the cookie is written there, mode 0600 in a 0700 directory: only tor's
#                     user reads it. Run darkwatch as that user, or use --password-hash
#                     (install mode puts the cookie in /run with group read instead)
#   --password-hash H render: HashedControlPassword H instead of a cookie (containers,
#                     where darkwatch cannot read the cookie file; see deploy/compose)
#   --extra FILE      render: append FILE's lines to every torrc (e.g. a private test
#                     network's TestingTorNetwork/DirAuthority lines: pool_e2e.sh)
#
# tor only accepts IP literals here and darkwatch only accepts IP literals in tor.endpoints
# (it never resolves a name for Tor).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATE=$HERE/torrc.tmpl
BASE=9150
BIND=127.0.0.1
SOCKS_ALLOW=127.0.0.1/32
DATA_ROOT=""
PWHASH=""
EXTRA=""
DW_USER=${DARKWATCH_USER:-darkwatch}
args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--base-port) BASE=$2; shift 2 ;;
	--bind) BIND=$2; shift 2 ;;
	--socks-allow) SOCKS_ALLOW=$2; shift 2 ;;
	--data-root) DATA_ROOT=$2; shift 2 ;;
	--password-hash) PWHASH=$2; shift 2 ;;
	--extra) EXTRA=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) args+=("$1"); shift ;;
	esac
done
set -- "${args[@]}"

die() { echo "tor-pool: $*" >&2; exit 2; }
need_n() { [[ ${1:-} =~ ^[1-9][0-9]*$ ]] && (($1 <= 64)) || die "N must be 1..64, got '${1:-}'"; }
tor_bin() { command -v tor 2>/dev/null || { [[ -x /usr/sbin/tor ]] && echo /usr/sbin/tor; } || die "tor not found (apt-get install tor)"; }

socks_port() { echo $((BASE + 2 * ($1 - 1))); }
control_port() { echo $((BASE + 2 * ($1 - 1) + 1)); }

# render_one I FILE DATADIR COOKIEFILE COOKIE_LINE
render_one() {
	local i=$1 file=$2 datadir=$3 cookie=$4 cookie_line=$5
	sed -e "s|@@N@@|$i|g; s|@@NAME@@|darkwatch-$i|g; s|@@BIND@@|$BIND|g" \
		-e "s|@@SOCKS@@|$(socks_port "$i")|g; s|@@CONTROL@@|$(control_port "$i")|g" \
		-e "s|@@SOCKS_ALLOW@@|$SOCKS_ALLOW|g; s|@@DATADIR@@|$datadir|g; s|@@COOKIE@@|$cookie|g" \
		-e "s|@@COOKIE_LINE@@|$cookie_line|" "$TEMPLATE" >"$file.tmp"
	if [[ -n $PWHASH ]]; then
		# Password instead of cookie: drop the cookie lines, add the hash.
		sed -i -e '/^CookieAuthentication/d; /^CookieAuthFile/d' "$file.tmp"
		sed -i -e "s|^ControlPort .*|&\nHashedControlPassword $PWHASH|" "$file.tmp"
	fi
	if [[ -n $EXTRA ]]; then
		printf '\n# --- extra lines from %s\n' "$EXTRA" >>"$file.tmp"
		cat "$EXTRA" >>"$file.tmp"
	fi
	mv "$file.tmp" "$file"
}

# endpoints N COOKIE_PATTERN (with %i for the instance): the tor.endpoints YAML.
endpoints() {
	local n=$1 pattern=$2 i
	echo "tor:"
	echo "  endpoints:"
	for ((i = 1; i <= n; i++)); do
		echo "    - socks: $BIND:$(socks_port "$i")"
		echo "      control: $BIND:$(control_port "$i")"
		if [[ -n $PWHASH ]]; then
			echo "      control_password_file: /run/secrets/tor_control_password"
		else
			echo "      cookie_file: ${pattern//%i/$i}"
		fi
	done
}

cmd=${1:-}
case $cmd in
render)
	need_n "${2:-}"
	n=$2 out=${3:?usage: tor-pool.sh render N OUTDIR}
	for ((i = 1; i <= n; i++)); do
		d=$out/darkwatch-$i
		mkdir -p "$d"
		data=${DATA_ROOT:+$DATA_ROOT/darkwatch-$i}
		data=${data:-$d/data}
		render_one "$i" "$d/torrc" "$data" "$data/control_auth_cookie" "CookieAuthFile $data/control_auth_cookie"
	done
	if [[ -n $DATA_ROOT ]]; then endpoints "$n" "$DATA_ROOT/darkwatch-%i/control_auth_cookie"
	else endpoints "$n" "$out/darkwatch-%i/data/control_auth_cookie"; fi
	;;
install)
	need_n "${2:-}"
	n=$2
	[[ $(id -u) -eq 0 ]] || die "install must run as root"
	command -v tor-instance-create >/dev/null || [[ -x /usr/sbin/tor-instance-create ]] ||
		die "tor-instance-create not found: this needs Debian's tor package (apt-get install tor)"
	[[ -z $PWHASH ]] || die "install uses cookie authentication; --password-hash is for render"
	groups=()
	for ((i = 1; i <= n; i++)); do
		name=darkwatch-$i
		[[ -d /etc/tor/instances/$name ]] || tor-instance-create "$name" >&2
		run=/run/tor-instances/$name
		render_one "$i" "/etc/tor/instances/$name/torrc" "/var/lib/tor-instances/$name" \
			"$run/control.authcookie" "CookieAuthFile $run/control.authcookie\nCookieAuthFileGroupReadable 1"
		groups+=("_tor-$name")
	done
	# The crawler reads each instance's cookie through the instance's group.
	for unit in darkwatch-crawl.service darkwatch-crawl@.service; do
		mkdir -p "/etc/systemd/system/$unit.d"
		printf '# Written by deploy/tor/tor-pool.sh install %s\n[Unit]\nWants=%s\nAfter=%s\n[Service]\nSupplementaryGroups=%s\n' \
			"$n" "$(printf 'tor@darkwatch-%s.service ' $(seq 1 "$n"))" "$(printf 'tor@darkwatch-%s.service ' $(seq 1 "$n"))" \
			"${groups[*]}" >"/etc/systemd/system/$unit.d/tor-pool.conf"
	done
	systemctl daemon-reload
	for ((i = 1; i <= n; i++)); do
		systemctl enable --now "tor@darkwatch-$i.service" >&2
	done
	echo "# paste into darkwatch.yaml (user $DW_USER reads the cookies via SupplementaryGroups)"
	endpoints "$n" "/run/tor-instances/darkwatch-%i/control.authcookie"
	;;
verify)
	dir=${2:?usage: tor-pool.sh verify DIR}
	tor=$(tor_bin)
	shopt -s nullglob
	files=("$dir"/*/torrc)
	[[ ${#files[@]} -gt 0 ]] || die "no $dir/*/torrc"
	rc=0
	for f in "${files[@]}"; do
		if out=$("$tor" --verify-config -f "$f" --defaults-torrc /dev/null 2>&1); then
			echo "ok   $f"
		else
			echo "FAIL $f"; echo "$out" | tail -n 5; rc=1
		fi
		defaults=/usr/share/tor/tor-service-defaults-torrc-instances
		if [[ -r $defaults ]]; then
			name=$(basename "$(dirname "$f")")
			tmp=$(mktemp)
			# As tor@.service runs it, minus the instance user (it may not exist here).
			sed -e "s/@@NAME@@/$name/g; /^User /d" "$defaults" >"$tmp"
			if out=$("$tor" --verify-config -f "$f" --defaults-torrc "$tmp" 2>&1); then
				echo "ok   $f (with Debian tor@ instance defaults)"
			else
				echo "FAIL $f (with Debian tor@ instance defaults)"; echo "$out" | tail -n 5; rc=1
			fi
			rm -f "$tmp"
		fi
	done
	exit $rc
	;;
endpoints)
	need_n "${2:-}"
	if [[ -n $DATA_ROOT ]]; then endpoints "$2" "$DATA_ROOT/darkwatch-%i/control_auth_cookie"
	else endpoints "$2" "/run/tor-instances/darkwatch-%i/control.authcookie"; fi
	;;
*)
	die "usage: tor-pool.sh render N OUTDIR | install N | verify DIR | endpoints N   (--help)"
	;;
esac
