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
	opts   crawler.Options
	base   crawler.Deps
}

// deps are the harness's crawler dependencies with another sink.
func (h *harness) deps(sink crawler.Sink) crawler.Deps {
	d := h.base
	d.Sink = sink
	return d
}

func newHarness(t *testing.T, tb testbed.Options, fr frontier.Frontier, workers int) *harness {
	t.Helper()
	return newHarnessOpts(t, tb, fr, crawler.Options{Workers: workers})
}

// serveTestbed serves a testbed world (HTTP and SOCKS) until the test ends.
func serveTestbed(t *testing.T, o testbed.Options) (*testbed.World, *testbed.Server) {
	t.Helper()
	w, err := testbed.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return w, srv
}

func newHarnessOpts(t *testing.T, tb testbed.Options, fr frontier.Frontier, co crawler.Options) *harness {
	t.Helper()
	w, srv := serveTestbed(t, tb)
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
	co.Markets, co.Once, co.Lease, co.FetchTimeout = markets, true, 30*time.Second, 30*time.Second
	deps := crawler.Deps{Frontier: fr, Transport: pool.RoundTripper(), Capture: cw, Extractor: x, Sink: sink, NewCircuit: pool.NewCircuit}
	cr, err := crawler.New(co, deps)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{world: w, server: srv, sink: sink, cr: cr, front: fr, warc: warcDir, opts: co, base: deps}
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

// TestCrawlOnionFaults crawls 4 markets x 500 listings with Tor-like latency and failures
// (scaled down in time): every truth listing page is captured and handed to the sink, no URL
// is fetched twice except retries after injected failures, and every record's capture
// reference matches its WARC record.
func TestCrawlOnionFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("long crawl")
	}
	fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{
		HostMaxInFlight: 4, BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		HostBackoffBase: 50 * time.Millisecond, HostBackoffMax: 500 * time.Millisecond, MaxAttempts: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	h := newHarness(t, testbed.Options{Seed: 11, Markets: 4, Listings: 500, Faults: testbed.FaultsOnion, TimeScale: 0.005}, fr, 16)
	h.run(t, 8*time.Minute)

	truth := h.world.Truth()
	var missing []string
	for _, l := range truth.Listings {
		if h.sink.pages[l.URL] == 0 {
			missing = append(missing, l.URL)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d truth listing pages never reached the sink, e.g. %v", len(missing), len(truth.Listings), missing[:min(5, len(missing))])
	}
	// A URL may be requested again only after a failure the testbed injected: a status >= 400
	// answer or a SOCKS failure (which never reaches the HTTP log).
	stats := h.world.Stats()
	ok := map[string]int{}
	for _, e := range stats.Log {
		if e.Status < 400 {
			ok[e.URL]++
		}
	}
	for u, n := range ok {
		if n > 1 {
			t.Errorf("URL %s answered OK %d times: fetched again without a failure", u, n)
		}
	}
	for u, n := range h.sink.pages {
		if n > 1 {
			t.Errorf("URL %s handed to the sink %d times", u, n)
		}
	}
	checkWARC(t, h)
	t.Logf("pages=%d listings=%d errors=%d testbed requests=%d", h.cr.Stats().Pages.Load(), len(h.sink.listings), h.cr.Stats().Errors.Load(), stats.Requests)
}

// TestCrawlPoliteness checks per-host limits from the testbed's request log.
func TestCrawlPoliteness(t *testing.T) {
	const delay = 40 * time.Millisecond
	fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{HostMaxInFlight: 2, HostDelay: delay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	h := newHarness(t, testbed.Options{Seed: 3, Markets: 2, Listings: 15}, fr, 8)
	h.run(t, 3*time.Minute)
	byHost := map[string][]testbed.LogEntry{}
	for _, e := range h.world.Stats().Log {
		byHost[e.Host] = append(byHost[e.Host], e)
	}
	if len(byHost) == 0 {
		t.Fatal("empty request log")
	}
	for host, es := range byHost {
		sort.Slice(es, func(i, j int) bool { return es[i].Start.Before(es[j].Start) })
		// Leases are spaced by delay; a request reaches the server after a variable dial time,
		// so single gaps may be shorter, but no window of 10 delays may hold more than 10
		// request starts (+2 for the jitter at both ends).
		const window = 10 * delay
		for i := range es {
			n := 0
			for j := i; j < len(es) && es[j].Start.Sub(es[i].Start) < window; j++ {
				n++
			}
			if n > 12 {
				t.Errorf("%s: %d requests within %v from request %d, want <= 12", host, n, window, i)
				break
			}
		}
		if mc := h.world.Stats().MaxConcurrency[host]; mc > 2 {
			t.Errorf("%s: %d requests at once, want <= 2", host, mc)
		}
		t.Logf("%s: %d requests, max concurrency %d", host, len(es), h.world.Stats().MaxConcurrency[host])
	}
}

// checkWARC reads every WARC file of the crawl and checks that each record the sink got
// points at a record whose payload has the referenced SHA-256.
func checkWARC(t *testing.T, h *harness) {
	t.Helper()
	digests := readWARCDigests(t, h.warc)
	n := 0
	for _, l := range h.sink.listings {
		if l.Capture == nil {
			t.Errorf("listing %s has no capture reference", l.ID)
			continue
		}
		got, ok := digests[l.Capture.RecordID]
		if !ok {
			t.Errorf("listing %s: record %s not in the WARC files", l.ID, l.Capture.RecordID)
			continue
		}
		if got != l.Capture.SHA256 {
			t.Errorf("listing %s: WARC payload sha256 %s, reference %s", l.ID, got, l.Capture.SHA256)
		}
		n++
	}
	t.Logf("WARC: %d records read, %d listing references verified", len(digests), n)
}

// TestCrawlHostile crawls markets with every hostile fault on (login walls with the truth's
// cookies, queue and CAPTCHA pages, 429s, traps, redirect loops, a 50 MB page, a gzip bomb,
// deeply nested and malformed HTML): the crawl ends, the traps stay bounded, and the process's
// peak memory stays under a bound.
func TestCrawlHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("long crawl")
	}
	fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{
		HostMaxInFlight: 3, BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		HostBackoffBase: 50 * time.Millisecond, HostBackoffMax: 500 * time.Millisecond, MaxAttempts: 8, MaxPagesPerMarket: 400})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	h := newHarnessOpts(t, testbed.Options{Seed: 5, Markets: 4, Listings: 40, Faults: testbed.FaultsHostile, TimeScale: 0.001}, fr,
		crawler.Options{Workers: 6, MaxBody: 2 << 20, MaxDepth: 8})
	h.run(t, 6*time.Minute)

	st := h.world.Stats()
	for u, n := range st.PerURL {
		if n > 20 {
			t.Errorf("URL %s requested %d times", u, n)
		}
	}
	fst, err := fr.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for m, ms := range fst.Markets {
		if ms.Seen > 400 {
			t.Errorf("market %s: %d URLs seen, cap 400", m, ms.Seen)
		}
		t.Logf("market %s: seen %d dead %d paused %q", m, ms.Seen, ms.Dead, ms.Paused)
	}
	peak := peakRSS(t)
	t.Logf("pages=%d listings=%d errors=%d skipped=%d testbed requests=%d peak RSS=%d MiB",
		h.cr.Stats().Pages.Load(), len(h.sink.listings), h.cr.Stats().Errors.Load(), h.cr.Stats().Skipped.Load(), st.Requests, peak>>20)
	// The test binary holds the testbed too; the bound is loose but catches a body read whole
	// (the 50 MB page) or an expanded gzip bomb (256 MiB). Measured here: 269 MiB, 692 MiB
	// under -race.
	if bound := int64(400<<20) * raceMemFactor; peak > bound {
		t.Errorf("peak RSS %d MiB > %d MiB", peak>>20, bound>>20)
	}
	if len(h.sink.listings) == 0 {
		t.Error("no listing extracted behind the login walls")
	}
}
