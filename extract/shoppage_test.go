package extract

import "testing"

// TestShopProductPage: a product page off a listing URL pattern is a listing when its
// title has a price beside it and a purchase control (buy link, add-to-cart form,
// quantity select) in its block; an action link ("report item") is not another
// listing's block; a CSS tab's label heads its panel; a shop name after a title
// abbreviation is kept whole. Without a purchase control the same page is no listing.
func TestShopProductPage(t *testing.T) {
	page := func(control, shipping string) string {
		return `<html><body><nav><a href="/info/shipping">Shipping</a> <a href="/info/terms">Terms</a></nav>
<ul class="tabs"><li><input type="radio" name="tabs" id="t1" checked><label for="t1">Details</label><div class="tab-content"><div class="col">` + control + `
<h4 class="price">0.0125 BTC</h4><h4 class="product-title">Blue Dream 7g</h4>
<div class="product-content"><p><strong>Vendor</strong>:</p><p><a href="/store/profile/view/4">Dr. Green Thumb <span>(88 / 98%)</span></a></p>
<a href="/store/report/item/">Report item</a></div></div></div></li>
<li><input type="radio" name="tabs" id="t2"><label for="t2">Shipping Info</label><div class="tab-content">` + shipping + `</div></li></ul>
<footer><a href="/info/shipping">Shipping</a> <a href="/info/faq">FAQ</a></footer></body></html>`
	}
	for _, c := range []struct {
		name, control, shipping string
		listing                 bool
		vendor, to              string
	}{
		{"buy link", `<a href="/shop/buy/9" class="btn">x1</a>`, `<div>Worldwide <p>0.001 BTC</p></div>`, true, "Dr. Green Thumb", "WW"},
		{"cart form", `<form action="/cart/add" method="post"><button>Add to cart</button></form>`, `<div>Germany</div>`, true, "Dr. Green Thumb", "DE"},
		{"quantity select", `<select name="qty"><option>1</option></select>`, `<div>Worldwide</div>`, true, "Dr. Green Thumb", "WW"},
		{"no purchase control", ``, ``, false, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := testExtractor(t)
			res, err := x.Extract(Page{URL: "http://shop.onion/", Body: []byte(page(c.control, c.shipping))}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			if !c.listing {
				if len(res.Listings) != 0 {
					t.Fatalf("kind %q with %d listings, want none", res.Kind, len(res.Listings))
				}
				return
			}
			if res.Kind != KindListing || len(res.Listings) != 1 {
				t.Fatalf("kind %q with %d listings, want one listing", res.Kind, len(res.Listings))
			}
			l := res.Listings[0]
			if l.Title != "Blue Dream 7g" || l.Price.Amount != 0.0125 || l.Price.Currency != "BTC" || l.Vendor != c.vendor {
				t.Errorf("title %q price %v vendor %q, want Blue Dream 7g, 0.0125 BTC, %q", l.Title, l.Price, l.Vendor, c.vendor)
			}
			if len(l.ShipsTo) != 1 || l.ShipsTo[0] != c.to {
				t.Errorf("ships_to %v (%q), want [%s]", l.ShipsTo, l.ShipsToRaw, c.to)
			}
		})
	}
}

// TestProfileHandle: a profile page's handle comes from its own URL (path or a
// non-numeric id parameter), else from a page <h1> that a profile link on the page
// names; a sidebar or feedback link to another profile does not make the page that
// profile.
func TestProfileHandle(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"http://m.onion/profile.php?id=60Agent", "60Agent"},
		{"http://m.onion/user.php?action=view&id=fred%20x", "fred x"},
		{"http://m.onion/profile.php?id=1234", ""},
		{"http://m.onion/vendor/SnowCap", "SnowCap"},
		{"http://m.onion/listing.php?id=abc", ""},
	} {
		if got := profileHandle(c.url); got != c.want {
			t.Errorf("profileHandle(%q) = %q, want %q", c.url, got, c.want)
		}
	}
	profile := func(h1 string) string {
		return `<html><head><title>Market - Profile</title></head><body><div class="profileHeader"><h1><span>` + h1 + `</span></h1></div>
<ul><li><a href="/profile.php?id=` + h1 + `" class="active">About</a></li><li><a href="/profile.php?id=` + h1 + `&action=pgp">PGP</a></li></ul>
<p>Buyer statistics: 4 orders</p><div class="feedback"><a href="/profile.php?id=OtherVendor">OtherVendor</a> fast shipping</div></body></html>`
	}
	for _, c := range []struct {
		name, url, body, kind, handle string
	}{
		{"heading names a linked profile", "http://m.onion/", profile("60Agent"), KindVendor, "60Agent"},
		{"own URL", "http://m.onion/profile.php?id=60Agent", profile("60Agent"), KindVendor, "60Agent"},
		{"heading names no linked profile", "http://m.onion/", `<html><body><h1>Orders</h1><a href="/profile.php?id=OtherVendor">OtherVendor</a></body></html>`, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := testExtractor(t)
			res, err := x.Extract(Page{URL: c.url, Body: []byte(c.body)}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			if c.kind == "" {
				if res.Kind == KindVendor {
					t.Fatalf("kind %q, want no vendor page", res.Kind)
				}
				return
			}
			if res.Kind != c.kind || len(res.Vendors) == 0 || res.Vendors[0].Handle != c.handle {
				t.Fatalf("kind %q vendors %+v, want %q with handle %q", res.Kind, res.Vendors, c.kind, c.handle)
			}
		})
	}
}
