package extract

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// realGenericFloor is the share of field checks on which the generic extractor must agree
// with the market profiles over every saved msc page (measured 2026-11-27: see
// docs/extraction.md); realGenericFieldFloor applies to each field with >= 10 checks.
const (
	realGenericFloor      = 0.95
	realGenericFieldFloor = 0.75
)

// TestRealPagesGenericOnly runs every saved page of msc-darkweb-scraping (Dream, Empire,
// Cryptonia, Apollon) twice: with its market profile and with the generic extractor only,
// as if the market were unknown. The profiles reproduce every upstream expected value
// (TestSharedExpectedValues), so they serve as the reference for the fields upstream does
// not assert: page kind; title, price+currency, vendor, ships from/to and category of a
// listing page; count, title, price and vendor of the cards of search and category pages;
// handle and PGP key of a vendor page. It prints agreement per market and field and fails
// below the floors. TestSharedExpectedValuesGeneric scores the upstream values themselves.
func TestRealPagesGenericOnly(t *testing.T) {
	root := filepath.Join(sharedData(t), "msc-darkweb-scraping")
	x := testExtractor(t)
	type key = scoreKey
	total, pass := map[key]int{}, map[key]int{}
	pages := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(path), "/html_files/") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		market := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if body, err = DecodeBody(body, ""); err != nil {
			return err
		}
		p := Page{URL: pageURL(market, rel), Market: market, Body: body}
		ref, err := x.Extract(p, "auto")
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		gen, err := x.Extract(p, "generic")
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		pages++
		check := func(field string, ok bool, format string, args ...any) {
			k := key{market, field}
			total[k]++
			if ok {
				pass[k]++
			} else {
				t.Logf("%s %s: %s", rel, field, fmt.Sprintf(format, args...))
			}
		}
		realGenericCompare(ref, gen, check)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages < 100 {
		t.Fatalf("%d pages read, want the 136 of msc-darkweb-scraping", pages)
	}
	keys := sortedScoreKeys(total)
	byField, byFieldOK := map[string]int{}, map[string]int{}
	all, ok := 0, 0
	t.Logf("%d pages; generic-only agreement with the profiles:", pages)
	t.Logf("%-10s %-13s %5s %5s", "market", "field", "agree", "total")
	for _, k := range keys {
		t.Logf("%-10s %-13s %5d %5d  %5.1f%%", k.market, k.field, pass[k], total[k], 100*float64(pass[k])/float64(total[k]))
		byField[k.field] += total[k]
		byFieldOK[k.field] += pass[k]
		all += total[k]
		ok += pass[k]
	}
	fields := make([]string, 0, len(byField))
	for f := range byField {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		t.Logf("%-10s %-13s %5d %5d  %5.1f%%", "ALL", f, byFieldOK[f], byField[f], 100*float64(byFieldOK[f])/float64(byField[f]))
		if byField[f] >= 10 && float64(byFieldOK[f]) < realGenericFieldFloor*float64(byField[f]) {
			t.Errorf("field %s: %d/%d agree, want >= %.0f%%", f, byFieldOK[f], byField[f], 100*realGenericFieldFloor)
		}
	}
	t.Logf("%-10s %-13s %5d %5d  %5.1f%%", "ALL", "", ok, all, 100*float64(ok)/float64(all))
	if float64(ok) < realGenericFloor*float64(all) {
		t.Errorf("generic-only: %d/%d checks agree with the profiles, want >= %.0f%%", ok, all, 100*realGenericFloor)
	}
}

// realGenericCompare scores generic output gen against the profile output ref.
func realGenericCompare(ref, gen Result, check func(field string, ok bool, format string, args ...any)) {
	check("kind", ref.Kind == gen.Kind, "kind %q, profile %q", gen.Kind, ref.Kind)
	switch ref.Kind {
	case KindListing:
		r, _ := firstListing(ref)
		g, _ := firstListing(gen)
		realListingCompare("", r, g, check)
	case KindSearch, KindCategory:
		check("card_count", len(ref.Listings) == len(gen.Listings), "%d cards, profile %d", len(gen.Listings), len(ref.Listings))
		byURL := map[string]Listing{}
		for _, l := range gen.Listings {
			byURL[l.URL] = l
		}
		for _, r := range ref.Listings {
			realListingCompare("card_", r, byURL[r.URL], check)
		}
	case KindVendor:
		r, _ := firstVendor(ref)
		g, _ := firstVendor(gen)
		check("handle", r.Handle == g.Handle, "handle %q, profile %q", g.Handle, r.Handle)
		if len(r.PGP) > 0 {
			check("pgp", slices.Equal(r.PGP, g.PGP), "pgp %v, profile %v", g.PGP, r.PGP)
		}
	}
}

func realListingCompare(prefix string, r, g Listing, check func(field string, ok bool, format string, args ...any)) {
	id := r.URL
	if prefix == "" {
		id = ""
	}
	if r.Title != "" {
		check(prefix+"title", oneLine(r.Title) == oneLine(g.Title), "%s title %q, profile %q", id, g.Title, r.Title)
	}
	if r.Price.Currency != "" {
		check(prefix+"price", approx(r.Price.Amount, g.Price.Amount) && r.Price.Currency == g.Price.Currency,
			"%s price %v %s, profile %v %s", id, g.Price.Amount, g.Price.Currency, r.Price.Amount, r.Price.Currency)
	}
	if r.Vendor != "" {
		check(prefix+"vendor", r.Vendor == g.Vendor, "%s vendor %q, profile %q", id, g.Vendor, r.Vendor)
	}
	if len(r.ShipsFrom) > 0 {
		check(prefix+"ships_from", heldOutSameSet(r.ShipsFrom, g.ShipsFrom), "%s ships_from %v (%q), profile %v (%q)", id, g.ShipsFrom, g.ShipsFromRaw, r.ShipsFrom, r.ShipsFromRaw)
	}
	if len(r.ShipsTo) > 0 {
		check(prefix+"ships_to", heldOutSameSet(r.ShipsTo, g.ShipsTo), "%s ships_to %v (%q), profile %v (%q)", id, g.ShipsTo, g.ShipsToRaw, r.ShipsTo, r.ShipsToRaw)
	}
	if r.Category != "" {
		check(prefix+"category", r.Category == g.Category, "%s category %q, profile %q", id, g.Category, r.Category)
	}
}
