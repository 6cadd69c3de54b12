package crawler_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/crawler/tor"
	"github.com/darkwatch/darkwatch/extract"
)

// slowTransport delays every request and records how many requests of each URL run at once.
type slowTransport struct {
	next  http.RoundTripper
	delay time.Duration

	mu      sync.Mutex
	running map[string]int
	maxRun  map[string]int
	total   map[string]int
}

func (s *slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	u := r.URL.String()
	s.mu.Lock()
	s.running[u]++
	s.total[u]++
	s.maxRun[u] = max(s.maxRun[u], s.running[u])
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running[u]--
		s.mu.Unlock()
	}()
	select {
	case <-time.After(s.delay):
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return s.next.RoundTrip(r)
}

// TestCrawlSlowPagesKeepTheirLease: pages that take longer than the lease TTL (a big page
// over a slow circuit) keep their lease while they are fetched, so the reaper of another
// crawler on the same frontier does not hand them out again: no URL is fetched twice, let
// alone twice at once. (Before the crawler extended its leases, every page here was fetched
// by both crawlers.)
func TestCrawlSlowPagesKeepTheirLease(t *testing.T) {
	const ttl = 400 * time.Millisecond
	w, srv := serveTestbed(t, testbed.Options{Seed: 9, Markets: 1, Listings: 4})
	pool, err := tor.New(tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.SOCKSAddr()}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{HostMaxInFlight: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := &slowTransport{next: pool.RoundTripper(), delay: 3 * ttl, running: map[string]int{}, maxRun: map[string]int{}, total: map[string]int{}}
	sink := newMemSink()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for range 2 {
		cr, err := crawler.New(crawler.Options{Markets: testbedMarkets(w), Workers: 3, Lease: ttl, FetchTimeout: 10 * time.Second, Once: true},
			crawler.Deps{Frontier: fr, Transport: tr, Extractor: x, Sink: sink})
		if err != nil {
			t.Fatal(err)
		}
		if err := cr.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := cr.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("crawl did not finish")
	}
	checkComplete(t, w, sink.pages)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for u, n := range tr.total {
		if n > 1 {
			t.Errorf("%s fetched %d times (%d at once)", u, n, tr.maxRun[u])
		}
	}
	t.Logf("%d URLs fetched", len(tr.total))
}
