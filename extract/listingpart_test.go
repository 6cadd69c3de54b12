package extract

import "testing"

func TestListingPartBase(t *testing.T) {
	for _, c := range []struct{ in, base string }{
		{"http://m.onion/listing/123/feedback", "http://m.onion/listing/123"},
		{"http://m.onion/listing/123/shipping/", "http://m.onion/listing/123"},
		{"http://m.onion/product.php?id=5&tab=shipping", "http://m.onion/product.php?id=5"},
		{"http://m.onion/listing.php?id=7&tab=2", "http://m.onion/listing.php?id=7"},
		{"http://m.onion/listing/123", ""},
		{"http://m.onion/vendor/bob/feedback", ""},            // a vendor's tab, not a listing's
		{"http://m.onion/items.php?category=2&view=grid", ""}, // not a listing URL
		{"http://m.onion/feedback", ""},
	} {
		got, ok := ListingPartBase(c.in)
		if got != c.base || ok != (c.base != "") {
			t.Errorf("ListingPartBase(%q) = %q, %v; want %q", c.in, got, ok, c.base)
		}
	}
}

// TestListingPartPage: a listing's feedback tab is a part of the listing, never a listing
// or a vendor page of its own; the listing page links to its tabs as parts.
func TestListingPartPage(t *testing.T) {
	x := testExtractor(t)
	tab := `<html><head><title>Reviews</title></head><body><h1>Feedback for 5g Cocaine</h1>
<table><tr><th>Rating</th><th>Comment</th></tr><tr><td>5/5</td><td>great</td></tr></table></body></html>`
	res, err := x.Extract(Page{URL: "http://m.onion/listing/123/feedback", Market: "m", Body: []byte(tab)}, "generic")
	if err != nil {
		t.Fatal(err)
	}
	// A tab that extends the listing's path is a part (parts.go, which takes precedence over
	// markListingPart for such URLs); query tabs (&tab=2) are KindListingPart.
	if res.Kind != KindPart || res.ListingKey != "m/123" || len(res.Listings) != 0 {
		t.Errorf("kind %q key %q %d listings, want %q m/123 0", res.Kind, res.ListingKey, len(res.Listings), KindPart)
	}
	page := `<html><body><h1>5g Cocaine</h1><p>Price: $50</p><p>Vendor: <a href="/vendor/bob">bob</a></p>
<ul class="tabs"><li><a href="/listing/123/shipping">Shipping</a></li><li><a href="/listing/123/feedback">Feedback</a></li></ul></body></html>`
	res, err = x.Extract(Page{URL: "http://m.onion/listing/123", Market: "m", Body: []byte(page)}, "generic")
	if err != nil {
		t.Fatal(err)
	}
	parts := 0
	for _, l := range res.Links {
		if l.Kind == LinkPart || l.Kind == LinkListingPart {
			parts++
		}
	}
	if res.Kind != KindListing || parts != 2 {
		t.Errorf("kind %q, %d part links (%v), want listing and 2", res.Kind, parts, res.Links)
	}
}
