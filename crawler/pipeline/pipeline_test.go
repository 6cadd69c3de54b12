package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/pipeline"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/darkwatch/darkwatch/index/spool"
)

// Bleve (the embedded store of these tests) keeps a global analysis queue.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}

// fakeAlerts records the pages it observed; while down it fails as a store would.
type fakeAlerts struct {
	down    atomic.Bool
	mu      sync.Mutex
	pages   []alert.Page
	flushes int
	runs    atomic.Int32
}

func (a *fakeAlerts) ObservePage(_ context.Context, p alert.Page) error {
	if a.down.Load() {
		return fmt.Errorf("novelty: %w", index.ErrUnavailable)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pages = append(a.pages, p)
	return nil
}

func (a *fakeAlerts) Flush(context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flushes++
	return nil
}

func (a *fakeAlerts) Run(ctx context.Context) error {
	a.runs.Add(1)
	defer a.runs.Add(-1)
	<-ctx.Done()
	return nil
}

func (a *fakeAlerts) seen() []alert.Page {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.pages)
}

func newSink(t *testing.T, opts pipeline.Options, deps pipeline.Deps) *pipeline.Sink {
	t.Helper()
	s, err := pipeline.New(opts, deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func embeddedStore(t *testing.T) index.Store {
	t.Helper()
	s, err := embedded.Open(t.Context(), embedded.Options{Dir: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func day(d int) time.Time { return time.Date(2026, 4, d, 10, 0, 0, 0, time.UTC) }

func usd(v float64) record.Price { return record.Price{Amount: v, Currency: "USD", USD: v, Rate: 1} }

// pageListing is alpha/l1 as read from its own page.
func pageListing() record.Listing {
	return record.Listing{ID: "alpha/l1", URL: "http://alpha.onion/item/l1", Title: "Heroin #4 1g",
		Description: "Afghan, vacuum sealed", Price: usd(100), Grams: 1, UnitPriceUSD: 100,
		VendorID: "alpha/smack", Vendor: "smack", ShipsFrom: []string{"NL"}, ShipsFromRaw: "Netherlands",
		Substances: []record.Substance{{Name: "heroin", Class: "opioid", Where: "description"}}, DrugOffer: true,
		Entities: []record.Entity{{Kind: "btc", Value: "bc1qsmack"}}, Status: record.StatusActive}
}

// cardListing is a listing as read from a card: title, link, price.
func cardListing(id, title string, price float64) record.Listing {
	return record.Listing{ID: id, URL: "http://alpha.onion/item/" + strings.TrimPrefix(id, "alpha/"), Title: title,
		Price: usd(price), Grams: 1, UnitPriceUSD: price, DrugOffer: true, Status: record.StatusActive,
		Substances: []record.Substance{{Name: "heroin", Class: "opioid", Where: "title"}}}
}

func page(kind string, d int, ls ...record.Listing) crawler.Page {
	return crawler.Page{Market: "alpha", URL: fmt.Sprintf("http://alpha.onion/%s/%d", kind, d), Status: 200,
		Result:  extract.Result{Kind: kind, Listings: ls},
		Capture: record.Capture{SHA256: fmt.Sprintf("sha-%s-%d", kind, d), Time: day(d)}}
}

// TestPutStoresCardsPartial: listings of listing and forum pages are stored as full
// records, those of category, search and vendor pages marked partial; the alert engine
// sees every listing as read.
func TestPutStoresCardsPartial(t *testing.T) {
	for _, tc := range []struct {
		kind    string
		partial bool
	}{
		{record.KindListing, false}, {record.KindForumThread, false},
		{record.KindCategory, true}, {record.KindSearch, true}, {record.KindVendor, true},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			ctx := t.Context()
			store, alerts := embeddedStore(t), &fakeAlerts{}
			sink := newSink(t, pipeline.Options{}, pipeline.Deps{Store: store, Alerts: alerts})
			hashed := cardListing("alpha/3f9a2c", "Heroin sample", 20)
			hashed.Issues = []record.Issue{{Field: "id", Reason: "no listing key in URL"}}
			p := page(tc.kind, 1, cardListing("alpha/l2", "Heroin 5g", 400), hashed)
			if tc.kind == record.KindListing {
				p.URL = "http://alpha.onion/item/l2" // l2 is the page's own listing, hashed another it shows
			}
			if err := sink.Put(ctx, p); err != nil {
				t.Fatal(err)
			}
			got, err := store.GetListing(ctx, "alpha/l2")
			if err != nil {
				t.Fatal(err)
			}
			if index.IsPartial(got) != tc.partial || got.Market != "alpha" || !got.LastSeen.Equal(day(1)) ||
				got.Capture == nil || got.Capture.SHA256 != "sha-"+tc.kind+"-1" {
				t.Errorf("stored %+v: want partial %v, market alpha, seen and captured on day 1", got, tc.partial)
			}
			_, err = store.GetListing(ctx, "alpha/3f9a2c")
			if found := err == nil; found == tc.partial || (err != nil && !errors.Is(err, index.ErrNotFound)) {
				t.Errorf("listing with a title-hash id: get error %v, want it stored only from a listing page", err)
			}
			seen := alerts.seen()
			if len(seen) != 1 || len(seen[0].Listings) != 2 {
				t.Fatalf("the alert engine saw %d pages, want 1 with both listings", len(seen))
			}
			if seen[0].Cards != tc.partial {
				t.Errorf("alert page Cards = %v, want %v", seen[0].Cards, tc.partial)
			}
			for _, l := range seen[0].Listings {
				if index.IsPartial(l) || l.Market != "alpha" || l.Capture == nil {
					t.Errorf("alert engine got %s partial %v market %q capture %v, want the listing as read, stamped", l.ID, index.IsPartial(l), l.Market, l.Capture)
				}
			}
		})
	}
}

// TestPutPartAndNotFound: a listing's tab sub-page is stored as a part of its listing but
// shows the alert engine no listing; a not-found page is flagged for listing_gone.
func TestPutPartAndNotFound(t *testing.T) {
	ctx := t.Context()
	store, alerts := embeddedStore(t), &fakeAlerts{}
	sink := newSink(t, pipeline.Options{}, pipeline.Deps{Store: store, Alerts: alerts})
	part := record.Listing{ID: "alpha/l1", URL: "http://alpha.onion/item/l1", ShipsTo: []string{"DE"}, ShipsToRaw: "Germany"}
	pp := page(record.KindPart, 1, part)
	pp.URL = "http://alpha.onion/item/l1/shipping"
	nf := page(record.KindNotFound, 2)
	nf.Status = 404
	for _, p := range []crawler.Page{pp, nf} {
		if err := sink.Put(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.GetListing(ctx, "alpha/l1")
	if err != nil || !slices.Equal(got.ShipsTo, []string{"DE"}) || !index.IsPartial(got) {
		t.Errorf("part stored as %+v (%v), want the listing's places, partial", got, err)
	}
	seen := alerts.seen()
	if len(seen) != 2 || len(seen[0].Listings) != 0 || seen[0].NotFound || !seen[1].NotFound || seen[1].Status != 404 {
		t.Errorf("alert pages %+v, want the part without listings, then a not-found page", seen)
	}
}

// TestPutCardAfterPage: a card seen after the listing page updates title and price and
// keeps the page's description, vendor and substances; a card seen before the page (or
// the page's put replayed after it) does not hide the page's content.
func TestPutCardAfterPage(t *testing.T) {
	for _, order := range []string{"page, card", "card, page"} {
		t.Run(order, func(t *testing.T) {
			ctx := t.Context()
			store := embeddedStore(t)
			sink := newSink(t, pipeline.Options{}, pipeline.Deps{Store: store})
			pg := page(record.KindListing, 1, pageListing())
			card := page(record.KindCategory, 2, cardListing("alpha/l1", "Heroin #4 1g (restock)", 90))
			puts := []crawler.Page{pg, card}
			if order == "card, page" {
				puts = []crawler.Page{card, pg}
			}
			for _, p := range puts {
				if err := sink.Put(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			got, err := store.GetListing(ctx, "alpha/l1")
			if err != nil {
				t.Fatal(err)
			}
			want := pageListing()
			want.Market, want.Title, want.Price, want.UnitPriceUSD = "alpha", "Heroin #4 1g (restock)", usd(90), 90
			want.FirstSeen, want.LastSeen = day(1), day(2)
			want.Capture = &record.Capture{SHA256: "sha-listing-1", Time: day(1)}
			if got.Description != want.Description || got.VendorID != want.VendorID || !slices.Equal(got.Substances, want.Substances) ||
				got.Title != want.Title || got.Price != want.Price || got.UnitPriceUSD != 90 || index.IsPartial(got) ||
				!got.FirstSeen.Equal(want.FirstSeen) || !got.LastSeen.Equal(want.LastSeen) || got.Capture.SHA256 != want.Capture.SHA256 {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
			maxUSD := 95.0
			res, err := store.Search(ctx, index.Query{Text: "vacuum", Vendor: []string{"smack"}, MaxUSD: &maxUSD})
			if err != nil || len(res.Listings) != 1 {
				t.Errorf("search of the page's content at the card's price: %v, %d hits, want 1", err, len(res.Listings))
			}
			// The price history holds the listing page's sighting only (index.FullOnly).
			obs, err := store.Observations(ctx, "alpha/l1")
			if err != nil || len(obs) != 1 || obs[0].Price.USD != 100 {
				t.Errorf("observations %v %+v, want the page's (100) only", err, obs)
			}
		})
	}
}

// TestPutStampsWithoutCaptureTime: records of a page without a capture time are stamped
// with Options.Now.
func TestPutStampsWithoutCaptureTime(t *testing.T) {
	ctx := t.Context()
	store := embeddedStore(t)
	sink := newSink(t, pipeline.Options{Now: func() time.Time { return day(7) }}, pipeline.Deps{Store: store})
	p := page(record.KindListing, 1, pageListing())
	p.URL, p.Capture.Time = pageListing().URL, time.Time{}
	p.Result.Vendors = []record.Vendor{{ID: "alpha/smack", Handle: "smack"}}
	if err := sink.Put(ctx, p); err != nil {
		t.Fatal(err)
	}
	l, err := store.GetListing(ctx, "alpha/l1")
	if err != nil || !l.FirstSeen.Equal(day(7)) || !l.LastSeen.Equal(day(7)) {
		t.Errorf("listing seen %v..%v (%v), want day 7", l.FirstSeen, l.LastSeen, err)
	}
	v, err := store.GetVendor(ctx, "alpha/smack")
	if err != nil || v.Market != "alpha" || !v.FirstSeen.Equal(day(7)) {
		t.Errorf("vendor %+v (%v), want market alpha, first seen day 7", v, err)
	}
}

// downStore is a backend that can be unreachable; it records the listing ids it accepted.
type downStore struct {
	index.Store
	down atomic.Bool
	mu   sync.Mutex
	got  []string
}

func (f *downStore) PutListings(_ context.Context, ls []record.Listing) error {
	if f.down.Load() {
		return fmt.Errorf("dial: %w", index.ErrUnavailable)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range ls {
		f.got = append(f.got, l.ID)
	}
	return nil
}

func (f *downStore) PutVendors(context.Context, []record.Vendor) error {
	if f.down.Load() {
		return fmt.Errorf("dial: %w", index.ErrUnavailable)
	}
	return nil
}

func (f *downStore) Flush(context.Context) error { return nil }
func (f *downStore) Close() error                { return nil }

// TestPutDefersAlertsInOutage: while the backend is unreachable a page's records and its
// alert observation are spooled and Put succeeds; when the backend returns, Flush replays
// them in order and the engine sees each page once.
func TestPutDefersAlertsInOutage(t *testing.T) {
	ctx := t.Context()
	inner, alerts := &downStore{}, &fakeAlerts{}
	sp, err := spool.New(inner, spool.Options{Dir: t.TempDir(), RetryInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	sink := newSink(t, pipeline.Options{}, pipeline.Deps{Store: sp, Outage: sp, Alerts: alerts})

	if err := sink.Put(ctx, page(record.KindCategory, 1, cardListing("alpha/l1", "a", 10))); err != nil {
		t.Fatal(err)
	}
	inner.down.Store(true)
	alerts.down.Store(true)
	for d := 2; d <= 3; d++ {
		if err := sink.Put(ctx, page(record.KindCategory, d, cardListing(fmt.Sprintf("alpha/l%d", d), "b", 10))); err != nil {
			t.Fatalf("put during the outage: %v, want it spooled", err)
		}
	}
	if n := len(alerts.seen()); n != 1 {
		t.Fatalf("the alert engine saw %d pages during the outage, want only the one before it", n)
	}
	if err := sink.Flush(ctx); err == nil {
		t.Error("Flush during the outage returned nil, want the spool's error")
	}
	inner.down.Store(false)
	alerts.down.Store(false)
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, p := range alerts.seen() {
		urls = append(urls, p.URL)
	}
	want := []string{"http://alpha.onion/category/1", "http://alpha.onion/category/2", "http://alpha.onion/category/3"}
	if !slices.Equal(urls, want) {
		t.Errorf("alert pages %v, want %v (each once, in order)", urls, want)
	}
	inner.mu.Lock()
	got := slices.Clone(inner.got)
	inner.mu.Unlock()
	if !slices.Equal(got, []string{"alpha/l1", "alpha/l2", "alpha/l3"}) {
		t.Errorf("stored %v, want l1..l3 in order", got)
	}
	if alerts.flushes != 2 {
		t.Errorf("alert engine flushed %d times, want once per Flush", alerts.flushes)
	}
}

// TestRunOwnsLoops: New starts nothing; Run runs the parts' background loops until Close,
// which waits for them (synctest: the bubble knows when every goroutine is blocked).
func TestRunOwnsLoops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		alerts := &fakeAlerts{}
		sp, err := spool.New(&downStore{}, spool.Options{Dir: t.TempDir(), RetryInterval: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer sp.Close()
		sink, err := pipeline.New(pipeline.Options{}, pipeline.Deps{Store: sp, Outage: sp, Alerts: alerts})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if n := alerts.runs.Load(); n != 0 {
			t.Fatalf("%d loops running after New, want none", n)
		}
		done := make(chan error, 1)
		go func() { done <- sink.Run(context.Background()) }()
		synctest.Wait()
		if n := alerts.runs.Load(); n != 1 {
			t.Fatalf("%d alert loops running in Run, want 1", n)
		}
		if err := sink.Close(); err != nil {
			t.Fatal(err)
		}
		if n := alerts.runs.Load(); n != 0 {
			t.Errorf("%d loops still running after Close, want none", n)
		}
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil after Close", err)
		}
		if err := sink.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
		if err := sink.Run(context.Background()); err == nil {
			t.Error("Run after Close = nil, want an error")
		}
	})
}

func TestNewNeedsStore(t *testing.T) {
	if _, err := pipeline.New(pipeline.Options{}, pipeline.Deps{}); err == nil {
		t.Error("New without a store = nil error")
	}
}
