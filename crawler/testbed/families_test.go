package testbed_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

var (
	tagRE  = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	attrRE = regexp.MustCompile(`\s([a-zA-Z-]+)="([^"]*)"`)
)

// canonicalTags sorts each start tag's attributes and class tokens, undoing the per-request
// markup variation of the grid, tabs and store families.
func canonicalTags(body []byte) string {
	return tagRE.ReplaceAllStringFunc(string(body), func(tag string) string {
		var as []string
		for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
			v := m[2]
			if m[1] == "class" {
				toks := strings.Fields(v)
				slices.Sort(toks)
				v = strings.Join(toks, " ")
			}
			as = append(as, m[1]+"="+v)
		}
		slices.Sort(as)
		name := strings.FieldsFunc(tag[1:], func(r rune) bool { return r == ' ' || r == '>' || r == '/' })[0]
		return "<" + name + " " + strings.Join(as, " ") + ">"
	})
}

// TestFamiliesMarkupVaries: the grid, tabs, store and vault families change attribute and class
// order between requests of one URL (the same content), deterministically from the seed.
func TestFamiliesMarkupVaries(t *testing.T) {
	o := testbed.Options{Seed: 5, Markets: 8, Listings: 20}
	w1, w2 := newWorld(t, o), newWorld(t, o)
	families := map[string]string{}
	for _, m := range w1.Markets() {
		families[m.Name] = m.Family
	}
	checked := map[string]bool{}
	for _, l := range w1.Truth().Listings {
		fam := families[l.Market]
		if checked[fam] || (fam != testbed.FamilyGrid && fam != testbed.FamilyTabs && fam != testbed.FamilyStore && fam != testbed.FamilyVault) {
			continue
		}
		checked[fam] = true
		u, _ := url.Parse(l.URL)
		var bodies [][]byte
		for range 3 {
			_, _, b, err := w1.Page(l.Market, u.RequestURI())
			if err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, b)
		}
		if bytes.Equal(bodies[0], bodies[1]) && bytes.Equal(bodies[1], bodies[2]) {
			t.Errorf("%s %s: three requests gave the same markup, want attribute/class order to vary", fam, l.URL)
		}
		for i := 1; i < 3; i++ {
			if canonicalTags(bodies[i]) != canonicalTags(bodies[0]) {
				t.Errorf("%s %s: request %d differs from request 0 beyond attribute and class order", fam, l.URL, i)
			}
		}
		_, _, again, _ := w2.Page(l.Market, u.RequestURI())
		if !bytes.Equal(again, bodies[0]) {
			t.Errorf("%s %s: first request differs between two worlds of one seed", fam, l.URL)
		}
	}
	if len(checked) != 4 {
		t.Errorf("checked families %v, want grid, tabs, store and vault", checked)
	}
}

// TestFamiliesPages pins what each new family shows where (the traps of real markets).
func TestFamiliesPages(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 1, Markets: 8, Listings: 40})
	byFamily := map[string]testbed.MarketInfo{}
	for _, m := range w.Markets() {
		byFamily[m.Family] = m
	}
	first := map[string]string{} // market -> first listing URI
	for _, l := range w.Truth().Listings {
		if first[l.Market] == "" {
			u, _ := url.Parse(l.URL)
			first[l.Market] = u.RequestURI()
		}
	}
	page := func(market, uri string) (int, string) {
		st, _, b, err := w.Page(market, uri)
		if err != nil {
			t.Fatal(err)
		}
		return st, string(b)
	}
	for _, tc := range []struct {
		family, suffix string
		status         int
		want, not      []string
	}{
		{testbed.FamilyGrid, "", 200, []string{`<dt`, `Ships from</dt>`, "More from this vendor", "Related items", `class="row"`, "profile?id="}, nil},
		{testbed.FamilyTabs, "", 200, []string{`/shipping"`, `/feedback"`, `class="label"`, "Description"}, []string{"Ships from", "ships from", "Ships to"}},
		{testbed.FamilyTabs, "/shipping", 200, []string{"hips from", "hips "}, nil},
		{testbed.FamilyTabs, "/feedback", 200, []string{"Paid"}, []string{"hips from"}},
		{testbed.FamilyTabs, "/nosuchtab", 404, nil, nil},
		{testbed.FamilyStore, "", 200, []string{">@", "/store/", "More from @", "Customers also viewed", "/reviews\""}, nil},
		{testbed.FamilyStore, "/reviews", 200, []string{"bought for"}, nil},
		{testbed.FamilyVault, "", 200, []string{" › ", "Sold by <a", `class="flag"`, "Ships from: <img", "<dt>", `<select name="shipping"><option>Standard - `, " XMR</option>", "Vendor's other listings", "/vendors/"}, []string{"BTC"}},
	} {
		m := byFamily[tc.family]
		st, body := page(m.Name, first[m.Name]+tc.suffix)
		if st != tc.status {
			t.Errorf("%s %s%s: status %d, want %d", tc.family, first[m.Name], tc.suffix, st, tc.status)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s %s%s: page lacks %q", tc.family, first[m.Name], tc.suffix, s)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(body, s) {
				t.Errorf("%s %s%s: page shows %q, want it only on another tab", tc.family, first[m.Name], tc.suffix, s)
			}
		}
	}
}

// TestVaultPages pins the vault family's category pages (a table; sort links that reorder
// the same listings and keep their order in the pager) and its DDoS filter (a queue page,
// HTTP 200 with a meta refresh, on the first request of one URL in eleven, over HTTP only).
func TestVaultPages(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 1, Markets: 8, Listings: 300})
	var m testbed.MarketInfo
	for _, mi := range w.Markets() {
		if mi.Family == testbed.FamilyVault {
			m = mi
		}
	}
	keys := func(uri string) []string {
		st, _, b, err := w.Page(m.Name, uri)
		if err != nil || st != 200 {
			t.Fatalf("%s: status %d, err %v", uri, st, err)
		}
		if !strings.Contains(string(b), "<table") {
			t.Errorf("%s: no listing table", uri)
		}
		var out []string
		for _, mm := range regexp.MustCompile(`class="product-name" href="/product/([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
			out = append(out, mm[1])
		}
		return out
	}
	plain, byPrice := keys("/browse?cat=stimulants"), keys("/browse?cat=stimulants&sort=price_asc")
	if len(plain) == 0 || slices.Equal(plain, byPrice) {
		t.Errorf("sorted page %v, want the listings of %v in another order", byPrice, plain)
	}
	p2 := keys("/browse?cat=stimulants&sort=price_asc&page=2")
	if len(p2) == 0 || slices.Contains(byPrice, p2[0]) {
		t.Errorf("page 2 by price %v repeats page 1 %v", p2, byPrice)
	}
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	get := func(uri string) string {
		req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr()+uri, nil)
		req.Host = m.Host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", uri, resp.StatusCode)
		}
		return string(b)
	}
	queued := 0
	for _, l := range w.Truth().Listings {
		if l.Market != m.Name {
			continue
		}
		u, _ := url.Parse(l.URL)
		first := get(u.RequestURI())
		if strings.Contains(first, "You are in the queue") {
			queued++
			if !strings.Contains(first, `http-equiv="refresh"`) || strings.Contains(first, l.Title) {
				t.Errorf("%s: queue page without a refresh or with the listing", l.URL)
			}
			if again := get(u.RequestURI()); strings.Contains(again, "You are in the queue") {
				t.Errorf("%s: second request queued again", l.URL)
			}
		}
	}
	if queued == 0 {
		t.Error("no listing page was queued by the DDoS filter, want one in eleven")
	}
}
