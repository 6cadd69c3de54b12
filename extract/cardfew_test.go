package extract

import "testing"

// TestFewCards: a category page with one or two result cards gives listings keyed by
// their links; a listing page's single related card does not make it a category page,
// and a menu link to "listings.php" is no card.
func TestFewCards(t *testing.T) {
	card := func(key, title, price string) string {
		return `<div class="col-lg-4"><article class="card"><div class="card-body"><h3><a href="/offer/` + key + `">` + title + `</a></h3><a href="/store/pharma">@pharma</a><div class="card-price">` + price + `</div></div></article></div>`
	}
	side := `<div class="col-md-3"><a href="/c/opioids">Opioids</a> <a href="/c/ecstasy">Ecstasy</a></div>`
	for _, c := range []struct {
		name, url, body, kind string
		urls                  []string
	}{
		{"two cards", "http://m.onion/c/ecstasy",
			`<html><body><div class="row">` + side + `<div class="col-md-9"><h2>Ecstasy</h2><p>2 offers</p><div class="row">` + card("41018", "Purple Tesla XTC 250mg", "€56.83") + card("41057", "Tusi pink powder", "€39.91") + `</div></div></div></body></html>`,
			KindCategory, []string{"http://m.onion/offer/41018", "http://m.onion/offer/41057"}},
		{"one card", "http://m.onion/items?category=documents",
			`<html><body><div class="row">` + side + `<div class="col-md-9"><h2>Documents <small>1 items</small></h2><div class="row">` + card("a5bd001d", "Fake ID scan template", "USD 289.89") + `</div></div></div></body></html>`,
			KindCategory, []string{"http://m.onion/offer/a5bd001d"}},
		{"listing with one related card", "http://m.onion/offer/41000",
			`<html><body><div class="buybox"><h1>Meow meow mephedrone</h1><div class="price">€20.99</div><form action="/cart/add" method="post"><button>Add to cart</button></form></div><section><h3>Related</h3><div class="row">` + card("41018", "Purple Tesla XTC 250mg", "€56.83") + `</div></section></body></html>`,
			"", nil},
		{"menu link", "http://m.onion/usercp.php?action=orders",
			`<html><body><ul class="menu"><li><a href="/listings.php">Listings</a></li><li>Balance USD 0.00</li></ul><p>No orders.</p></body></html>`,
			"", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := testExtractor(t)
			res, err := x.Extract(Page{URL: c.url, Body: []byte(c.body)}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			var urls []string
			for _, l := range res.Listings {
				urls = append(urls, l.URL)
			}
			if c.kind != "" && (res.Kind != c.kind || len(urls) != len(c.urls)) {
				t.Fatalf("kind %q listings %v, want %q %v", res.Kind, urls, c.kind, c.urls)
			}
			for i := range c.urls {
				if urls[i] != c.urls[i] {
					t.Errorf("listing %d URL %q, want %q", i, urls[i], c.urls[i])
				}
			}
			if c.kind == "" && (res.Kind == KindCategory || res.Kind == KindSearch) {
				t.Errorf("kind %q with listings %v, want no category page", res.Kind, urls)
			}
		})
	}
}
