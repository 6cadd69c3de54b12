package induce_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

// statusPage is a listing page with its availability in a labelled element (none: in
// stock, no availability shown) and a footer whose text also holds a stock word
// ("available").
func statusPage(i int, soldOut, shown bool) string {
	avail := ""
	if soldOut || shown {
		v := "In stock"
		if soldOut {
			v = "Sold out"
		}
		avail = `<div><span class="label">Availability</span> <span class="avail">` + v + `</span></div>`
	}
	return fmt.Sprintf(`<html><body><div class="item"><h2 class="name">Item number %d</h2>
<div><span class="label">Vendor</span> <span class="value"><a href="/vendor/v%d">v%d</a></span></div>
<div><span class="label">Price</span> <span class="value price">$%d.00</span></div>
%s</div>
<footer class="footer">Escrow and multisig available</footer></body></html>`, i, i%3, i%3, 10+i, avail)
}

// TestInducedStatus: a status selector is induced only when the samples show it telling a
// sold-out listing apart or reading stock statements ("In stock") on enough pages;
// otherwise the profile reads status with the generic extractor's own rule
// (extract.GenericStatusField), never with a selector that read only a sentence mentioning
// a stock word (the footer's "available"). Either way a sold-out page read with the profile
// is sold out.
func TestInducedStatus(t *testing.T) {
	x := newExtractor(t)
	for _, tc := range []struct {
		name     string
		soldOut  []int  // sample pages that are sold out
		shown    bool   // in-stock pages say so
		wantRule string // how the induced profile reads status
	}{
		{"all samples in stock, said on the page", nil, true, "selector:"},
		{"all samples in stock, nothing said", nil, false, "- label: [stock, availability"},
		{"samples with sold-out pages", []int{2, 7}, false, "selector:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var samples []induce.Sample
			for i := range 12 {
				u := fmt.Sprintf("http://statusmarket.onion/item/%d", i)
				body := []byte(statusPage(i, slices.Contains(tc.soldOut, i), tc.shown))
				res, err := x.Extract(extract.Page{URL: u, Market: "statusmarket", Body: body}, "generic")
				if err != nil {
					t.Fatal(err)
				}
				samples = append(samples, induce.Sample{URL: u, Body: body, Result: res})
			}
			in, err := induce.Induce(samples, induce.Options{Name: "statusmarket"})
			if err != nil {
				t.Fatal(err)
			}
			_, status, _ := strings.Cut(string(in.YAML), "status:")
			if !strings.HasPrefix(strings.TrimSpace(status), tc.wantRule) || slices.Contains(in.Report.Generic["listing"], "status") {
				t.Errorf("status: want the profile to read it with %q\n%s\n%s", tc.wantRule, in.YAML, in.Report.String())
			}
			if strings.Contains(status, "footer") {
				t.Errorf("status read from the footer:\n%s", in.YAML)
			}
			// a sold-out page read through a Learner that uses this profile
			ln := induce.NewLearner(x, induce.LearnerOptions{After: 12})
			for _, s := range samples {
				if _, err := ln.Extract(extract.Page{URL: s.URL, Market: "statusmarket", Body: s.Body}, "generic"); err != nil {
					t.Fatal(err)
				}
			}
			if st := ln.Status("statusmarket"); !st.Active {
				t.Fatalf("no induced profile in use (last error %v)", st.LastError)
			}
			res, err := ln.Extract(extract.Page{URL: "http://statusmarket.onion/item/99", Market: "statusmarket", Body: []byte(statusPage(99, true, true))}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Listings) != 1 || res.Listings[0].Status != extract.StatusSoldOut {
				t.Errorf("sold-out page read with the induced profile: %+v, want one sold-out listing", res.Listings)
			}
		})
	}
}
