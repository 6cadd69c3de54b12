package testbed_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestGolden pins sample pages of every family and the truth record each should extract
// to (testdata/golden/<case>.html + <case>.golden.json). Extraction profiles can use them.
// Run with -update after an intended change.
func TestGolden(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 1, Day: 1, Listings: 30})
	truth := w.Truth()
	type gcase struct {
		name   string
		market string
		url    string
		record any
		w      *testbed.World // nil: w
	}
	var cases []gcase
	firstListing := map[string]int{}
	for _, l := range truth.Listings {
		firstListing[l.Market]++
		if n := firstListing[l.Market]; n <= 2 {
			cases = append(cases, gcase{name: l.Market + "_listing" + string(rune('0'+n)), market: l.Market, url: l.URL, record: l})
		}
	}
	seenVendor := map[string]bool{}
	for _, v := range truth.Vendors {
		if !seenVendor[v.Market] {
			seenVendor[v.Market] = true
			cases = append(cases, gcase{name: v.Market + "_vendor", market: v.Market, url: v.URL, record: v})
		}
	}
	for _, m := range truth.Markets {
		cases = append(cases, gcase{name: m.Name + "_front", market: m.Name, url: m.URL})
	}
	// the vault family (the eighth): its first request of each page, as a crawl sees it
	wv := newWorld(t, testbed.Options{Seed: 1, Day: 1, Listings: 30, Markets: 8})
	tv := wv.Truth()
	vault := tv.Markets[7].Name
	for i, n := 0, 0; i < len(tv.Listings) && n < 2; i++ {
		if l := tv.Listings[i]; l.Market == vault {
			n++
			cases = append(cases, gcase{name: vault + "_listing" + string(rune('0'+n)), market: vault, url: l.URL, record: l, w: wv})
		}
	}
	for _, v := range tv.Vendors {
		if v.Market == vault {
			cases = append(cases, gcase{name: vault + "_vendor", market: vault, url: v.URL, record: v, w: wv})
			break
		}
	}
	cases = append(cases, gcase{name: vault + "_category", market: vault, url: tv.Markets[7].URL + "browse?cat=stimulants", w: wv},
		gcase{name: vault + "_front", market: vault, url: tv.Markets[7].URL, w: wv})
	dir := filepath.Join("testdata", "golden")
	if *update {
		os.MkdirAll(dir, 0o755)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, _ := url.Parse(c.url)
			cw := w
			if c.w != nil {
				cw = c.w
			}
			_, _, body, err := cw.Page(c.market, u.RequestURI())
			if err != nil {
				t.Fatal(err)
			}
			check(t, filepath.Join(dir, c.name+".html"), body)
			if c.record != nil {
				js, _ := json.MarshalIndent(c.record, "", "  ")
				check(t, filepath.Join(dir, c.name+".golden.json"), append(js, '\n'))
			}
		})
	}
}

func check(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after an intended change)", path)
	}
}
