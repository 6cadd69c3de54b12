package crawler_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
)

// worldTransport serves requests from the testbed world it holds now (in memory).
type worldTransport struct{ w atomic.Pointer[testbed.World] }

func (t *worldTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Host = r.URL.Host
	rec := httptest.NewRecorder()
	t.w.Load().Handler().ServeHTTP(rec, r2)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// twoDays is a testbed world on day 1 and day 2 behind one transport (switched by the
// test), an embedded frontier and the markets to crawl.
type twoDays struct {
	w1, w2  *testbed.World
	tr      *worldTransport
	fr      *frontier.Bolt
	x       *extract.Extractor
	markets []crawler.Market
	dir     string
}

func newTwoDays(t *testing.T, tb testbed.Options) *twoDays {
	t.Helper()
	r := &twoDays{tr: &worldTransport{}, dir: t.TempDir()}
	var err error
	if r.w1, err = testbed.New(tb); err != nil {
		t.Fatal(err)
	}
	tb.Day = 2
	if r.w2, err = testbed.New(tb); err != nil {
		t.Fatal(err)
	}
	r.tr.w.Store(r.w1)
	if r.fr, err = frontier.OpenBolt(filepath.Join(r.dir, "frontier.db"), frontier.Options{BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.fr.Close() })
	if r.x, err = extract.New(extract.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, m := range r.w1.Markets() {
		r.markets = append(r.markets, crawler.Market{Name: m.Name, Profile: "auto", Seeds: []string{m.URL}, Cookies: m.Cookie})
	}
	return r
}

// book opens a card book in the rig's directory.
func (r *twoDays) book(t *testing.T, name string) *crawler.CardBook {
	t.Helper()
	b, err := crawler.OpenCardBook(filepath.Join(r.dir, name+".cards.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// checkChangesFetched reports every listing the day-2 truth says changed price or is gone
// whose page was not fetched on day 2; it returns how many changes the truth has.
func (r *twoDays) checkChangesFetched(t *testing.T) int {
	t.Helper()
	fetched := map[string]bool{}
	for _, e := range r.w2.Stats().Log {
		if u, err := url.Parse(e.URL); err == nil {
			fetched[e.Host+u.Path] = true
		}
	}
	urls := map[string]string{}
	for _, l := range append(r.w1.Truth().Listings, r.w2.Truth().Listings...) {
		urls[l.ID] = l.URL
	}
	changes := 0
	for _, a := range r.w2.Truth().Alerts {
		if a.Kind != testbed.AlertPriceChange && a.Kind != testbed.AlertListingGone {
			continue
		}
		changes++
		u, err := url.Parse(urls[a.Subject])
		if err != nil || !fetched[u.Host+u.Path] {
			t.Errorf("day 2: %s of %s not fetched (%s)", a.Kind, a.Subject, urls[a.Subject])
		}
	}
	return changes
}

// calibrateDay1 returns how long a --once crawl of world's day 1 takes here (with the
// card book, as TestScheduledRecrawlChangeDriven's day 1), on its own frontier.
func calibrateDay1(t *testing.T, world testbed.Options) time.Duration {
	t.Helper()
	r := newTwoDays(t, world)
	cr, err := crawler.New(crawler.Options{Markets: r.markets, Workers: 4, Once: true, Lease: 30 * time.Second, FetchTimeout: 30 * time.Second},
		crawler.Deps{Frontier: r.fr, Transport: r.tr, Extractor: r.x, Sink: newMemSink(), Cards: r.book(t, "calibrate")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	if err := cr.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cr.Run(ctx); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("calibration: day 1 crawled in %v", el.Round(time.Millisecond))
	return el
}

// TestScheduledRecrawlChangeDriven runs the long-running crawl (not --once, not --refresh)
// with a recrawl period and the card book on the embedded frontier: day 1 is crawled, then
// the world turns to day 2 and the scheduled recrawl comes round. It must use the same
// change-driven logic as `crawl --refresh`: the navigation pages come back, and of the
// listing pages only those whose card changed, that vanished, or that the cards cannot vouch
// for are fetched again. Every listing the truth says changed price or is gone is fetched on
// day 2; the day-2 requests are a fraction of day 1's (printed, with the refetch reasons).
func TestScheduledRecrawlChangeDriven(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a recrawl round")
	}
	world := testbed.Options{Seed: 7, Markets: 4, Listings: 20, Traps: true}
	// The recrawl period must be long against day 1's crawl (its pages must not come back
	// before the switch to day 2) and the test reads rounds by the clock: it is scaled to
	// this machine's speed, four times a calibration crawl of day 1 (10 s at least).
	recrawl := max(10*time.Second, 4*calibrateDay1(t, world)).Round(time.Second)
	r := newTwoDays(t, world)
	w1, w2, tr, fr := r.w1, r.w2, r.tr, r.fr
	cards := r.book(t, "cards")
	sink := newMemSink()
	reg := prometheus.NewRegistry()
	cr, err := crawler.New(crawler.Options{Markets: r.markets, Workers: 4, Recrawl: recrawl, Lease: 30 * time.Second, FetchTimeout: 30 * time.Second,
		Metrics: crawler.NewMetrics(reg)},
		crawler.Deps{Frontier: fr, Transport: tr, Extractor: r.x, Sink: sink, Cards: cards})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(2*time.Minute, 8*recrawl))
	defer cancel()
	if err := cr.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cr.Run(ctx) }()

	// quiet waits until nothing is queued or in flight (only recrawls are scheduled).
	quiet := func(what string) {
		t.Helper()
		for {
			st, err := fr.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Queued+st.InFlight == 0 {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s did not settle: %+v", what, st)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	start := time.Now()
	quiet("day 1")
	st1 := w1.Stats()
	day1 := st1.Requests
	if el := time.Since(start); el > recrawl/2 {
		t.Fatalf("day 1 took %v: too slow for a recrawl period of %v", el, recrawl)
	}
	tr.w.Store(w2)
	switched := time.Now()
	// The navigation pages come back after recrawl, the listing pages a quarter later;
	// then the sweep finds the vanished ones.
	// then the sweep (every quarter period) finds those whose card was not seen for two
	// periods.
	time.Sleep(2*recrawl + recrawl/2)
	quiet("day 2")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.checkChangesFetched(t)
	st2 := w2.Stats()
	// The first round: the navigation pages due after one period and the listing pages
	// due a quarter later (a second round of navigation pages follows one period later).
	var round1 int64
	perHost := map[string]int64{}
	listings1, listings2 := map[string]int{}, map[string]int{}
	for _, e := range st1.Log {
		if u, err := url.Parse(e.URL); err == nil && listingPage(u.Path) {
			listings1[e.Host]++
		}
	}
	kinds := map[string]int{}
	for _, e := range st2.Log {
		u, err := url.Parse(e.URL)
		if err != nil || !e.Start.Before(switched.Add(recrawl+recrawl/2)) {
			continue
		}
		round1++
		kinds[strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 2)[0]]++
		perHost[e.Host]++
		if listingPage(u.Path) {
			listings2[e.Host]++
		}
	}
	cs := cr.Stats()
	ratio := float64(round1) / float64(day1)
	t.Logf("scheduled recrawl: day 1 %d requests, day 2 first round %d: ratio %.3f (by first path segment %v); %d requests in %v after day 2 began; refetched by reason %v; not fetched by reason %v",
		day1, round1, ratio, kinds, st2.Requests, time.Since(switched).Round(time.Second), cs.Refetches(), cs.Skips())
	// In a world this small a rushop district page shows fewer than 3 products: no cards,
	// only links, so its listing pages are the only place their prices show and come back
	// by design (no_comparable_card). The other families' cards carry a price or an
	// activity: their unchanged listing pages are not fetched.
	for _, m := range w1.Markets() {
		d1 := st1.PerHost[m.Host]
		r := float64(listings2[m.Host]) / float64(listings1[m.Host])
		t.Logf("  %s (%s): day 1 %d requests (%d listing pages), day 2 first round %d (%d listing pages: %.3f)",
			m.Name, m.Family, d1, listings1[m.Host], perHost[m.Host], listings2[m.Host], r)
		if m.Family != "rushop" && r > 0.35 {
			t.Errorf("%s: the day-2 recrawl round fetched %.3f of the listing pages, want <= 0.35: it is not change-driven", m.Name, r)
		}
	}
	if cs.Skips()[crawler.SkipUnchanged] == 0 {
		t.Errorf("no listing page skipped as unchanged")
	}
	// The refetches are exported by reason.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, mf := range mfs {
		if mf.GetName() != "darkwatch_crawl_listings_refetched_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "reason" {
					got[lp.GetValue()] += int64(m.GetCounter().GetValue())
				}
			}
		}
	}
	if want := cs.Refetches(); !maps.Equal(got, want) {
		t.Errorf("darkwatch_crawl_listings_refetched_total by reason %v, the crawl counted %v", got, want)
	}
}

// listingPage reports whether a testbed path is a listing page (of the families crawled).
func listingPage(path string) bool {
	for _, p := range []string{"/listing/", "/post/", "/product/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
