package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/api"
	"github.com/darkwatch/darkwatch/index/indextest"
)

// TestSearchUntagged: the untagged-offers query of the API (GET /api/v1/search?untagged=...)
// lists drug offers with no substance named and offers whose category and substance
// disagree, with the counts per market; responses are checked against openapi.yaml.
func TestSearchUntagged(t *testing.T) {
	e := newEnv(t, envOptions{listings: indextest.UntaggedListings()})
	for _, tc := range []struct {
		query string
		want  []string
		aggs  []index.Bucket
	}{
		{"untagged=no_substance", []string{"delta/u1", "delta/u5", "echo/u6"}, []index.Bucket{{Key: "delta", Count: 2}, {Key: "echo", Count: 1}}},
		{"untagged=class_conflict", []string{"delta/u2"}, []index.Bucket{{Key: "delta", Count: 1}}},
		{"untagged=no_substance,class_conflict", []string{"delta/u1", "delta/u2", "delta/u5", "echo/u6"}, []index.Bucket{{Key: "delta", Count: 3}, {Key: "echo", Count: 1}}},
		{"untagged=no_substance&untagged=class_conflict&market=echo", []string{"echo/u6"}, []index.Bucket{{Key: "echo", Count: 1}}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var got api.SearchResponse
			e.getJSON(t, "/api/v1/search?"+tc.query+"&agg=market&sort=id", bearer(analystToken), 200, &got)
			ids := ids(got.Listings)
			if !slices.Equal(ids, tc.want) || got.Total != len(tc.want) {
				t.Errorf("listings %v (total %d), want %v", ids, got.Total, tc.want)
			}
			if diff := cmp.Diff(tc.aggs, got.Aggs["market"]); diff != "" {
				t.Errorf("counts per market (-want +got):\n%s", diff)
			}
		})
	}
	code, body, _ := e.do(t, "GET", "/api/v1/search?"+url.Values{"untagged": {"unknown"}}.Encode(), bearer(analystToken), nil)
	if code != 400 || !strings.Contains(string(body), "untagged") || !strings.Contains(string(body), "no_substance, class_conflict") {
		t.Errorf("bad untagged value: %d %s, want 400 naming the values", code, body)
	}
}
