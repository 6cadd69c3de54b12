package elastic_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/deploy/testenv"
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
