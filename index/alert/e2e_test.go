package alert_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/capture"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/crawler/tor"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/elastic"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/redis/go-redis/v9"
)

// storeSink is what cmd/darkwatch's indexSink does: store the page's records, then let the
// alert engines observe the page.
type storeSink struct {
	store   index.Store
	engines []*alert.Engine
}

func (s *storeSink) Put(ctx context.Context, p crawler.Page) error {
	at := p.Capture.Time
	ref := p.Capture
	ls := slices.Clone(p.Result.Listings)
	for i := range ls {
		if ls[i].Market == "" {
			ls[i].Market = p.Market
		}
		ls[i].FirstSeen, ls[i].LastSeen, ls[i].Capture = at, at, &ref
	}
	vs := slices.Clone(p.Result.Vendors)
	for i := range vs {
		if vs[i].Market == "" {
			vs[i].Market = p.Market
		}
		vs[i].FirstSeen, vs[i].LastSeen, vs[i].Capture = at, at, &ref
	}
	if len(vs) > 0 {
		if err := s.store.PutVendors(ctx, vs); err != nil {
			return err
		}
	}
	if stored := index.ToStore(p.Result.Kind, p.URL, ls); len(stored) > 0 { // as cmd's sink: cards partial
		if err := s.store.PutListings(ctx, stored); err != nil {
			return err
		}
	}
	for _, e := range s.engines {
		if err := e.ObservePage(ctx, alert.Page{Market: p.Market, URL: p.URL, Status: p.Status, Cards: index.CardPage(p.Result.Kind),
			NotFound: p.Result.Kind == extract.KindNotFound, Listings: ls, Vendors: vs, Capture: p.Capture}); err != nil {
			return err
		}
	}
	return nil
}

// crawlDay serves the testbed's day and crawls it once with the frontier fr into the sink.
func crawlDay(t *testing.T, tb testbed.Options, fr frontier.Frontier, sink crawler.Sink) *testbed.World {
	t.Helper()
	w, err := testbed.New(tb)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pool, err := tor.New(tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.SOCKSAddr()}}, ConnectTimeout: 20 * time.Second, ReadIdleTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	cw, err := capture.Open(capture.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer cw.Close()
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var markets []crawler.Market
	for _, m := range w.Markets() {
		markets = append(markets, crawler.Market{Name: m.Name, Profile: "auto", Seeds: []string{m.URL}, Cookies: m.Cookie})
	}
	cr, err := crawler.New(crawler.Options{Markets: markets, Workers: 8, Once: true, Lease: 30 * time.Second, FetchTimeout: 30 * time.Second,
		Recrawl: 24 * time.Hour},
		crawler.Deps{Frontier: fr, Transport: pool.RoundTripper(), Capture: cw, Extractor: x, Sink: sink, NewCircuit: pool.NewCircuit})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := cr.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- cr.Run(ctx) }()
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(4 * time.Minute):
		// Run should have returned at the 3-minute deadline: show where it is stuck (e.g. a
		// service that went away mid-test) instead of hanging until the test binary's timeout.
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Fatalf("crawler Run did not return after its context expired; goroutines:\n%s", b.String())
	}
	if ctx.Err() != nil {
		t.Fatal("crawl did not finish in time")
	}
	st := cr.Stats()
	t.Logf("day %d: pages=%d listings=%d vendors=%d errors=%d", tb.Day, st.Pages.Load(), st.Listings.Load(), st.Vendors.Load(), st.Errors.Load())
	return w
}

// e2eRules has one rule per kind that the testbed's truth names.
func e2eRules(notify ...string) []alert.Rule {
	return []alert.Rule{
		{Name: "new-vendors", Kind: alert.KindNewVendor, Notify: notify},
		{Name: "new-substances", Kind: alert.KindNewSubstance, Severity: alert.SeverityWarning, Notify: notify},
		{Name: "operators", Kind: alert.KindVendorOnNewMarket, Severity: alert.SeverityCritical, Notify: notify},
		{Name: "prices", Kind: alert.KindPriceChange, Notify: notify},
		{Name: "gone", Kind: alert.KindListingGone, Notify: notify},
	}
}

// tuple is an alert in the truth's terms: kind, market, subject (vendor_on_new_market: the
// truth's actor of the vendor).
func tuple(a alert.Alert, actorOf map[string]string) string {
	subj := a.Subject
	if a.Kind == alert.KindVendorOnNewMarket && len(a.VendorIDs) > 0 {
		subj = actorOf[a.VendorIDs[0]]
	}
	return a.Kind + " " + a.Market + " " + subj
}

// compareTruth checks that the alerts equal the truth's alerts: none missing, none extra,
// none doubled. It returns a per-kind "expected/raised" summary.
func compareTruth(t testing.TB, truth testbed.Truth, alerts []alert.Alert) string {
	t.Helper()
	actorOf := map[string]string{}
	for _, v := range truth.Vendors {
		actorOf[v.ID] = v.Actor
	}
	want := map[string]int{}
	perKind := map[string][2]int{}
	for _, a := range truth.Alerts {
		want[a.Kind+" "+a.Market+" "+a.Subject]++
		k := perKind[a.Kind]
		k[0]++
		perKind[a.Kind] = k
	}
	got := map[string]int{}
	for _, a := range alerts {
		got[tuple(a, actorOf)]++
		k := perKind[a.Kind]
		k[1]++
		perKind[a.Kind] = k
	}
	var missing, extra, doubled []string
	for k, n := range want {
		if got[k] == 0 {
			missing = append(missing, k)
		}
		if n > 1 {
			t.Errorf("truth lists %q %d times", k, n)
		}
	}
	for k, n := range got {
		if want[k] == 0 {
			extra = append(extra, k)
		} else if n > 1 {
			doubled = append(doubled, fmt.Sprintf("%s x%d", k, n))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(doubled)
	if len(missing)+len(extra)+len(doubled) > 0 {
		t.Errorf("day %d alerts vs truth: missing %d %v; extra %d %v; doubled %v", truth.Day, len(missing), missing, len(extra), extra, doubled)
	}
	var kinds []string
	for k := range perKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&b, "%s %d/%d  ", k, perKind[k][0], perKind[k][1])
	}
	return b.String()
}

func since(t *testing.T, l *alert.Log, before map[string]bool) []alert.Alert {
	t.Helper()
	all, err := l.List(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var out []alert.Alert
	for _, a := range all {
		if !before[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

func ids(t *testing.T, l *alert.Log) map[string]bool {
	t.Helper()
	all, err := l.List(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, a := range all {
		m[a.ID] = true
	}
	return m
}

// dayFrontier gives each day's crawl its frontier: refresh returns the frontier for the
// next day (the same one, with every page due again, when it can recrawl now).
type dayFrontier func(t *testing.T, day int) frontier.Frontier

func boltFrontiers(dir string) dayFrontier {
	var fr *frontier.Bolt
	return func(t *testing.T, day int) frontier.Frontier {
		t.Helper()
		if fr != nil {
			if r, ok := any(fr).(interface {
				RecrawlNow(ctx context.Context) (int, error)
			}); ok {
				if _, err := r.RecrawlNow(context.Background()); err != nil {
					t.Fatal(err)
				}
				return fr
			}
			fr.Close()
		}
		var err error
		fr, err = frontier.OpenBolt(filepath.Join(dir, fmt.Sprintf("frontier-%d.db", day)), frontier.Options{HostMaxInFlight: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fr.Close() })
		return fr
	}
}

// runDays crawls day 1, then each day up to last, then the last day again, into store with
// one engine: the alerts of each day after the first must equal the truth's, and the repeat
// must raise nothing.
func runDays(t *testing.T, store index.Store, frontiers dayFrontier, last int) {
	t.Helper()
	const seed, listings = 11, 40
	eng, err := alert.New(alert.Options{Rules: e2eRules(), Store: store, LogPath: filepath.Join(t.TempDir(), "alerts.db"),
		RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() }) // stops Run and waits for it
	go eng.Run(context.Background())
	sink := &storeSink{store: store, engines: []*alert.Engine{eng}}
	ctx := context.Background()
	crawl := 0
	for day := 1; day <= last+1; day++ {
		d := min(day, last)
		before := ids(t, eng.Log())
		crawl++
		w := crawlDay(t, testbed.Options{Seed: seed, Day: d, Listings: listings}, frontiers(t, crawl), sink)
		if err := store.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		raised := since(t, eng.Log(), before)
		switch {
		case day == 1:
			t.Logf("day 1 (baseline) raised %d alerts", len(raised))
		case day <= last:
			t.Logf("day %d expected/raised per kind: %s", d, compareTruth(t, w.Truth(), raised))
		case len(raised) > 0:
			t.Errorf("crawling day %d again raised %d alerts, want 0: e.g. %+v", d, len(raised), raised[0])
		}
	}
}

// TestEndToEndEmbedded crawls testbed days 1, 2 and 3 (then 3 again) on the embedded store.
func TestEndToEndEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed three times")
	}
	store, err := embedded.Open(context.Background(), embedded.Options{Dir: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	runDays(t, store, boltFrontiers(t.TempDir()), 3)
}

// TestEndToEndElasticRedis crawls testbed days 1 and 2 with the Redis frontier and the
// Elasticsearch store.
func TestEndToEndElasticRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed three times")
	}
	esURL, redisURL := testenv.ESURL(t), testenv.RedisURL(t)
	prefix := fmt.Sprintf("dwalert%d", time.Now().UnixNano())
	store, err := elastic.New(elastic.Options{URLs: []string{esURL}, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.DeleteAll(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		store.Close()
	})
	ro, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(ro)
	t.Cleanup(func() {
		keys, _ := rc.Keys(context.Background(), prefix+":*").Result()
		if len(keys) > 0 {
			rc.Del(context.Background(), keys...)
		}
		rc.Close()
	})
	fr, err := frontier.NewRedis(rc, frontier.Options{Prefix: prefix, HostMaxInFlight: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	first := true
	runDays(t, store, func(t *testing.T, day int) frontier.Frontier {
		if !first {
			if _, err := fr.RecrawlNow(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		first = false
		return fr
	}, 2)
}
