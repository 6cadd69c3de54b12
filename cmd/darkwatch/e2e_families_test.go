package main

// End-to-end test of issue 13: crawl the testbed families that have no extraction profile
// (grid, tabs, store, vault) with `profile: auto` through the testbed's SOCKS endpoint into the
// embedded index, and compare every stored listing with the truth, field by field.

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
)

// e2eFamilies are the families TestE2EFamiliesAuto crawls: those without a profile.
var e2eFamilies = []string{testbed.FamilyGrid, testbed.FamilyTabs, testbed.FamilyStore, testbed.FamilyVault}

// e2eFamilyFields are the fields TestE2EFamiliesAuto compares.
var e2eFamilyFields = []string{"title", "price", "vendor", "ships_from", "ships_to", "category"}

// e2eFamilyTarget is the per family and field accuracy the crawl is held to.
const e2eFamilyTarget = 0.98

// fieldValue is a compared field of a listing as a string.
func fieldValue(l extract.Listing, f string) string {
	switch f {
	case "title":
		return l.Title
	case "price":
		return fmt.Sprintf("%.4f %s", l.Price.Amount, l.Price.Currency) // XMR prices have 4 decimals
	case "vendor":
		return l.VendorID
	case "ships_from":
		return strings.Join(index.Uniq(l.ShipsFrom), ",")
	case "ships_to":
		return strings.Join(index.Uniq(l.ShipsTo), ",")
	case "category":
		return l.Category
	}
	return ""
}

// TestE2EFamiliesAuto crawls one market of each family without a profile (a few dozen
// listings each) with `darkwatch crawl --once` and profile auto, then reads every listing
// back with `darkwatch search --json` and prints per family and field the share of truth
// listings stored with the right value. It asserts e2eFamilyTarget where reached (floors
// for the known gaps), that every stored listing is a truth listing (none is made of a tab
// page), and that a listing's tab sub-pages are fetched only when its record lacks what
// they carry: the tabs family's shipping tabs, never a feedback, refund or reviews tab.
func TestE2EFamiliesAuto(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls three testbed markets")
	}
	w, srv := startTestbed(t, testbed.Options{Seed: 13, Markets: 8, Listings: 30})
	tr := w.Truth()
	family := map[string]string{}
	var markets []testbed.MarketInfo
	for _, m := range tr.Markets {
		if slices.Contains(e2eFamilies, m.Family) {
			family[m.Name] = m.Family
			markets = append(markets, m)
		}
	}
	dir := t.TempDir()
	baseF, cfg := dir+"/base.yaml", dir+"/darkwatch.yaml"
	if err := os.WriteFile(baseF, []byte(baseYAML(dir, "embedded", "", "", 0, 2)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeTestbedConfig(cfg, "", baseF, srv.SOCKSAddr(), markets); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	code, out, errs := runCrawlMain(ctx, cfg)
	if code != exitOK {
		t.Fatalf("crawl: exit %d\nstdout: %s\nstderr (tail): %s", code, out, tail(errs, 3000))
	}
	t.Logf("crawl took %s: %s", time.Since(start).Round(time.Millisecond), firstLine(out))

	got := map[string]extract.Listing{}
	for _, l := range searchMain(t, cfg) {
		got[l.ID] = l
	}
	want := map[string]extract.Listing{}
	for _, l := range tr.Listings {
		if family[l.Market] != "" {
			want[l.ID] = l
		}
	}
	// No listing made of a tab page; every stored listing a truth listing (but the known gap).
	extra := 0
	for id, l := range got {
		if _, _, part := extract.PartOf(l.URL); part || index.IsPart(l) || strings.HasSuffix(id, "/shipping") {
			t.Errorf("stored listing %s is made of a tab page (%s)", id, l.URL)
		}
		if _, ok := want[id]; !ok {
			extra++
			t.Logf("stored listing %s (%s) is not a truth listing", id, l.URL)
		}
	}
	if extra > 0 {
		t.Errorf("%d stored listings are no truth listing, want none", extra)
	}
	type key struct{ family, field string }
	right, total := map[key]int{}, map[string]int{}
	shown := map[key]int{}
	for id, wl := range want {
		fam := family[wl.Market]
		total[fam]++
		gl := got[id]
		for _, f := range e2eFamilyFields {
			if fieldValue(gl, f) == fieldValue(wl, f) {
				right[key{fam, f}]++
			} else if shown[key{fam, f}] < 2 {
				shown[key{fam, f}]++
				t.Logf("%s %s %s: truth %q, got %q", fam, id, f, fieldValue(wl, f), fieldValue(gl, f))
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %9s", "family", "listings")
	for _, f := range e2eFamilyFields {
		fmt.Fprintf(&b, " %10s", f)
	}
	b.WriteString("\n")
	for _, fam := range e2eFamilies {
		if total[fam] < 20 {
			t.Errorf("family %s: %d truth listings, want a few dozen", fam, total[fam])
		}
		fmt.Fprintf(&b, "%-6s %9d", fam, total[fam])
		for _, f := range e2eFamilyFields {
			acc := float64(right[key{fam, f}]) / float64(max(1, total[fam]))
			fmt.Fprintf(&b, " %10.4f", acc)
			if acc < e2eFamilyTarget {
				t.Errorf("family %s field %s: accuracy %.4f < %.2f", fam, f, acc, e2eFamilyTarget)
			}
		}
		b.WriteString("\n")
	}
	t.Logf("per-field accuracy against the truth (crawl with profile auto, seed 13):\n%s", b.String())

	// Tab sub-pages: fetched only when the listing's record lacks what they carry.
	tabs := map[string]int{}
	for u := range w.Stats().PerURL {
		pu, err := url.Parse(u)
		if err != nil {
			continue
		}
		if _, kind, ok := extract.PartOf(u); ok && family[marketOfHost(tr, pu.Host)] != "" {
			tabs[family[marketOfHost(tr, pu.Host)]+" "+kind]++
		}
	}
	t.Logf("tab sub-pages fetched: %v", tabs)
	sorted := 0 // the same category pages in another order (the vault family's ?sort=)
	for u := range w.Stats().PerURL {
		if pu, err := url.Parse(u); err == nil && pu.Query().Has("sort") {
			sorted++
		}
	}
	t.Logf("sorted category pages fetched: %d", sorted)
	if sorted > 0 {
		t.Errorf("%d category pages fetched in another sort order, want none (the same listings)", sorted)
	}
	if tabs[testbed.FamilyTabs+" "+extract.PartShipping] == 0 {
		t.Error("no shipping tab of the tabs family was fetched, want those of listings without places")
	}
	for k, n := range tabs {
		if !strings.HasSuffix(k, " "+extract.PartShipping) {
			t.Errorf("%d %s tab pages fetched, want none (they add nothing the listing lacks)", n, k)
		}
	}
	if n := tabs[testbed.FamilyStore+" "+extract.PartShipping] + tabs[testbed.FamilyGrid+" "+extract.PartShipping]; n > 0 {
		t.Errorf("%d shipping tabs fetched on grid/store, which have none", n)
	}
}

// marketOfHost is the name of the truth market served at host.
func marketOfHost(tr testbed.Truth, host string) string {
	i := slices.IndexFunc(tr.Markets, func(m testbed.MarketInfo) bool { return m.Host == host })
	if i < 0 {
		return ""
	}
	return tr.Markets[i].Name
}
