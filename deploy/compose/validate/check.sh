#!/usr/bin/env bash
# check.sh: validate deploy/compose/compose.yaml without Docker (compose-go) using
# placeholder secrets in a temporary copy, and `darkwatch config check` its darkwatch.yaml.
#   deploy/compose/validate/check.sh [DARKWATCH_BIN]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp -r "$HERE/.." "$T/compose"
secrets=(elastic_password kibana_system_password darkwatch_es_password redis_password tor_control_password tor_isolation_secret)
for s in "${secrets[@]}"; do echo placeholder >"$T/compose/secrets/$s"; done
(cd "$HERE" && KIBANA_SYSTEM_PASSWORD=placeholder go run . "$T/compose/compose.yaml")
if [[ -n ${1:-} ]]; then
	sed "s|/run/secrets|$T/compose/secrets|g" "$HERE/../darkwatch.yaml" >"$T/dw.yaml"
	"$1" config check -config "$T/dw.yaml"
fi
