package indextest

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/index"
)

// BenchListings is the corpus size of search benchmarks: $DARKWATCH_BENCH_LISTINGS or
// 10000 (the bench target sets 100000).
func BenchListings() int {
	if n, err := strconv.Atoi(os.Getenv("DARKWATCH_BENCH_LISTINGS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// LoadSynthetic puts n synthetic listings (and their vendors) in batches of 1000 and
// flushes.
func LoadSynthetic(tb testing.TB, s index.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	vs, ls := Synthetic(n, 1)
	if err := s.PutVendors(ctx, vs); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < len(ls); i += 1000 {
		if err := s.PutListings(ctx, ls[i:min(i+1000, len(ls))]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
}

// BenchSearch runs the BenchQueries mix in b.Loop and reports p50 and p95 latency in ms.
func BenchSearch(b *testing.B, s index.Store) {
	qs := BenchQueries()
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		q := qs[i%len(qs)]
		i++
		start := time.Now()
		if _, err := s.Search(ctx, q.Query); err != nil {
			b.Fatalf("%s: %v", q.Name, err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}
