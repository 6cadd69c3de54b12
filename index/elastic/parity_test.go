package elastic_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/elastic"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/darkwatch/darkwatch/index/indextest"
)

// TestParityWithEmbedded loads the same synthetic corpus into both backends and checks
// that every benchmark query, with several sorts and pages, gives the same listings in
// the same order, the same totals and the same aggregations.
func TestParityWithEmbedded(t *testing.T) {
	es := newStore(t, elastic.Options{})
	em, err := embedded.Open(context.Background(), embedded.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	const n = 3000
	indextest.LoadSynthetic(t, es, n)
	indextest.LoadSynthetic(t, em, n)
	ids := func(ls []record.Listing) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = l.ID
		}
		return out
	}
	ctx := context.Background()
	for _, qc := range indextest.BenchQueries() {
		for _, sort := range []string{"", "price", "-last_seen", "first_seen", "-unit_price"} {
			for _, page := range [][2]int{{0, 20}, {15, 30}, {0, 0}} {
				q := qc.Query
				q.Sort, q.From, q.Size = sort, page[0], page[1]
				q.Aggs = []string{"substance", "market", "vendor", "ships_to"}
				a, err := es.Search(ctx, q)
				if err != nil {
					t.Fatalf("%s: elasticsearch: %v", qc.Name, err)
				}
				b, err := em.Search(ctx, q)
				if err != nil {
					t.Fatalf("%s: embedded: %v", qc.Name, err)
				}
				ga, gb := ids(a.Listings), ids(b.Listings)
				if sort == "" && q.Text != "" && page[1] == 0 {
					// Relevance scores are computed by two engines; compare the full sets.
					slices.Sort(ga)
					slices.Sort(gb)
				}
				if a.Total != b.Total || !slices.Equal(ga, gb) {
					t.Errorf("%s sort=%q page=%v: elasticsearch total %d %v\nembedded total %d %v", qc.Name, sort, page, a.Total, head(ga), b.Total, head(gb))
				}
				if diff := cmp.Diff(a.Aggs, b.Aggs); diff != "" {
					t.Errorf("%s: aggregations differ (-es +embedded):\n%s", qc.Name, diff)
				}
			}
		}
	}
}

func head(v []string) []string { return v[:min(len(v), 8)] }

var _ = index.Query{}
