package induce_test

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

// fetcher reads testbed pages without a network, as a crawl would see them.
type fetcher struct {
	w    *testbed.World
	info testbed.MarketInfo
}

func (f fetcher) page(t testing.TB, u string) extract.Page {
	t.Helper()
	path := strings.TrimPrefix(u, strings.TrimSuffix(f.info.URL, "/"))
	st, ct, body, err := f.w.Page(f.info.Name, path)
	if err != nil {
		t.Fatal(err)
	}
	body, err = extract.DecodeBody(body, ct)
	if err != nil {
		t.Fatal(err)
	}
	return extract.Page{URL: u, Market: f.info.Name, Body: body, ContentType: ct, Status: st}
}

// crawl reads up to max pages breadth-first from start with read (as the crawler hands
// pages to extraction), following the links it classifies that stay under start.
func crawl(t testing.TB, start string, get func(string) extract.Page, read func(extract.Page) extract.Result, max int) []string {
	t.Helper()
	seen := map[string]bool{start: true}
	queue := []string{start}
	var out []string
	for len(queue) > 0 && len(out) < max {
		u := queue[0]
		queue = queue[1:]
		res := read(get(u))
		out = append(out, u)
		for _, l := range res.Links {
			pu, err := url.Parse(l.URL)
			if err != nil || seen[l.URL] || !strings.HasPrefix(l.URL, start) || strings.Contains(pu.Path, "logout") {
				continue
			}
			seen[l.URL] = true
			queue = append(queue, l.URL)
		}
	}
	return out
}

type fieldScore struct{ tp, fp, fn int }

// add counts one field: a right value is a true positive, a wrong one both a false
// positive and a false negative.
func (s *fieldScore) add(truth, got string) {
	if truth == got {
		if truth != "" {
			s.tp++
		}
		return
	}
	if got != "" {
		s.fp++
	}
	if truth != "" {
		s.fn++
	}
}

func (s fieldScore) f1() float64 {
	if s.tp == 0 {
		if s.fp == 0 && s.fn == 0 {
			return 1
		}
		return 0
	}
	p, r := float64(s.tp)/float64(s.tp+s.fp), float64(s.tp)/float64(s.tp+s.fn)
	return 2 * p * r / (p + r)
}

// truthFields are the compared fields of a listing (those of extract's TestTestbedF1).
// heldFields are held to F1 >= 0.99 on every family, generic-only and induced: the
// compared fields of the issue, and the raw places, status and description since their
// gaps on tabs and store were closed (2026-12-07: ships_from_raw 0.49/0.50, ships_to_raw
// 0.30/0.62, tabs description 0.00, store status 0.98 before).
var heldFields = map[string]bool{"title": true, "price": true, "vendor": true, "ships_from": true, "ships_to": true,
	"category": true, "ships_from_raw": true, "ships_to_raw": true, "status": true, "description": true}

func truthFields(l *extract.Listing) map[string]string {
	num := func(f float64) string {
		if f == 0 {
			return ""
		}
		return fmt.Sprintf("%.6g", math.Round(f*1e6)/1e6)
	}
	set := func(l []string) string {
		l = slices.Clone(l)
		sort.Strings(l)
		return strings.Join(slices.Compact(l), ",")
	}
	m := induce.Fields(l)
	m["price_usd"] = num(l.Price.USD)
	m["grams"], m["units"], m["unit_price_usd"] = num(l.Grams), num(l.Units), num(l.UnitPriceUSD)
	m["vendor_id"] = l.VendorID
	m["ships_from"], m["ships_to"] = set(l.ShipsFrom), set(l.ShipsTo)
	m["ships_from_raw"], m["ships_to_raw"] = l.ShipsFromRaw, l.ShipsToRaw
	m["drug_offer"] = fmt.Sprint(l.DrugOffer)
	m["price"] = num(l.Price.Amount) + " " + l.Price.Currency
	return m
}

// withParts is the page's own listing with the fields it lacks filled from the part
// sub-pages it links to (a listing's shipping tab), read with read, as the crawler does
// (extract.NeededLinks, extract.MergePart).
func withParts(res extract.Result, pageURL string, read func(string) extract.Result) extract.Listing {
	var own extract.Listing
	for _, l := range res.Listings {
		if l.URL == pageURL || own.URL == "" {
			own = l
		}
	}
	for _, ln := range extract.NeededLinks(res, pageURL) {
		if ln.Kind != extract.LinkPart {
			continue
		}
		for _, p := range read(ln.URL).Listings {
			if p.ID == own.ID {
				own = extract.MergePart(own, p)
			}
		}
	}
	return own
}

// TestInducedTestbedF1 crawls each testbed market as if no profile existed (generic
// extractor), induces a profile after 20 listing pages, reads the rest of the crawl with
// it, and scores every listing page read through the Learner (with its shipping tab merged
// in, as a crawl does) against the testbed truth, printed per family and field beside
// generic-only, over all seven families: induced F1 >= 0.99 on every field, except where
// the generic extractor itself is below (its gaps: testbed-gaps.md), and there never
// below generic-only.
func TestInducedTestbedF1(t *testing.T) {
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ family, field string }
	gen, ind := map[key]*fieldScore{}, map[key]*fieldScore{}
	genAll, indAll := map[string]*fieldScore{}, map[string]*fieldScore{}
	active := map[string]bool{}
	add := func(m map[key]*fieldScore, all map[string]*fieldScore, fam string, truth, got map[string]string) {
		if all[fam] == nil {
			all[fam] = &fieldScore{}
		}
		for f, tv := range truth {
			k := key{fam, f}
			if m[k] == nil {
				m[k] = &fieldScore{}
			}
			m[k].add(tv, got[f])
			all[fam].add(tv, got[f])
		}
	}
	for _, opts := range []testbed.Options{{Seed: 1, Listings: 60, Markets: 8}, {Seed: 7, Listings: 60, Day: 3, Markets: 8}} {
		w, err := testbed.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		tr := w.Truth()
		for _, m := range tr.Markets {
			f := fetcher{w, m}
			ln := induce.NewLearner(x, induce.LearnerOptions{After: 20})
			read := func(p extract.Page) extract.Result {
				res, err := ln.Extract(p, "generic")
				if err != nil {
					t.Fatalf("%s: %v", p.URL, err)
				}
				return res
			}
			crawl(t, m.URL, func(u string) extract.Page { return f.page(t, u) }, read, 2000)
			st := ln.Status(m.Name)
			t.Logf("world %d/%d %s (%s): induced profile in use %v, listing fields read by the generic extractor %v", opts.Seed, opts.Day, m.Name, m.Family, st.Active, st.Generic)
			active[m.Family] = active[m.Family] || st.Active
			for i := range tr.Listings {
				l := &tr.Listings[i]
				if l.Market != m.Name {
					continue
				}
				generic := func(u string) extract.Result {
					g, err := x.Extract(f.page(t, u), "generic")
					if err != nil {
						t.Fatal(err)
					}
					return g
				}
				induced := func(u string) extract.Result { return read(f.page(t, u)) }
				gl := withParts(generic(l.URL), l.URL, generic)
				il := withParts(induced(l.URL), l.URL, induced)
				truth := truthFields(l)
				add(gen, genAll, m.Family, truth, truthFields(&gl))
				add(ind, indAll, m.Family, truth, truthFields(&il))
			}
		}
	}
	var ks []key
	for k := range ind {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b key) int {
		return cmp.Or(strings.Compare(a.family, b.family), strings.Compare(a.field, b.field))
	})
	for _, k := range ks {
		g, i := gen[k].f1(), ind[k].f1()
		note := ""
		if g < 0.99 {
			note = "  (generic gap: testbed-gaps.md)"
		}
		t.Logf("%-8s %-15s F1 generic-only %.4f  induced %.4f%s", k.family, k.field, g, i, note)
		// the induced profile reaches the target wherever the generic extractor does, and
		// is never worse than it where it does not (a profile learned from generic values
		// keeps their confident values and only fills their gaps)
		if i < 0.99 && i < g {
			t.Errorf("family %s field %s: induced F1 %.4f < 0.99 and below generic-only %.4f", k.family, k.field, i, g)
		}
		if heldFields[k.field] && (g < 0.99 || i < 0.99) {
			t.Errorf("family %s field %s: F1 generic-only %.4f, induced %.4f, want >= 0.99 each", k.family, k.field, g, i)
		}
	}
	var fams []string
	for f := range indAll {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	for _, f := range fams {
		t.Logf("family %-8s all fields F1 generic-only %.4f  induced %.4f (induced profile used: %v)", f, genAll[f].f1(), indAll[f].f1(), active[f])
	}
	// forum threads are not listing pages of one layout: no profile is induced for them
	for _, f := range []string{testbed.FamilyClassic, testbed.FamilyRUShop, testbed.FamilyShop, testbed.FamilyGrid, testbed.FamilyTabs, testbed.FamilyStore, testbed.FamilyVault} {
		if !active[f] {
			t.Errorf("family %s: no induced profile in use after the crawl", f)
		}
	}
}
