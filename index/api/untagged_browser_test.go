package api_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/index/indextest"
)

// TestBrowserUntagged: the Untagged offers page in Chromium shows, for each kind, the
// counts per market and the listings the API returns; a market link narrows the page to
// that market.
func TestBrowserUntagged(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromiumPath(t)
	e := newEnv(t, envOptions{listings: indextest.UntaggedListings()})
	ctx, dialogs := newBrowser(t)
	out := testOutDir(t)
	base := e.srv.URL
	login(t, ctx, base, "alice")

	type section struct {
		Total  string     `json:"total"`
		Counts [][]string `json:"counts"`
		IDs    []string   `json:"ids"`
	}
	const readJS = `Object.fromEntries(Array.from(document.querySelectorAll("section.untagged")).map(s => [s.id, {
		total: s.getAttribute("data-total"),
		counts: Array.from(s.querySelectorAll("table.counts tbody tr")).filter(r => r.cells.length == 2).map(r => [r.cells[0].textContent, r.cells[1].textContent]),
		ids: Array.from(s.querySelectorAll("table.listings a[href^='/listing?id=']")).map(a => new URLSearchParams(a.getAttribute("href").slice(9)).get("id")).sort(),
	}]))`
	open(t, ctx, base, "/untagged", out, "untagged")
	got := evalJS[map[string]section](t, ctx, readJS)
	want := map[string]section{
		"untagged-no_substance":   {Total: "3", Counts: [][]string{{"delta", "2"}, {"echo", "1"}}, IDs: []string{"delta/u1", "delta/u5", "echo/u6"}},
		"untagged-class_conflict": {Total: "1", Counts: [][]string{{"delta", "1"}}, IDs: []string{"delta/u2"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("untagged page (-want +got):\n%s", diff)
	}
	t.Logf("untagged page: no_substance %s (%v), class_conflict %s (%v)", got["untagged-no_substance"].Total,
		got["untagged-no_substance"].Counts, got["untagged-class_conflict"].Total, got["untagged-class_conflict"].Counts)

	// the market link of the counts table narrows the page
	open(t, ctx, base, "/untagged?market=echo", out, "untagged-echo")
	got = evalJS[map[string]section](t, ctx, readJS)
	if g := got["untagged-no_substance"]; g.Total != "1" || !slices.Equal(g.IDs, []string{"echo/u6"}) {
		t.Errorf("market=echo: no_substance %+v, want echo/u6 only", g)
	}
	if g := got["untagged-class_conflict"]; g.Total != "0" || len(g.IDs) != 0 {
		t.Errorf("market=echo: class_conflict %+v, want none", g)
	}
	// the search page's Untagged filter gives the same listings
	open(t, ctx, base, "/?untagged=class_conflict", out, "search-untagged")
	if ids := evalJS[[]string](t, ctx, listingIDsJS); !slices.Equal(ids, []string{"delta/u2"}) {
		t.Errorf("search untagged=class_conflict: %v, want [delta/u2]", ids)
	}
	if sel := evalJS[string](t, ctx, `document.getElementById("f-untagged").value`); sel != "class_conflict" {
		t.Errorf("search form Untagged filter shows %q", sel)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened", n)
	}
}
