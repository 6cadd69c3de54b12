package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/darkwatch/darkwatch/index/indextest"
)

// BenchmarkIngest puts batches of 1000 new listings through the Store and, in the same
// loop, indexes the same Bleve documents with a plain Bleve batch loop; it reports both
// rates and their ratio (target >= 0.8).
func BenchmarkIngest(b *testing.B) {
	const batch = 1000
	dir := b.TempDir()
	s, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "store")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	im, err := newMapping()
	if err != nil {
		b.Fatal(err)
	}
	plain, err := bleve.New(filepath.Join(dir, "plain.bleve"), im)
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	_, corpus := indextest.Synthetic(200*batch, 7)
	var storeT, plainT time.Duration
	docs, round := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		ls := corpus[(round*batch)%len(corpus):][:batch]
		for i := range ls {
			ls[i].ID = fmt.Sprintf("r%d/%d", round, i) // always new listings
		}
		round++
		start := time.Now()
		if err := s.PutListings(context.Background(), ls); err != nil {
			b.Fatal(err)
		}
		storeT += time.Since(start)
		start = time.Now()
		bt := plain.NewBatch()
		for _, l := range ls {
			if err := bt.Index(l.ID, searchDoc(l)); err != nil {
				b.Fatal(err)
			}
		}
		if err := plain.Batch(bt); err != nil {
			b.Fatal(err)
		}
		plainT += time.Since(start)
		docs += len(ls)
	}
	storeRate := float64(docs) / storeT.Seconds()
	plainRate := float64(docs) / plainT.Seconds()
	b.ReportMetric(storeRate, "store-docs/s")
	b.ReportMetric(plainRate, "bleve-docs/s")
	b.ReportMetric(storeRate/plainRate, "ratio")
}

// BenchmarkSearch reports search latency percentiles over BenchListings() listings.
func BenchmarkSearch(b *testing.B) {
	s, err := Open(context.Background(), Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	indextest.LoadSynthetic(b, s, indextest.BenchListings())
	indextest.BenchSearch(b, s)
}
