package alert_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/embedded"
)

type fixture struct {
	t     *testing.T
	store index.Store
	eng   *alert.Engine
	now   time.Time
}

func newFixture(t *testing.T, rules []alert.Rule, wrap func(index.Store) index.Store) *fixture {
	t.Helper()
	st, err := embedded.Open(context.Background(), embedded.Options{Dir: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var s index.Store = st
	if wrap != nil {
		s = wrap(st)
	}
	ns := []alert.Notifier{&alert.LogNotifier{NotifierName: "a"}, &alert.LogNotifier{NotifierName: "b"}}
	eng, err := alert.New(alert.Options{Rules: rules, Store: s, LogPath: filepath.Join(t.TempDir(), "alerts.db"), Notifiers: ns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return &fixture{t: t, store: s, eng: eng, now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

// page stores the records like the crawl sink, then lets the engine observe them; it
// returns the alerts this page raised.
func (f *fixture) page(market string, status int, url string, ls []record.Listing, vs []record.Vendor) ([]alert.Alert, error) {
	f.t.Helper()
	ctx := context.Background()
	f.now = f.now.Add(time.Minute)
	capt := record.Capture{SHA256: strings.Repeat("0", 63) + "1", WARC: "w.warc", Time: f.now}
	for i := range ls {
		ls[i].Market, ls[i].FirstSeen, ls[i].LastSeen, ls[i].Capture = market, f.now, f.now, &capt
	}
	for i := range vs {
		vs[i].Market, vs[i].FirstSeen, vs[i].LastSeen = market, f.now, f.now
	}
	if len(vs) > 0 {
		if err := f.store.PutVendors(ctx, vs); err != nil {
			f.t.Fatal(err)
		}
	}
	if len(ls) > 0 {
		if err := f.store.PutListings(ctx, ls); err != nil {
			f.t.Fatal(err)
		}
	}
	before, _ := f.eng.Log().List(time.Time{})
	err := f.eng.ObservePage(ctx, alert.Page{Market: market, URL: url, Status: status, Listings: ls, Vendors: vs, Capture: capt})
	after, lerr := f.eng.Log().List(time.Time{})
	if lerr != nil {
		f.t.Fatal(lerr)
	}
	seen := map[string]bool{}
	for _, a := range before {
		seen[a.ID] = true
	}
	var out []alert.Alert
	for _, a := range after {
		if !seen[a.ID] {
			out = append(out, a)
		}
	}
	return out, err
}

func (f *fixture) must(market string, status int, url string, ls []record.Listing, vs []record.Vendor) []string {
	f.t.Helper()
	as, err := f.page(market, status, url, ls, vs)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.Rule+" "+a.Kind+" "+a.Market+" "+a.Subject)
	}
	slices.Sort(out)
	return out
}

func vendor(market, handle string, ents ...string) record.Vendor {
	v := record.Vendor{ID: market + "/" + handle, Handle: handle}
	for _, e := range ents {
		if strings.HasPrefix(e, "PGP") {
			v.PGP = append(v.PGP, e)
		} else {
			v.Entities = append(v.Entities, record.Entity{Kind: "telegram", Value: e})
		}
	}
	return v
}

func listing(market, key, title string, usd float64, subs ...string) record.Listing {
	l := record.Listing{ID: market + "/" + key, URL: "http://x.onion/l/" + key, Title: title, VendorID: market + "/v", Vendor: "v",
		Price: record.Price{Amount: usd, Currency: "USD", USD: usd}, ShipsFrom: []string{"NL"}, ShipsTo: []string{"WW"}}
	for _, s := range subs {
		parts := strings.Split(s, ":") // name:class[:family]
		name, class, fam := parts[0], parts[1], ""
		if len(parts) > 2 {
			fam = parts[2]
		}
		l.Substances = append(l.Substances, record.Substance{Name: name, Class: class, Family: fam})
		l.DrugOffer = true
	}
	return l
}

func eq(t *testing.T, step string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("%s: raised %q, want %q", step, got, want)
	}
}

func TestNewVendorScopes(t *testing.T) {
	f := newFixture(t, []alert.Rule{{Name: "m", Kind: alert.KindNewVendor}, {Name: "g", Kind: alert.KindNewVendor, Scope: alert.ScopeGlobal},
		{Name: "only-m2", Kind: alert.KindNewVendor, Markets: []string{"m2"}}}, nil)
	eq(t, "first sight", f.must("m1", 200, "u", nil, []record.Vendor{vendor("m1", "Ace")}), "g new_vendor m1 m1/Ace", "m new_vendor m1 m1/Ace")
	eq(t, "seen again", f.must("m1", 200, "u", nil, []record.Vendor{vendor("m1", "Ace")}))
	eq(t, "same handle elsewhere", f.must("m2", 200, "u", nil, []record.Vendor{vendor("m2", "ace")}), "m new_vendor m2 m2/ace", "only-m2 new_vendor m2 m2/ace")
}

func TestVendorOnNewMarket(t *testing.T) {
	f := newFixture(t, []alert.Rule{{Name: "op", Kind: alert.KindVendorOnNewMarket, Severity: alert.SeverityCritical}}, nil)
	eq(t, "first account", f.must("m1", 200, "u", nil, []record.Vendor{vendor("m1", "a", "PGPAAAA", "tg_a")}))
	as, err := f.page("m2", 200, "u", nil, []record.Vendor{vendor("m2", "b", "PGPAAAA", "other")})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Subject != "m1/a" || !slices.Equal(as[0].Linked, []string{"m1/a"}) || !slices.Equal(as[0].Entities, []string{"PGPAAAA"}) ||
		as[0].Severity != alert.SeverityCritical || as[0].Capture == nil || as[0].Capture.SHA256 == "" {
		t.Fatalf("new handle with the same key on m2: %+v", as)
	}
	eq(t, "second handle of the operator on m2", f.must("m2", 200, "u", nil, []record.Vendor{vendor("m2", "c", "PGPAAAA")}))
	eq(t, "linked by a contact on m3", f.must("m3", 200, "u", nil, []record.Vendor{vendor("m3", "d", "PGPDDDD", "tg_a")}), "op vendor_on_new_market m3 m1/a")
	eq(t, "unrelated vendor", f.must("m3", 200, "u", nil, []record.Vendor{vendor("m3", "e", "PGPEEEE")}))
}

func TestNewSubstanceFilters(t *testing.T) {
	f := newFixture(t, []alert.Rule{
		{Name: "nit", Kind: alert.KindNewSubstance, Families: []string{"nitazene"}, Severity: alert.SeverityCritical},
		{Name: "any-g", Kind: alert.KindNewSubstance, Scope: alert.ScopeGlobal},
	}, nil)
	eq(t, "cocaine", f.must("m1", 200, "u", []record.Listing{listing("m1", "1", "coke", 50, "cocaine:stimulant")}, nil), "any-g new_substance m1 cocaine")
	eq(t, "nitazene", f.must("m1", 200, "u", []record.Listing{listing("m1", "2", "iso", 50, "isotonitazene:opioid:nitazene")}, nil),
		"any-g new_substance m1 isotonitazene", "nit new_substance m1 isotonitazene")
	eq(t, "nitazene elsewhere", f.must("m2", 200, "u", []record.Listing{listing("m2", "3", "iso", 50, "isotonitazene:opioid:nitazene")}, nil),
		"nit new_substance m2 isotonitazene")
	nd := listing("m3", "4", "fentanyl test strips", 5, "fentanyl:opioid:fentanyl-analogue")
	nd.DrugOffer = false
	eq(t, "not a drug offer", f.must("m3", 200, "u", []record.Listing{nd}, nil))
	// a class known only from the category path, or an umbrella word, names no substance
	eq(t, "class-only and umbrella names", f.must("m3", 200, "u", []record.Listing{listing("m3", "5", "Hydromorph 12mg", 20, "opioid:opioid"),
		listing("m3", "6", "Benzos 2mg", 20, "benzodiazepine:benzodiazepine")}, nil))
}

func TestPriceChangeAndGone(t *testing.T) {
	f := newFixture(t, []alert.Rule{{Name: "p", Kind: alert.KindPriceChange, ThresholdPct: 10}, {Name: "gone", Kind: alert.KindListingGone}}, nil)
	eq(t, "first", f.must("m1", 200, "u", []record.Listing{listing("m1", "1", "x", 100)}, nil))
	eq(t, "+5%", f.must("m1", 200, "u", []record.Listing{listing("m1", "1", "x", 105)}, nil))
	as, _ := f.page("m1", 200, "u", []record.Listing{listing("m1", "1", "x", 84)}, nil)
	if len(as) != 1 || as[0].Kind != alert.KindPriceChange || as[0].ChangePct != -20 || as[0].OldPrice.Amount != 105 || as[0].NewPrice.Amount != 84 {
		t.Fatalf("-20%%: %+v", as)
	}
	eq(t, "same price again", f.must("m1", 200, "u", []record.Listing{listing("m1", "1", "x", 84)}, nil))
	eq(t, "404 of a known listing", f.must("m1", 404, "http://x.onion/l/1", nil, nil), "gone listing_gone m1 m1/1")
	eq(t, "404 again", f.must("m1", 404, "http://x.onion/l/1", nil, nil))
	eq(t, "404 of an unknown page", f.must("m1", 404, "http://x.onion/l/999", nil, nil))
}

func TestWatch(t *testing.T) {
	f := newFixture(t, []alert.Rule{
		{Name: "nl-blues", Kind: alert.KindWatch, Query: "M30 blues", Countries: []string{"nl"}, Notify: []string{"b"}},
		{Name: "tg", Kind: alert.KindWatch, Entities: []string{"tg_watch"}},
	}, nil)
	l := listing("m1", "1", "M30 blues pressed", 10, "fentanyl:opioid:fentanyl-analogue")
	eq(t, "match", f.must("m1", 200, "u", []record.Listing{l}, nil), "nl-blues watch m1 m1/1")
	eq(t, "again", f.must("m1", 200, "u", []record.Listing{l}, nil))
	eq(t, "words missing", f.must("m1", 200, "u", []record.Listing{listing("m1", "2", "M30 pressed", 10)}, nil))
	// the vendor's contact matches the entity watch
	f.must("m1", 200, "u", nil, []record.Vendor{{ID: "m1/v", Handle: "v", Entities: []record.Entity{{Kind: "telegram", Value: "tg_watch"}}}})
	eq(t, "vendor entity", f.must("m1", 200, "u", []record.Listing{listing("m1", "3", "anything", 10)}, nil), "tg watch m1 m1/3")
	p, err := f.eng.Log().Pending()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range p {
		keys = append(keys, e.Notifier)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"a", "b", "b"}) {
		t.Errorf("outbox notifiers %v, want [a b b] (nl-blues notifies b only, tg both)", keys)
	}
	retro, err := alert.Retro(context.Background(), f.store, alert.Rule{Name: "r", Kind: alert.KindWatch, Query: "pressed", Countries: []string{"NL"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range retro {
		ids = append(ids, a.Subject)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"m1/1", "m1/2"}) {
		t.Errorf("retro-hunt found %v, want [m1/1 m1/2]", ids)
	}
}

// failStore fails Novel for keys with a prefix.
type failStore struct {
	index.Store
	prefix string
}

var errBoom = errors.New("boom")

func (s failStore) Novel(ctx context.Context, key string, ev index.Evidence) (bool, error) {
	if strings.HasPrefix(key, s.prefix) {
		return false, errBoom
	}
	return s.Store.Novel(ctx, key, ev)
}

// TestPartialFailureKeepsDecidedAlerts: when the store fails after some events were
// decided, those alerts are stored before the error is returned (a retry would not raise
// them again: their keys are taken).
func TestPartialFailureKeepsDecidedAlerts(t *testing.T) {
	f := newFixture(t, []alert.Rule{{Name: "nv", Kind: alert.KindNewVendor}}, func(s index.Store) index.Store { return failStore{s, "entity/"} })
	as, err := f.page("m1", 200, "u", nil, []record.Vendor{vendor("m1", "a", "PGPAAAA")})
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if len(as) != 1 || as[0].Subject != "m1/a" {
		t.Fatalf("alerts after the failure: %+v, want the new_vendor", as)
	}
}

func TestBadRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    alert.Rule
	}{
		{"no name", alert.Rule{Kind: alert.KindWatch}},
		{"unknown kind", alert.Rule{Name: "x", Kind: "new_thing"}},
		{"bad scope", alert.Rule{Name: "x", Kind: alert.KindNewVendor, Scope: "planet"}},
		{"bad severity", alert.Rule{Name: "x", Kind: alert.KindNewVendor, Severity: "meh"}},
		{"negative threshold", alert.Rule{Name: "x", Kind: alert.KindPriceChange, ThresholdPct: -1}},
		{"unknown notifier", alert.Rule{Name: "x", Kind: alert.KindNewVendor, Notify: []string{"pager"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := alert.New(alert.Options{Rules: []alert.Rule{tc.r}, Store: failStore{}, LogPath: filepath.Join(t.TempDir(), "a.db")})
			if !errors.Is(err, alert.ErrBadRule) {
				t.Errorf("New = %v, want ErrBadRule", err)
			}
		})
	}
}
