package extract

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// heldOutCase is one hand-written page of a market layout that is none of the profiled
// markets (testdata/generic/cases.json). Its expected values were written before the page
// was first run through the extractor. Empty fields are not checked.
type heldOutCase struct {
	File     string           `json:"file"`
	Batch    int              `json:"batch"` // written in this order; each scored before the rules it led to
	URL      string           `json:"url"`
	Kind     string           `json:"kind"`
	Listings []heldOutListing `json:"listings"`
	Vendors  []heldOutVendor  `json:"vendors"`
}

type heldOutListing struct {
	Title     string   `json:"title"`
	Price     float64  `json:"price"`
	Currency  string   `json:"currency"`
	Vendor    string   `json:"vendor"`
	ShipsFrom []string `json:"ships_from"`
	ShipsTo   []string `json:"ships_to"`
	Category  string   `json:"category"`
	Offers    int      `json:"offers"`
}

type heldOutVendor struct {
	Handle string `json:"handle"`
	PGP    bool   `json:"pgp"`
}

// heldOutFloor is the share of held-out field checks the generic extractor must pass.
// Batch 1 (25 pages) first ran at 154/193 (79.8%) before the rules written for it; batch 2
// (10 pages, written after those rules as a check of how they generalise) first ran at
// 58/84 (69.0%); batch 3 (8 pages, written after the batch-2 rules) first ran at 52/58
// (89.7%); batch 4 (5 pages, after the batch-3 rules) at 31/41 (75.6%); batch 5 (7 pages,
// after the batch-4 rules) at 35/39 (89.7%); batch 6 (6 pages, after the batch-5 rules) at
// 41/48 (85.4%); batch 7 (5 pages, after the batch-6 rules) at 18/25 (72.0%); batch 8 (5
// pages, after the batch-7 rules) at 23/36 (63.9%). All now pass fully; the floors sit a
// little lower so a regression fails.
const heldOutFloor = 0.95

// heldOutFieldFloor: no single field may fall below this share.
const heldOutFieldFloor = 0.85

// TestGenericHeldOut runs the held-out pages through the generic extractor (no profile)
// and scores every expected field; it prints a table per field and fails below the floors.
func TestGenericHeldOut(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "generic", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []heldOutCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("%d held-out cases, want >= 20", len(cases))
	}
	x := testExtractor(t)
	total, pass := map[string]int{}, map[string]int{}
	batchTotal, batchPass := map[int]int{}, map[int]int{}
	score := func(c heldOutCase, field string, ok bool, format string, args ...any) {
		total[field]++
		batchTotal[c.Batch]++
		if ok {
			pass[field]++
			batchPass[c.Batch]++
			return
		}
		t.Logf("%s %s: %s", c.File, field, fmt.Sprintf(format, args...))
	}
	for _, c := range cases {
		body, err := os.ReadFile(filepath.Join("testdata", "generic", c.File))
		if err != nil {
			t.Fatal(err)
		}
		res, err := x.Extract(Page{URL: c.URL, Body: body}, "generic")
		if err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
		score(c, "kind", res.Kind == c.Kind, "kind %q, want %q", res.Kind, c.Kind)
		if len(c.Listings) > 1 {
			score(c, "count", len(res.Listings) == len(c.Listings), "%d listings, want %d", len(res.Listings), len(c.Listings))
		}
		for i, w := range c.Listings {
			var g Listing
			if i < len(res.Listings) {
				g = res.Listings[i]
			}
			heldOutListingScore(c, i, w, g, score)
		}
		for i, w := range c.Vendors {
			var g Vendor
			if i < len(res.Vendors) {
				g = res.Vendors[i]
			}
			score(c, "handle", g.Handle == w.Handle, "vendor %d handle %q, want %q", i, g.Handle, w.Handle)
			if w.PGP {
				score(c, "pgp", len(g.PGP) > 0 || heldOutHasPGPEntity(g.Entities), "vendor %d: no PGP key", i)
			}
		}
	}
	fields := make([]string, 0, len(total))
	for f := range total {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	all, ok := 0, 0
	t.Logf("%-12s %5s %5s", "field", "pass", "total")
	for _, f := range fields {
		t.Logf("%-12s %5d %5d  %5.1f%%", f, pass[f], total[f], 100*float64(pass[f])/float64(total[f]))
		all += total[f]
		ok += pass[f]
		if float64(pass[f]) < heldOutFieldFloor*float64(total[f]) {
			t.Errorf("field %s: %d/%d, want >= %.0f%%", f, pass[f], total[f], 100*heldOutFieldFloor)
		}
	}
	for b := 1; b <= 8; b++ {
		if batchTotal[b] > 0 {
			t.Logf("%-12s %5d %5d  %5.1f%%", fmt.Sprintf("batch %d", b), batchPass[b], batchTotal[b], 100*float64(batchPass[b])/float64(batchTotal[b]))
		}
	}
	t.Logf("%-12s %5d %5d  %5.1f%%", "ALL", ok, all, 100*float64(ok)/float64(all))
	if float64(ok) < heldOutFloor*float64(all) {
		t.Errorf("held-out: %d/%d checks pass, want >= %.0f%%", ok, all, 100*heldOutFloor)
	}
}

func heldOutHasPGPEntity(es []Entity) bool {
	for _, e := range es {
		if e.Kind == "pgp" {
			return true
		}
	}
	return false
}

func heldOutListingScore(c heldOutCase, i int, w heldOutListing, g Listing, score func(heldOutCase, string, bool, string, ...any)) {
	if w.Title != "" {
		score(c, "title", g.Title == w.Title, "listing %d title %q, want %q", i, g.Title, w.Title)
	}
	if w.Price != 0 {
		score(c, "price", approx(g.Price.Amount, w.Price) && g.Price.Currency == w.Currency,
			"listing %d price %v %s, want %v %s", i, g.Price.Amount, g.Price.Currency, w.Price, w.Currency)
	}
	if w.Vendor != "" {
		score(c, "vendor", g.Vendor == w.Vendor, "listing %d vendor %q, want %q", i, g.Vendor, w.Vendor)
	}
	if w.ShipsFrom != nil {
		score(c, "ships_from", heldOutSameSet(g.ShipsFrom, w.ShipsFrom), "listing %d ships_from %v (raw %q), want %v", i, g.ShipsFrom, g.ShipsFromRaw, w.ShipsFrom)
	}
	if w.ShipsTo != nil {
		score(c, "ships_to", heldOutSameSet(g.ShipsTo, w.ShipsTo), "listing %d ships_to %v (raw %q), want %v", i, g.ShipsTo, g.ShipsToRaw, w.ShipsTo)
	}
	if w.Category != "" {
		score(c, "category", g.Category == w.Category, "listing %d category %q, want %q", i, g.Category, w.Category)
	}
	if w.Offers != 0 {
		score(c, "offers", len(g.Offers) == w.Offers, "listing %d: %d offers, want %d", i, len(g.Offers), w.Offers)
	}
}

func heldOutSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return strings.Join(slices.Compact(a), ",") == strings.Join(slices.Compact(b), ",")
}

// BenchmarkExtractGeneric compares generic-only extraction (profile "generic", as for an
// unknown market) of the golden pages with a goquery parse-only pass over the same pages,
// interleaved page by page; "ratio" is extraction pages/s over parse-only pages/s.
func BenchmarkExtractGeneric(b *testing.B) { benchExtractVsParse(b, "generic") }
