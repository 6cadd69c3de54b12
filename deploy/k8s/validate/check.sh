#!/usr/bin/env bash
# check.sh: render deploy/k8s with kubectl kustomize (no cluster needed) and decode every
# object strictly into the k8s.io/api types; also the Secret example.
#   deploy/k8s/validate/check.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp)
trap 'rm -f "$T"' EXIT
kubectl kustomize "$HERE/.." >"$T"
(cd "$HERE" && go run . "$T" ../secret.example.yaml)
