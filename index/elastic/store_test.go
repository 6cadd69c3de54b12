package elastic_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/elastic"
	"github.com/darkwatch/darkwatch/index/indextest"
)

var seq atomic.Int64

// uniquePrefix names the indices of one test store.
func uniquePrefix() string {
	return fmt.Sprintf("dwtest-%d-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
}

// newStore opens a migrated store under a unique prefix and deletes its indices after t.
func newStore(t testing.TB, opts elastic.Options) *elastic.Store {
	t.Helper()
	if len(opts.URLs) == 0 {
		opts.URLs = []string{testenv.ESURL(t)}
	}
	if opts.Prefix == "" {
		opts.Prefix = uniquePrefix()
	}
	s, err := elastic.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		admin, _ := elastic.New(elastic.Options{URLs: opts.URLs, Prefix: opts.Prefix, Username: opts.Username, Password: opts.Password})
		if err := admin.DeleteAll(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		admin.Close()
	})
	return s
}

func TestConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) index.Store { return newStore(t, elastic.Options{}) })
}

// TestTwoProcessesConverge runs two Stores (separate clients and caches, as two crawler
// processes) on the same indices: concurrent upserts of the same listing and vendor merge
// instead of overwriting, and a novelty key is won once.
func TestTwoProcessesConverge(t *testing.T) {
	a := newStore(t, elastic.Options{})
	b, err := elastic.New(elastic.Options{URLs: []string{testenv.ESURL(t)}, Prefix: aPrefix(a)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	base := indextest.Listings()[0]
	var wg sync.WaitGroup
	wins := atomic.Int64{}
	for i, s := range []*elastic.Store{a, b, a, b, a, b} {
		wg.Go(func() {
			l := base
			l.LastSeen = base.LastSeen.Add(time.Duration(i) * time.Hour)
			l.Substances = []record.Substance{{Name: fmt.Sprintf("s%d", i), Class: "other"}}
			if err := s.PutListings(ctx, []record.Listing{l}); err != nil {
				t.Errorf("put %d: %v", i, err)
			}
			if ok, err := s.Novel(ctx, "race-key", index.Evidence{}); err != nil {
				t.Errorf("novel %d: %v", i, err)
			} else if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("novelty won %d times, want 1", wins.Load())
	}
	got, err := a.GetListing(ctx, base.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.FirstSeen.Equal(base.LastSeen) || !got.LastSeen.Equal(base.LastSeen.Add(5*time.Hour)) || got.Substances[0].Name != "s5" {
		t.Errorf("got first %v last %v subst %v; want first %v, last +5h, s5", got.FirstSeen, got.LastSeen, got.Substances, base.LastSeen)
	}
	v, err := b.GetVendor(ctx, base.VendorID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"s0", "s1", "s2", "s3", "s4", "s5"}; !slices.Equal(v.Substances, want) {
		t.Errorf("vendor substances %v, want %v (no lost update)", v.Substances, want)
	}
}

func aPrefix(s *elastic.Store) string { return strings.TrimSuffix(s.Alias("listings"), "-listings") }

// Bleve starts a package-level analysis worker pool at init.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}
