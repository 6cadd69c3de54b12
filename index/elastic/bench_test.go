package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/indextest"
)

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := New(Options{URLs: []string{testenv.ESURL(b)}, Prefix: fmt.Sprintf("dwbench-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.DeleteAll(context.Background())
		s.Close()
	})
	return s
}

// BenchmarkIngest puts batches of 1000 new listings through the Store and, in the same
// loop, sends the same listing documents through a bare esutil.BulkIndexer (flushed per
// batch, as a put is synchronous). It reports both rates and the ratio (target >= 0.9).
// ratio-all compares with a bare indexer that also writes the observation documents a
// put writes.
func BenchmarkIngest(b *testing.B) {
	const batch = 1000
	s := benchStore(b)
	base := benchStore(b) // same mappings, separate indices
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{Client: base.es, NumWorkers: s.opts.Workers, FlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer bi.Close(context.Background())
	bare := func(ctx context.Context, alias string, ids []string, bodies [][]byte) {
		for i := range ids {
			err := bi.Add(ctx, esutil.BulkIndexerItem{Index: alias, Action: "index", DocumentID: ids[i], Body: bytes.NewReader(bodies[i]),
				OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
					b.Errorf("bare item failed: %d %v", r.Status, err)
				}})
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := bi.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	_, corpus := indextest.Synthetic(100*batch, 3)
	ctx := context.Background()
	var storeT, bareT, bareAllT time.Duration
	docs, round := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		ls := corpus[(round*batch)%len(corpus):][:batch]
		for i := range ls {
			ls[i].ID = fmt.Sprintf("r%d/%d", round, i)
		}
		round++
		start := time.Now()
		if err := s.PutListings(ctx, ls); err != nil {
			b.Fatal(err)
		}
		storeT += time.Since(start)

		// The bare loops encode their documents too, as any indexing loop must.
		encode := func(withObs bool, idPrefix string) ([]string, [][]byte) {
			ids := make([]string, 0, 2*len(ls))
			bodies := make([][]byte, 0, 2*len(ls))
			now := time.Now()
			for _, l := range ls {
				pl := index.PrepareListing(l, now)
				raw, _ := json.Marshal(newListingDoc(pl))
				ids, bodies = append(ids, idPrefix+l.ID), append(bodies, raw)
				if withObs {
					o := obsDoc{Observation: index.ObservationOf(pl)}
					o.DW.Key = index.ObservationKey(o.Observation)
					raw, _ := json.Marshal(o)
					ids, bodies = append(ids, idPrefix+o.DW.Key), append(bodies, raw)
				}
			}
			return ids, bodies
		}
		start = time.Now()
		ids, bodies := encode(false, "")
		bare(ctx, base.Alias(kindListings), ids, bodies)
		bareT += time.Since(start)
		start = time.Now()
		ids, bodies = encode(true, "all-")
		bare(ctx, base.Alias(kindListings), ids, bodies)
		bareAllT += time.Since(start)
		docs += len(ls)
	}
	rate := func(d time.Duration) float64 { return float64(docs) / d.Seconds() }
	b.ReportMetric(rate(storeT), "store-docs/s")
	b.ReportMetric(rate(bareT), "bulk-docs/s")
	b.ReportMetric(rate(storeT)/rate(bareT), "ratio")
	b.ReportMetric(rate(storeT)/rate(bareAllT), "ratio-all")
}

// BenchmarkSearch reports search latency percentiles over BenchListings() listings.
func BenchmarkSearch(b *testing.B) {
	s := benchStore(b)
	indextest.LoadSynthetic(b, s, indextest.BenchListings())
	indextest.BenchSearch(b, s)
}
