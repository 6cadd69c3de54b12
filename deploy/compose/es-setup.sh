#!/usr/bin/env bash
# One-shot setup of the compose cluster's Elasticsearch security (runs in the ES image,
# which has curl): the kibana_system password, a darkwatch role limited to the
# <prefix>-* indices and aliases, and the darkwatch user. Idempotent.
set -euo pipefail
ES=${ES_URL:-http://elasticsearch:9200}
PREFIX=${DARKWATCH_INDEX_PREFIX:-darkwatch}
elastic_pw=$(tr -d '\n' </run/secrets/elastic_password)
kibana_pw=$(tr -d '\n' </run/secrets/kibana_system_password)
dw_pw=$(tr -d '\n' </run/secrets/darkwatch_es_password)
es() { curl -fsS -u "elastic:$elastic_pw" -H 'Content-Type: application/json' "$@"; }

for i in $(seq 1 120); do
	es "$ES/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null 2>&1 && break
	[[ $i -eq 120 ]] && { echo "es-setup: Elasticsearch not ready after 10 min" >&2; exit 1; }
	sleep 5
done
es -X POST "$ES/_security/user/kibana_system/_password" -d "{\"password\":\"$kibana_pw\"}" >/dev/null
# darkwatch migrates its own templates, versioned indices and aliases on open.
# Cluster "manage" only because search calls the cluster-level POST /_analyze
# (cluster:admin/analyze); once it uses /<prefix>-listings/_analyze, drop it.
es -X PUT "$ES/_security/role/darkwatch" -d "{
  \"cluster\": [\"monitor\", \"manage_index_templates\", \"manage\"],
  \"indices\": [{\"names\": [\"$PREFIX-*\"],
                 \"privileges\": [\"create_index\", \"manage\", \"read\", \"write\", \"view_index_metadata\"]}]
}" >/dev/null
es -X PUT "$ES/_security/role/darkwatch_reader" -d "{
  \"indices\": [{\"names\": [\"$PREFIX-*\"], \"privileges\": [\"read\", \"view_index_metadata\"]}]
}" >/dev/null
es -X PUT "$ES/_security/user/darkwatch" -d "{\"password\":\"$dw_pw\",\"roles\":[\"darkwatch\"]}" >/dev/null
echo "es-setup: kibana_system password, roles darkwatch and darkwatch_reader, user darkwatch: done"
