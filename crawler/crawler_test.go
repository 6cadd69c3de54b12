package crawler_test

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/capture"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/crawler/tor"
	"github.com/darkwatch/darkwatch/extract"
)

// memSink keeps what the crawler hands over.
type memSink struct {
	mu       sync.Mutex
	listings map[string]extract.Listing
	vendors  map[string]extract.Vendor
	pages    map[string]int
}

func newMemSink() *memSink {
	return &memSink{listings: map[string]extract.Listing{}, vendors: map[string]extract.Vendor{}, pages: map[string]int{}}
}

func (s *memSink) Put(_ context.Context, p crawler.Page) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[p.URL]++
	for _, l := range p.Result.Listings {
		s.listings[l.ID] = l
	}
	for _, v := range p.Result.Vendors {
		s.vendors[v.ID] = v
	}
	return nil
}

type harness struct {
	world  *testbed.World
	server *testbed.Server
	sink   *memSink
	cr     *crawler.Crawler
	front  frontier.Frontier
	warc   string
}

func newHarness(t *testing.T, tb testbed.Options, fr frontier.Frontier, workers int) *harness {
	t.Helper()
	w, err := testbed.New(tb)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	pool, err := tor.New(tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.SOCKSAddr()}}, ConnectTimeout: 20 * time.Second, ReadIdleTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	warcDir := t.TempDir()
	cw, err := capture.Open(capture.Options{Dir: warcDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cw.Close() })
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var markets []crawler.Market
	for _, m := range w.Markets() {
		markets = append(markets, crawler.Market{Name: m.Name, Profile: "auto", Seeds: []string{m.URL}, Cookies: m.Cookie})
	}
	sink := newMemSink()
	cr, err := crawler.New(crawler.Options{Markets: markets, Workers: workers, Once: true, Lease: 30 * time.Second, FetchTimeout: 30 * time.Second},
		crawler.Deps{Frontier: fr, Transport: pool.RoundTripper(), Capture: cw, Extractor: x, Sink: sink, NewCircuit: pool.NewCircuit})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{world: w, server: srv, sink: sink, cr: cr, front: fr, warc: warcDir}
}

func (h *harness) run(t *testing.T, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := h.cr.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.cr.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("crawl did not finish within %v", timeout)
	}
}

// TestCrawlTestbedEmbedded crawls every market of the testbed through the SOCKS emulator with
// the embedded frontier: every truth listing reaches the sink, and no URL is fetched twice.
func TestCrawlTestbedEmbedded(t *testing.T) {
	fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{HostMaxInFlight: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	h := newHarness(t, testbed.Options{Seed: 7, Listings: 40}, fr, 8)
	h.run(t, 3*time.Minute)

	truth := h.world.Truth()
	var missing []string
	extracted := 0
	for _, l := range truth.Listings {
		if h.sink.pages[l.URL] == 0 {
			missing = append(missing, l.URL)
		}
		if _, ok := h.sink.listings[l.ID]; ok {
			extracted++
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d truth listing pages never reached the sink, e.g. %v", len(missing), len(truth.Listings), missing[:min(5, len(missing))])
	}
	t.Logf("truth listings extracted with their exact id: %d of %d", extracted, len(truth.Listings))
	stats := h.world.Stats()
	for u, n := range stats.PerURL {
		if n > 1 {
			t.Errorf("URL %s fetched %d times", u, n)
		}
	}
	t.Logf("pages=%d listings=%d vendors=%d errors=%d testbed requests=%d",
		h.cr.Stats().Pages.Load(), len(h.sink.listings), len(h.sink.vendors), h.cr.Stats().Errors.Load(), stats.Requests)
}
