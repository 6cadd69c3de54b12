package extract

import (
	"fmt"
	"strings"
	"testing"
)

// TestCardsRepeatedTitles: a page whose cards repeat titles (a district's page lists the
// same product of several shops) is a category page when the cards link distinct listing
// pages; boxes repeating one title to non-listing pages (one "Deposits & Withdrawals" box
// per coin) are not cards.
func TestCardsRepeatedTitles(t *testing.T) {
	page := func(card string) []byte {
		var b strings.Builder
		b.WriteString(`<html><head><title>District</title></head><body><div class="products">`)
		for i := range 8 {
			fmt.Fprintf(&b, card, i, []string{"Cocaine VHQ", "MDMA crystals"}[i%2], 1000+10*i)
		}
		b.WriteString(`</div></body></html>`)
		return []byte(b.String())
	}
	cases := []struct {
		name, card, kind string
		cards            int
	}{
		{"same products of several shops", `<div class="product"><a href="/product/%d">%s</a> <span class="from">from %d RUB</span> <span class="shop">shop</span></div>`, KindCategory, 8},
		{"one box per coin", `<div class="box"><h3>Coin %d %s</h3><p>USD <span>%d.00</span></p><p><a href="/balance/coin">Deposits &amp; Withdrawals</a></p></div>`, "", 0},
	}
	x, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := x.Extract(Page{URL: "http://abcdefgh.onion/city/4/0", Body: page(c.card)}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Listings) != c.cards || (c.kind != "" && res.Kind != c.kind) {
				t.Errorf("kind %s with %d cards, want %q with %d", res.Kind, len(res.Listings), c.kind, c.cards)
			}
		})
	}
}
