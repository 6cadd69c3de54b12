package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/embedded"
)

// pageRecorder is a pageObserver that keeps the pages it saw.
type pageRecorder struct{ pages []crawler.Page }

func (r *pageRecorder) ObservePage(_ context.Context, p crawler.Page) error {
	r.pages = append(r.pages, p)
	return nil
}
func (r *pageRecorder) OperatorEvent(context.Context, crawler.Event) {}
func (r *pageRecorder) Flush(context.Context) error                  { return nil }
func (r *pageRecorder) Close() error                                 { return nil }

func sinkStore(t *testing.T) index.Store {
	t.Helper()
	s, err := embedded.Open(context.Background(), embedded.Options{Dir: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sinkDay(d int) time.Time { return time.Date(2026, 4, d, 10, 0, 0, 0, time.UTC) }

func sinkUSD(v float64) extract.Price {
	return extract.Price{Amount: v, Currency: "USD", USD: v, Rate: 1}
}

// pageListing is alpha/l1 as read from its own page.
func pageListing() extract.Listing {
	return extract.Listing{ID: "alpha/l1", URL: "http://alpha.onion/item/l1", Title: "Heroin #4 1g",
		Description: "Afghan, vacuum sealed", Price: sinkUSD(100), Grams: 1, UnitPriceUSD: 100,
		VendorID: "alpha/smack", Vendor: "smack", ShipsFrom: []string{"NL"}, ShipsFromRaw: "Netherlands",
		Substances: []extract.Substance{{Name: "heroin", Class: "opioid", Where: "description"}}, DrugOffer: true,
		Entities: []extract.Entity{{Kind: "btc", Value: "bc1qsmack"}}, Status: extract.StatusActive}
}

// cardListing is a listing as read from a card: title, link, price.
func cardListing(id, title string, usd float64) extract.Listing {
	return extract.Listing{ID: id, URL: "http://alpha.onion/item/" + strings.TrimPrefix(id, "alpha/"), Title: title,
		Price: sinkUSD(usd), Grams: 1, UnitPriceUSD: usd, DrugOffer: true, Status: extract.StatusActive,
		Substances: []extract.Substance{{Name: "heroin", Class: "opioid", Where: "title"}}}
}

func sinkPage(kind string, d int, ls ...extract.Listing) crawler.Page {
	return crawler.Page{Market: "alpha", URL: fmt.Sprintf("http://alpha.onion/%s/%d", kind, d), Status: 200,
		Result:  extract.Result{Kind: kind, Listings: ls},
		Capture: extract.Capture{SHA256: fmt.Sprintf("sha-%s-%d", kind, d), Time: sinkDay(d)}}
}

// TestSinkStoresCardsPartial: listings of listing and forum pages are stored as full
// records, those of category, search and vendor pages marked partial; observers see every
// listing as read.
func TestSinkStoresCardsPartial(t *testing.T) {
	for _, tc := range []struct {
		kind    string
		partial bool
	}{
		{extract.KindListing, false}, {extract.KindForumThread, false},
		{extract.KindCategory, true}, {extract.KindSearch, true}, {extract.KindVendor, true},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			ctx := context.Background()
			store, rec := sinkStore(t), &pageRecorder{}
			sink := &indexSink{store: store, observers: []pageObserver{rec}}
			hashed := cardListing("alpha/3f9a2c", "Heroin sample", 20)
			hashed.Issues = []extract.Issue{{Field: "id", Reason: "no listing key in URL"}}
			page := sinkPage(tc.kind, 1, cardListing("alpha/l2", "Heroin 5g", 400), hashed)
			if tc.kind == extract.KindListing {
				page.URL = "http://alpha.onion/item/l2" // l2 is the page's own listing, hashed another it shows
			}
			if err := sink.Put(ctx, page); err != nil {
				t.Fatal(err)
			}
			got, err := store.GetListing(ctx, "alpha/l2")
			if err != nil {
				t.Fatal(err)
			}
			if index.IsPartial(got) != tc.partial || got.Market != "alpha" || !got.LastSeen.Equal(sinkDay(1)) ||
				got.Capture == nil || got.Capture.SHA256 != "sha-"+tc.kind+"-1" {
				t.Errorf("stored %+v: want partial %v, market alpha, seen and captured on day 1", got, tc.partial)
			}
			_, err = store.GetListing(ctx, "alpha/3f9a2c")
			if found := err == nil; found == tc.partial || (err != nil && !errors.Is(err, index.ErrNotFound)) {
				t.Errorf("listing with a title-hash id: get error %v, want it stored only from a listing page", err)
			}
			if len(rec.pages) != 1 || len(rec.pages[0].Result.Listings) != 2 {
				t.Fatalf("observers saw %d pages, want 1 with both listings", len(rec.pages))
			}
			for _, l := range rec.pages[0].Result.Listings {
				if index.IsPartial(l) || l.Market != "alpha" || l.Capture == nil {
					t.Errorf("observer got %s partial %v market %q capture %v, want the listing as read, stamped", l.ID, index.IsPartial(l), l.Market, l.Capture)
				}
			}
		})
	}
}

// TestSinkCardAfterPage: a card seen after the listing page updates title and price and
// keeps the page's description, vendor and substances; a card seen before the page (or
// the page's put replayed after it) does not hide the page's content.
func TestSinkCardAfterPage(t *testing.T) {
	ctx := context.Background()
	for _, order := range []string{"page, card", "card, page"} {
		t.Run(order, func(t *testing.T) {
			store := sinkStore(t)
			sink := &indexSink{store: store}
			page := sinkPage(extract.KindListing, 1, pageListing())
			card := sinkPage(extract.KindCategory, 2, cardListing("alpha/l1", "Heroin #4 1g (restock)", 90))
			puts := []crawler.Page{page, card}
			if order == "card, page" {
				puts = []crawler.Page{card, page}
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
			want.Market, want.Title, want.Price, want.UnitPriceUSD = "alpha", "Heroin #4 1g (restock)", sinkUSD(90), 90
			want.FirstSeen, want.LastSeen = sinkDay(1), sinkDay(2)
			want.Capture = &extract.Capture{SHA256: "sha-listing-1", Time: sinkDay(1)}
			if got.Description != want.Description || got.VendorID != want.VendorID || !slices.Equal(got.Substances, want.Substances) ||
				got.Title != want.Title || got.Price != want.Price || got.UnitPriceUSD != 90 || index.IsPartial(got) ||
				!got.FirstSeen.Equal(want.FirstSeen) || !got.LastSeen.Equal(want.LastSeen) || got.Capture.SHA256 != want.Capture.SHA256 {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
			res, err := store.Search(ctx, index.Query{Text: "vacuum", Vendor: []string{"smack"}, MaxUSD: ptrFloat(95)})
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

func ptrFloat(f float64) *float64 { return &f }

// TestSinkCardOnlyListings crawls the testbed with a page cap so that many listing pages
// are never fetched: the listings seen only on cards are indexed (marked partial), each
// with a truth id and the truth's title and market; none is a stray record.
func TestSinkCardOnlyListings(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed")
	}
	w, srv := startTestbed(t, testbed.Options{Seed: e2eSeed, Listings: e2eListings})
	truth := map[string]extract.Listing{}
	for _, l := range w.Truth().Listings {
		truth[l.ID] = l
	}
	dir := t.TempDir()
	base := strings.Replace(baseYAML(dir, "embedded", "", "", 0, 4), "crawl:\n", "crawl:\n  max_pages_per_market: 12\n", 1)
	cfg := e2eConfig(t, t.TempDir(), base, srv, w)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if code, out, stderr := runCrawlMain(ctx, cfg); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s\n%s", code, out, tail(stderr, 3000))
	}
	got := searchMain(t, cfg)
	partial := 0
	for _, l := range got {
		w, ok := truth[l.ID]
		if !ok {
			t.Errorf("indexed %s (partial %v, title %q): not a truth listing", l.ID, index.IsPartial(l), l.Title)
			continue
		}
		if !index.IsPartial(l) {
			continue
		}
		partial++
		if l.Title != w.Title || l.Market != w.Market || l.Description != "" || l.Capture == nil {
			t.Errorf("card-only %s: title %q market %q, want %q %q, no description, a capture", l.ID, l.Title, l.Market, w.Title, w.Market)
		}
	}
	t.Logf("%d listings indexed of %d in the truth, %d of them from cards only", len(got), len(truth), partial)
	if partial == 0 || len(got) == len(truth) {
		t.Errorf("%d card-only listings of %d indexed: the page cap should leave listing pages unfetched", partial, len(got))
	}
}

// TestSinkAlertsDays crawls testbed days 1 and 2, then day 2 again, through the real sink
// (cards stored as partial records) with one rule per alert kind, on each backend: day 2's
// alerts must be the truth's (cards raise no false listing_gone or price_change), the
// repeat none.
func TestSinkAlertsDays(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed three times per backend")
	}
	for _, backend := range []string{"embedded", "elasticsearch"} {
		t.Run(backend, func(t *testing.T) { sinkAlertsDays(t, backend) })
	}
}

// dayAlertRules raise every kind of alert the testbed's truth lists for a day.
const dayAlertRules = "alerts:\n  rules:\n" +
	"    - {name: new-vendors, kind: new_vendor}\n" +
	"    - {name: new-substances, kind: new_substance, severity: warning}\n" +
	"    - {name: operators, kind: vendor_on_new_market, severity: critical}\n" +
	"    - {name: prices, kind: price_change, threshold_pct: 0.001}\n" +
	"    - {name: gone, kind: listing_gone}\n"

func sinkAlertsDays(t *testing.T, backend string) {
	const seed, listings = 11, 40
	data := t.TempDir()
	var esURL, prefix string
	if backend == "elasticsearch" {
		esURL = testenv.ESURL(t)
		prefix = fmt.Sprintf("dwsink%d", time.Now().UnixNano())
		cleanupES(t, esURL, prefix)
	}
	base := baseYAML(data, backend, esURL, prefix, 0, 4) + dayAlertRules
	seen := map[string]bool{}
	for i, day := range []int{1, 2, 2} {
		w, srv := startTestbed(t, testbed.Options{Seed: seed, Day: day, Listings: listings})
		cfg := e2eConfig(t, t.TempDir(), base, srv, w)
		if i > 0 {
			// Every known page is due again, including listings removed since (their 404
			// is what listing_gone is raised on).
			fr, err := frontier.OpenBolt(filepath.Join(data, "frontier.db"), frontier.Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = fr.RecrawlNow(context.Background())
			fr.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		code, out, stderr := runCrawlMain(ctx, cfg)
		cancel()
		srv.Close()
		if code != exitOK {
			t.Fatalf("day %d crawl: exit %d\n%s\n%s", day, code, out, tail(stderr, 3000))
		}
		var raised []alert.Alert
		for _, a := range listAlerts(t, cfg) {
			if !seen[a.ID] {
				seen[a.ID] = true
				raised = append(raised, a)
			}
		}
		switch i {
		case 0:
			t.Logf("day 1 (baseline): %d alerts", len(raised))
		case 1:
			checkAlertsTruth(t, w.Truth(), raised)
		default:
			for _, a := range raised {
				t.Errorf("crawling day 2 again raised %s %s %s", a.Kind, a.Market, a.Subject)
			}
		}
	}
}

func listAlerts(t *testing.T, cfg string) []alert.Alert {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"alerts", "-config", cfg, "--json"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("alerts --json: exit %d: %s", code, errb.String())
	}
	var as []alert.Alert
	dec := json.NewDecoder(&out)
	for dec.More() {
		var a alert.Alert
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("alerts output: %v", err)
		}
		as = append(as, a)
	}
	return as
}

// checkAlertsTruth compares the alerts with the truth's as kind, market, subject
// (vendor_on_new_market: the truth's actor of the vendor): none missing, none extra.
func checkAlertsTruth(t *testing.T, tr testbed.Truth, alerts []alert.Alert) {
	t.Helper()
	actorOf := map[string]string{}
	for _, v := range tr.Vendors {
		actorOf[v.ID] = v.Actor
	}
	want, got := map[string]int{}, map[string]int{}
	for _, a := range tr.Alerts {
		want[a.Kind+" "+a.Market+" "+a.Subject]++
	}
	for _, a := range alerts {
		subj := a.Subject
		if a.Kind == alert.KindVendorOnNewMarket && len(a.VendorIDs) > 0 {
			subj = actorOf[a.VendorIDs[0]]
		}
		got[a.Kind+" "+a.Market+" "+subj]++
	}
	var missing, extra []string
	for k := range want {
		if got[k] == 0 {
			missing = append(missing, k)
		}
	}
	for k, n := range got {
		if want[k] == 0 || n > 1 {
			extra = append(extra, fmt.Sprintf("%s x%d", k, n))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	t.Logf("day %d: %d alerts in the truth, %d raised", tr.Day, len(tr.Alerts), len(alerts))
	if len(missing)+len(extra) > 0 {
		t.Errorf("day %d alerts vs truth: missing %v; extra or doubled %v", tr.Day, missing, extra)
	}
}
