package elastic

// Kinds of index and their mapping versions. Bump a version when its mapping changes
// incompatibly: Migrate creates the new index, copies the documents and moves the alias.
const (
	kindListings     = "listings"
	kindVendors      = "vendors"
	kindObservations = "observations"
	kindNovelty      = "novelty"
	kindAlerts       = "alerts"
)

var versions = map[string]int{
	kindListings:     1,
	kindVendors:      1,
	kindObservations: 1,
	kindNovelty:      1,
	kindAlerts:       1,
}

var kinds = []string{kindListings, kindVendors, kindObservations, kindNovelty, kindAlerts}

type m = map[string]any

func kw() m   { return m{"type": "keyword"} }
func date() m { return m{"type": "date"} }
func dbl() m  { return m{"type": "double"} }
func textKW(n int) m {
	return m{"type": "text", "analyzer": "standard",
		"fields": m{"keyword": m{"type": "keyword", "ignore_above": n}}}
}

func priceType(scaled bool) m {
	if scaled {
		return m{"type": "scaled_float", "scaling_factor": 100}
	}
	return dbl()
}

func captureMapping() m {
	return m{"properties": m{"warc": kw(), "record_id": kw(), "sha256": kw(), "time": date()}}
}

func priceMapping(scaled bool) m {
	return m{"properties": m{"amount": dbl(), "currency": kw(), "usd": priceType(scaled),
		"rate": dbl(), "rate_date": m{"type": "date", "format": "yyyy-MM-dd", "ignore_malformed": true}}}
}

func entityMapping() m { return m{"properties": m{"kind": kw(), "value": kw()}} }

func issuesMapping() m { return m{"properties": m{"field": kw(), "reason": m{"type": "text"}}} }

// mappings returns the explicit mapping of each kind.
func mappings(scaled bool) map[string]m {
	return map[string]m{
		kindListings: {"dynamic": false, "properties": m{
			"id": kw(), "market": kw(), "url": kw(), "title": textKW(512), "description": textKW(256),
			"category": kw(), "price": priceMapping(scaled),
			"offers": m{"properties": m{"quantity": dbl(), "unit": kw(), "grams": dbl(), "units": dbl(),
				"price": priceMapping(scaled), "unit_price_usd": priceType(scaled)}},
			"grams": dbl(), "units": dbl(), "unit_price_usd": priceType(scaled),
			"vendor_id": kw(), "vendor": kw(), "ships_from": kw(), "ships_to": kw(),
			"ships_from_raw": m{"type": "text"}, "ships_to_raw": m{"type": "text"},
			"substances": m{"properties": m{"name": kw(), "class": kw(), "family": kw(), "term": kw(),
				"where": kw(), "confidence": m{"type": "float"}}},
			"drug_offer": m{"type": "boolean"}, "entities": entityMapping(), "status": kw(),
			"first_seen": date(), "last_seen": date(), "capture": captureMapping(), "issues": issuesMapping(),
			"dw": m{"properties": m{"text": m{"type": "text", "analyzer": "standard"}, "usd": priceType(scaled), "unit_usd": priceType(scaled), "vendor_keys": kw(),
				"substance": kw(), "class": kw(), "family": kw(), "ships_from": kw(), "ships_to": kw(), "entity": kw(), "untagged": kw()}},
		}},
		kindVendors: {"dynamic": false, "properties": m{
			"id": kw(), "market": kw(), "handle": kw(), "display_name": textKW(256), "url": kw(), "level": kw(),
			"rating": m{"type": "float"}, "sales": m{"type": "long"}, "pgp": kw(), "entities": entityMapping(),
			"markets": kw(), "substances": kw(), "actor": kw(), "first_seen": date(), "last_seen": date(),
			"capture": captureMapping(), "issues": issuesMapping(),
			"dw": m{"properties": m{"entity": kw()}},
		}},
		kindObservations: {"dynamic": false, "properties": m{
			"listing_id": kw(), "market": kw(), "time": date(), "price": priceMapping(scaled), "status": kw(),
			"capture": captureMapping(), "dw": m{"properties": m{"key": kw()}},
		}},
		kindNovelty: {"dynamic": false, "properties": m{
			"key": kw(), "created": date(),
			"evidence": m{"properties": m{"listing_ids": kw(), "vendor_ids": kw(), "market": kw(),
				"sha256": kw(), "time": date(), "note": m{"type": "text"}}},
		}},
		kindAlerts: {"dynamic": true, "properties": m{
			"id": kw(), "rule": kw(), "kind": kw(), "severity": kw(), "market": kw(), "subject": kw(),
			"time": date(), "created": date(), "dedup_key": kw(), "listing_ids": kw(), "vendor_ids": kw(),
		}},
	}
}
