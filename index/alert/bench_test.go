package alert_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/embedded"
)

// BenchmarkObservePage measures the engine's work on a recrawled listing page (nothing new:
// the common case) against the baseline of storing the same page (PutListings), on the
// embedded store, and reports the ratio.
func BenchmarkObservePage(b *testing.B) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, embedded.Options{Dir: filepath.Join(b.TempDir(), "index")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng, err := alert.New(alert.Options{Rules: e2eRules(), Store: st, LogPath: filepath.Join(b.TempDir(), "alerts.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	const n = 200
	pages := make([]alert.Page, n)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range pages {
		l := listing("m1", fmt.Sprint(i), "listing", 10+float64(i), "cocaine:stimulant")
		l.Market, l.FirstSeen, l.LastSeen = "m1", t0, t0
		v := record.Vendor{ID: "m1/v", Market: "m1", Handle: "v", PGP: []string{"PGPBENCH"}}
		pages[i] = alert.Page{Market: "m1", URL: l.URL, Status: 200, Listings: []record.Listing{l}, Vendors: []record.Vendor{v}}
		if err := st.PutListings(ctx, pages[i].Listings); err != nil {
			b.Fatal(err)
		}
		if err := eng.ObservePage(ctx, pages[i]); err != nil {
			b.Fatal(err)
		}
	}
	var base, obs time.Duration
	b.Run("baseline_put_listings", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		start := time.Now()
		for b.Loop() {
			if err := st.PutListings(ctx, pages[i%n].Listings); err != nil {
				b.Fatal(err)
			}
			i++
		}
		base = time.Since(start) / time.Duration(max(i, 1))
	})
	b.Run("observe_page", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		start := time.Now()
		for b.Loop() {
			if err := eng.ObservePage(ctx, pages[i%n]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		obs = time.Since(start) / time.Duration(max(i, 1))
		if base > 0 {
			b.ReportMetric(float64(obs)/float64(base), "x_put_listings")
		}
	})
}
