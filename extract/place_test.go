package extract

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/darkwatch/darkwatch/extract/price"
)

func mustDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRateTable: a grid of currencies over numbers is a rate table; a table of offers
// (quantity, price) and a postage table are not.
func TestRateTable(t *testing.T) {
	for _, c := range []struct {
		name, table string
		want        bool
	}{
		{"currencies by coins", `<table><tr><th></th><th>Bitcoin</th><th>Monero</th></tr><tr><td>USD</td><td>60000</td><td>150.00</td></tr><tr><td>EUR</td><td>55556</td><td>138.89</td></tr></table>`, true},
		{"coin per row", `<table><tr><td>BTC</td><td>USD</td><td>61234.50</td></tr><tr><td>XMR</td><td>USD</td><td>151.20</td></tr></table>`, true},
		{"offers", `<table><tr><th>Quantity</th><th>Price</th></tr><tr><td>1 g</td><td>USD 20</td></tr><tr><td>5 g</td><td>USD 90</td></tr></table>`, false},
		{"postage", `<table><tr><th>Postage option</th><th>Days</th><th>Price</th></tr><tr><td>Letter</td><td>5-8</td><td>0.00 USD</td></tr><tr><td>Tracked</td><td>2</td><td>12.00 USD</td></tr></table>`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := mustDoc(t, "<html><body>"+c.table+"</body></html>")
			td := doc.Find("td").Last().Nodes[0]
			if got := rateTable(td); got != c.want {
				t.Errorf("rateTable = %v, want %v", got, c.want)
			}
		})
	}
}

// TestValuesByPlace: a listing page's price and vendor come from its own block (by the
// title and the purchase control), never from a table of exchange rates or a related
// card, however the page orders them.
func TestValuesByPlace(t *testing.T) {
	const rates = `<div class="container"><table class="table"><tr><th></th><th>Bitcoin</th><th>Monero</th></tr><tr><td>USD</td><td>60000</td><td>150.00</td></tr><tr><td>EUR</td><td>55556</td><td>138.89</td></tr></table></div>`
	const related = `<div class="related"><h3>Related items</h3><div class="row"><div class="col-md-4"><div class="card"><h2><a href="/listing?pid=b2">Other thing</a></h2><b>Sold By <a href="/profile?id=other_guy">other_guy</a></b><h5>USD 94.38</h5></div></div></div></div>`
	x := testExtractor(t)
	for _, c := range []struct {
		name, url, body, price, vendor string
	}{
		{"rate table in the header, price in the buy box",
			"http://m.onion/offer/41000",
			`<html><body>` + rates + `<div class="buybox"><h1>meow meow mephedrone</h1><div class="seller">Sold by <a href="/store/darkking">@darkking</a></div><div class="price-box"><span class="price-now">€20.99</span> <span>≈ 0.000378 BTC</span></div><form action="/cart/add" method="post"><button>Add to cart</button></form></div></body></html>`,
			"€20.99", "darkking"},
		{"rate table only: no price",
			"http://m.onion/offer/41001",
			`<html><body>` + rates + `<h1>Some offer</h1><p>Sold by <a href="/store/darkking">darkking</a></p></body></html>`,
			"", "darkking"},
		{"vendor a bare link in the sidebar, related card sold by another",
			"http://m.onion/listing?pid=a1",
			`<html><body><div class="row"><div class="col-md-9"><h1>Protonitazene 99.5%</h1><dl><dt>Ships from</dt><dd>Australia</dd></dl></div><div class="col-md-3"><h3>Price</h3><h1>USD 94.81</h1><div class="vendor-box"><a href="/profile?id=frost_team95">frost_team95</a></div></div></div>` + related + `</body></html>`,
			"USD 94.81", "frost_team95"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := x.Extract(Page{URL: c.url, Body: []byte(c.body)}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			pc := newPageCtx(Page{URL: c.url, Body: []byte(c.body)}, mustDoc(t, c.body))
			d, _ := labelListing(pc, nil)
			got, _ := price.Parse(d.price)
			want, _ := price.Parse(c.price)
			if got != want {
				t.Errorf("price %v (from %q), want %v (kind %s)", got, d.price, want, res.Kind)
			}
			if d.l.Vendor != c.vendor {
				t.Errorf("vendor %q, want %q", d.l.Vendor, c.vendor)
			}
		})
	}
}
