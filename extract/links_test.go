package extract

import (
	"slices"
	"testing"
)

// TestReorderedPageLinks: a category page's links to itself in another order (?sort=,
// ?order=) are not followed, on any page number; its pagination, other categories and
// listings are.
func TestReorderedPageLinks(t *testing.T) {
	body := `<html><body><a href="/browse?cat=stimulants&amp;sort=newest">Newest</a> <a href="/browse?cat=stimulants&amp;sort=price_asc">Price</a>
<a href="/browse?cat=stimulants&amp;page=2">2</a> <a href="/browse?cat=benzos">Benzos</a> <a href="/browse?cat=benzos&amp;sort=newest">Benzos, newest</a>
<a href="/product/8015-mdma">MDMA</a></body></html>`
	for _, c := range []struct{ page, want, not string }{
		{"http://m.onion/browse?cat=stimulants", "http://m.onion/browse?cat=stimulants&page=2", "http://m.onion/browse?cat=stimulants&sort=newest"},
		{"http://m.onion/browse?cat=stimulants&page=3", "http://m.onion/browse?cat=benzos", "http://m.onion/browse?cat=stimulants&sort=price_asc"},
		{"http://m.onion/", "http://m.onion/browse?cat=stimulants&sort=newest", ""}, // another page: not a reordering of it
	} {
		pc := newPageCtx(Page{URL: c.page, Body: []byte(body)}, mustDoc(t, body))
		var got []string
		for _, l := range classifyLinks(pc, nil) {
			got = append(got, l.URL)
		}
		if !slices.Contains(got, c.want) || !slices.Contains(got, "http://m.onion/product/8015-mdma") {
			t.Errorf("%s: links %v lack %s", c.page, got, c.want)
		}
		if c.not != "" && slices.Contains(got, c.not) {
			t.Errorf("%s: links %v hold the reordered page %s", c.page, got, c.not)
		}
	}
}
