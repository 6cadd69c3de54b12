package crawler_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// cancelSink cancels a context after the first page it is handed, then passes pages on.
type cancelSink struct {
	*memSink
	once   sync.Once
	cancel context.CancelFunc
}

func (s *cancelSink) Put(ctx context.Context, p crawler.Page) error {
	s.once.Do(s.cancel)
	return s.memSink.Put(ctx, p)
}

// TestFetchCarriesItsContext: each fetch runs on its own context. A second Run of the same
// crawler, after the first one's context ended, fetches every page (a collector that kept
// the first Run's context would fail every fetch of the second with "context canceled").
func TestFetchCarriesItsContext(t *testing.T) {
	fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{HostMaxInFlight: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	h := newHarness(t, testbed.Options{Seed: 7, Listings: 8}, fr, 2)
	ctx1, cancel1 := context.WithCancel(context.Background())
	defer cancel1()
	cs := &cancelSink{memSink: h.sink, cancel: cancel1}
	cr, err := crawler.New(h.opts, h.deps(cs))
	if err != nil {
		t.Fatal(err)
	}
	if err := cr.Seed(ctx1); err != nil {
		t.Fatal(err)
	}
	_ = cr.Run(ctx1) // ends after the first page
	first := len(h.sink.pages)

	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel2()
	if err := cr.Run(ctx2); err != nil {
		t.Fatal(err)
	}
	if ctx2.Err() != nil {
		t.Fatal("second run did not finish")
	}
	var missing int
	for _, l := range h.world.Truth().Listings {
		if h.sink.pages[l.URL] == 0 {
			missing++
		}
	}
	st, err := fr.Stats(ctx2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first run: %d pages; after the second: %d pages, %d dead", first, len(h.sink.pages), st.Dead)
	if missing > 0 || st.Dead > 0 {
		t.Errorf("after a second run: %d truth listing pages never fetched, %d dead letters; want all fetched, none dead", missing, st.Dead)
	}
}
