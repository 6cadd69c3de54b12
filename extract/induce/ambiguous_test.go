package induce_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

// vendorPage is a listing page whose vendor sits in a vendor box after the main column,
// followed by cards of other listings, each "Sold by" its vendor: with more, first the
// vendor's own other listings, then related items of another vendor.
func vendorPage(i int, more bool) string {
	v, other := fmt.Sprintf("seller%d", i%4), fmt.Sprintf("other%d", i%5)
	card := func(k int, who string) string {
		return fmt.Sprintf(`<div class="card"><a href="/item/%d">Card item %d</a> <b>Sold by <a href="/vendor/%s">%s</a></b> <span>$%d.00</span></div>`, 500+k, k, who, who, 20+k)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<html><body><nav><a href="/">Home</a> <a href="/c/1">Category</a></nav><div class="main"><h1>Item number %d</h1><div class="price">$%d.00</div><p>Item %d description text.</p></div>`, i, 10+i, i)
	fmt.Fprintf(&b, `<div class="vendor-box"><a href="/vendor/%s">%s</a></div>`, v, v)
	if more {
		b.WriteString(`<div class="more"><h3>More from this vendor</h3>` + card(1, v) + card(2, v) + `</div>`)
	}
	b.WriteString(`<div class="related"><h3>Related items</h3>` + card(3, other) + card(4, other) + `</div></body></html>`)
	return b.String()
}

// TestInducedSelectorUnambiguous: of two selectors that reproduce every sample's vendor,
// the one whose matches on a page hold one value wins over the shorter one that takes the
// first of several ("b a": right only while the vendor's own cards come first).
func TestInducedSelectorUnambiguous(t *testing.T) {
	x := newExtractor(t)
	const market = "vendorbox"
	ln := induce.NewLearner(x, induce.LearnerOptions{After: 12})
	page := func(i int, more bool) extract.Page {
		return extract.Page{URL: fmt.Sprintf("http://vendorbox.onion/item/%d", i), Market: market, Body: []byte(vendorPage(i, more))}
	}
	for i := range 12 {
		res, err := ln.Extract(page(i, true), "generic")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Listings) != 1 || res.Listings[0].Vendor != fmt.Sprintf("seller%d", i%4) {
			t.Fatalf("sample %d: generic extractor read %+v, want vendor seller%d", i, res.Listings, i%4)
		}
	}
	if st := ln.Status(market); !st.Active || len(st.Generic) != 0 {
		t.Fatalf("induced profile in use %v, fields left to the generic extractor %v (last error %v); want in use, none", st.Active, st.Generic, st.LastError)
	}
	// a listing whose vendor has no other listing: the first "Sold by" is another vendor's
	res, err := ln.Extract(page(100, false), "generic")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Listings) != 1 || res.Listings[0].Vendor != "seller0" {
		t.Errorf("read with the induced profile: %+v, want vendor seller0", res.Listings)
	}
}
