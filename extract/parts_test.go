package extract_test

import (
	"slices"
	"testing"

	"github.com/darkwatch/darkwatch/extract"
)

func TestPartOf(t *testing.T) {
	for _, tc := range []struct {
		url, parent, kind string
	}{
		{"http://m.onion/item/200013/shipping", "http://m.onion/item/200013", extract.PartShipping},
		{"http://m.onion/item/200013/shipping/", "http://m.onion/item/200013", extract.PartShipping},
		{"http://m.onion/offer/41003/reviews", "http://m.onion/offer/41003", extract.PartFeedback},
		{"http://m.onion/listing/9f3c/Feedback", "http://m.onion/listing/9f3c", extract.PartFeedback},
		{"http://m.onion/product/77/refund", "http://m.onion/product/77", extract.PartTerms},
		{"http://m.onion/produkt/77/versand", "", ""}, // parent is not a listing URL
		{"http://m.onion/listing/77/versand", "http://m.onion/listing/77", extract.PartShipping},
		{"http://m.onion/product/77/доставка", "http://m.onion/product/77", extract.PartShipping},
		{"http://m.onion/listing.php?id=5&tab=shipping", "http://m.onion/listing.php?id=5", extract.PartShipping},
		{"http://m.onion/listing.php?id=5&tab=2", "http://m.onion/listing.php?id=5", extract.PartOther},
		{"http://m.onion/product.php?id=5&show=reviews", "http://m.onion/product.php?id=5", extract.PartFeedback},
		{"http://m.onion/items.php?category=2&view=grid", "", ""}, // a list's display option
		{"http://m.onion/items.php?category=2&view=2", "", ""},    // a number only in tab-like params
		{"http://m.onion/listing.php?tab=2", "", ""},              // nothing names the listing
		{"http://m.onion/item/200013", "", ""},
		{"http://m.onion/vendor/bob/feedback", "", ""}, // a vendor's tab, not a listing's
		{"http://m.onion/shipping", "", ""},
		{"http://m.onion/item/shipping", "", ""}, // no listing key before the tab
		{"http://m.onion/faq/shipping", "", ""},
		{"::bad", "", ""},
	} {
		parent, kind, ok := extract.PartOf(tc.url)
		if parent != tc.parent || kind != tc.kind || ok != (tc.parent != "") {
			t.Errorf("PartOf(%q) = %q, %q, %v; want %q, %q", tc.url, parent, kind, ok, tc.parent, tc.kind)
		}
	}
}

func TestNeededLinks(t *testing.T) {
	page := "http://m.onion/item/5"
	links := []extract.Link{
		{URL: "http://m.onion/item/5/shipping", Kind: extract.LinkPart},
		{URL: "http://m.onion/item/5/feedback", Kind: extract.LinkPart},
		{URL: "http://m.onion/item/6/shipping", Kind: extract.LinkPart},
		{URL: "http://m.onion/vendor/bob", Kind: extract.LinkVendor},
	}
	urls := func(ls []extract.Link) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.URL)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		res  extract.Result
		want []string
	}{
		{"listing lacks places: its shipping tab", extract.Result{Kind: extract.KindListing, Links: links,
			Listings: []extract.Listing{{URL: page}}}, []string{"http://m.onion/item/5/shipping", "http://m.onion/vendor/bob"}},
		{"listing lacks ships_to", extract.Result{Kind: extract.KindListing, Links: links,
			Listings: []extract.Listing{{URL: page, ShipsFrom: []string{"DE"}}}}, []string{"http://m.onion/item/5/shipping", "http://m.onion/vendor/bob"}},
		{"listing has places: no part", extract.Result{Kind: extract.KindListing, Links: links,
			Listings: []extract.Listing{{URL: page, ShipsFrom: []string{"DE"}, ShipsTo: []string{"WW"}}}}, []string{"http://m.onion/vendor/bob"}},
		{"part page: no part", extract.Result{Kind: extract.KindPart, Links: links}, []string{"http://m.onion/vendor/bob"}},
		{"category page: no part", extract.Result{Kind: extract.KindCategory, Links: links,
			Listings: []extract.Listing{{URL: page}}}, []string{"http://m.onion/vendor/bob"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := urls(extract.NeededLinks(tc.res, page)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMergePart(t *testing.T) {
	l := extract.Listing{ID: "m/5", Title: "x", ShipsFrom: []string{"NL"}, ShipsFromRaw: "Netherlands"}
	p := extract.Listing{ID: "m/5", ShipsFrom: []string{"DE"}, ShipsFromRaw: "Germany", ShipsTo: []string{"WW"}, ShipsToRaw: "Worldwide"}
	got := extract.MergePart(l, p)
	if got.ShipsFromRaw != "Netherlands" || !slices.Equal(got.ShipsTo, []string{"WW"}) || got.Title != "x" {
		t.Errorf("MergePart = from %v %q to %v, title %q; want the listing's origin kept, the part's destination added", got.ShipsFrom, got.ShipsFromRaw, got.ShipsTo, got.Title)
	}
}

// TestPartPage: a tab page yields a part, never a listing of its own; its record is keyed
// like the parent listing and carries only the places.
func TestPartPage(t *testing.T) {
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := `<html><body><h1>Blue M30 pressed</h1><div><span class="label">Price</span> <span>90.00 USD</span></div>
<div><span class="label">Vendor</span> <span><a href="/vendor/bob">bob</a></span></div>
<ul><li><a href="/item/5">Description</a></li><li><a href="/item/5/shipping">Shipping</a></li><li><a href="/item/5/feedback">Feedback</a></li></ul>
<p>Ships from: Germany</p><p>Ships to: Worldwide</p></body></html>`
	res, err := x.Extract(extract.Page{URL: "http://m.onion/item/5/shipping", Market: "m", Body: []byte(body), Status: 200}, "generic")
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != extract.KindPart {
		t.Fatalf("kind %q, want %q", res.Kind, extract.KindPart)
	}
	if len(res.Listings) != 1 {
		t.Fatalf("%d records, want 1: %+v", len(res.Listings), res.Listings)
	}
	l := res.Listings[0]
	if l.ID != "m/5" || l.URL != "http://m.onion/item/5" || l.Title != "" || l.Price.Currency != "" ||
		!slices.Equal(l.ShipsFrom, []string{"DE"}) || !slices.Equal(l.ShipsTo, []string{"WW"}) {
		t.Errorf("part record %+v, want id m/5, the parent URL, places only", l)
	}
	kinds := map[string]string{}
	for _, ln := range res.Links {
		kinds[ln.URL] = ln.Kind
	}
	if kinds["http://m.onion/item/5/feedback"] != extract.LinkPart || kinds["http://m.onion/item/5"] != extract.LinkListing {
		t.Errorf("links %v: want the tabs as part links, the description tab as a listing link", kinds)
	}
}

// TestPartPageShapes: a listing's feedback tab (it reads like a vendor page) and a numbered
// query tab are parts of the listing, never a listing or a vendor of their own; the
// listing page links to its tabs, path or query, as parts.
func TestPartPageShapes(t *testing.T) {
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, url, body, key string }{
		{"feedback tab", "http://m.onion/listing/123/feedback", `<html><head><title>Reviews</title></head><body><h1>Feedback for 5g Cocaine</h1>
<table><tr><th>Rating</th><th>Comment</th></tr><tr><td>5/5</td><td>great</td></tr></table></body></html>`, "m/123"},
		{"numbered query tab", "http://m.onion/listing.php?ls_id=7&tab=2", `<html><body><h1>5g Cocaine</h1><p>Price: $50</p><p>Vendor: <a href="/vendor/bob">bob</a></p><p>Refunds within 7 days.</p></body></html>`, "m/7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := x.Extract(extract.Page{URL: c.url, Market: "m", Body: []byte(c.body)}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != extract.KindPart || res.ListingKey != c.key || len(res.Vendors) != 0 {
				t.Errorf("kind %q key %q %d vendors, want %q %s 0", res.Kind, res.ListingKey, len(res.Vendors), extract.KindPart, c.key)
			}
			for _, l := range res.Listings {
				if l.Title != "" || l.Price.Currency != "" {
					t.Errorf("part record %+v, want places only", l)
				}
			}
		})
	}
	page := `<html><body><h1>5g Cocaine</h1><p>Price: $50</p><p>Vendor: <a href="/vendor/bob">bob</a></p>
<ul class="tabs"><li><a href="/listing.php?ls_id=7&amp;tab=2">Shipping</a></li><li><a href="/listing.php?ls_id=7&amp;tab=feedback">Feedback</a></li><li><a href="/listing/7/refund">Refund</a></li></ul></body></html>`
	res, err := x.Extract(extract.Page{URL: "http://m.onion/listing.php?ls_id=7", Market: "m", Body: []byte(page)}, "generic")
	if err != nil {
		t.Fatal(err)
	}
	parts := 0
	for _, l := range res.Links {
		if l.Kind == extract.LinkPart {
			parts++
		}
	}
	if res.Kind != extract.KindListing || parts != 3 {
		t.Errorf("kind %q, %d part links (%v), want listing and 3", res.Kind, parts, res.Links)
	}
}

func FuzzPartOf(f *testing.F) {
	for _, s := range []string{"http://m.onion/item/1/shipping", "/listing.php?id=5&tab=reviews", "http://m.onion/product/%zz/refund", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parent, kind, ok := extract.PartOf(s)
		if ok != (kind != "") || (ok && parent == "") {
			t.Fatalf("PartOf(%q) = %q, %q, %v", s, parent, kind, ok)
		}
		if ok {
			if _, _, again := extract.PartOf(parent); again && parent == s {
				t.Fatalf("PartOf(%q): parent is the page itself", s)
			}
		}
	})
}
