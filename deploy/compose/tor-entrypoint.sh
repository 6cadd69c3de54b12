#!/usr/bin/env bash
# Container entrypoint of one darkwatch Tor client.
#   TOR_BIND          the container's address on the internal network (an IP literal:
#                     darkwatch accepts only IP literals in tor.endpoints)
#   TOR_SOCKS_ALLOW   who may use the SOCKS port (the internal network's CIDR)
#   TOR_BASE_PORT     SOCKS port; ControlPort is the next one (default 9050/9051)
#   /run/secrets/tor_control_password   the control-port password (darkwatch reads the same
#                     secret as control_password_file); hashed here with tor --hash-password
set -euo pipefail
: "${TOR_BIND:?set TOR_BIND to the internal IP of this container}"
: "${TOR_SOCKS_ALLOW:?set TOR_SOCKS_ALLOW to the internal network CIDR}"
pwfile=${TOR_CONTROL_PASSWORD_FILE:-/run/secrets/tor_control_password}
[[ -s $pwfile ]] || { echo "tor-entrypoint: $pwfile missing or empty" >&2; exit 2; }
hash=$(tor --quiet --hash-password "$(tr -d '\n' <"$pwfile")" | tail -n 1)
/usr/local/share/darkwatch-tor/tor-pool.sh render 1 /etc/tor/darkwatch \
	--base-port "${TOR_BASE_PORT:-9050}" --bind "$TOR_BIND" --socks-allow "$TOR_SOCKS_ALLOW" \
	--data-root /var/lib/tor --password-hash "$hash" >/dev/null
exec tor --defaults-torrc /dev/null -f /etc/tor/darkwatch/darkwatch-1/torrc --Log "notice stdout"
