package induce_test

import (
	"fmt"
	"testing"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

// FuzzInduce: hostile pages never make the inducer panic, and whatever it induces loads
// back as a profile.
func FuzzInduce(f *testing.F) {
	f.Add([]byte(`<html><body><div class="p"><h1>Title A</h1><span class="price">$5</span><a href="/vendor/x">x</a><p>Ships from: Germany</p><table><tr><td>1 g</td><td>$5</td></tr><tr><td>2 g</td><td>$9</td></tr></table></div></body></html>`))
	f.Add([]byte(`<div class="card"><a href="/listing/1">One</a><div class="price">USD 4</div></div><div class="card"><a href="/listing/2">Two</a><div class="price">USD 5</div></div><div class="card"><a href="/listing/3">Three</a><div class="price">USD 6</div></div>`))
	f.Add([]byte(`<ul><li><ul><li><ul><li><a href="?id=1&id=2">` + "\xff\xfe" + `</a></li></ul></li></ul></li></ul><h1>€ 1.000,00</h1>`))
	x, err := extract.New(extract.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 64<<10 {
			return
		}
		var samples []induce.Sample
		for i := range 4 {
			u := fmt.Sprintf("http://fuzzmarket.onion/listing/%d", i)
			res, err := x.Extract(extract.Page{URL: u, Market: "fuzz", Body: body}, "generic")
			if err != nil {
				return
			}
			samples = append(samples, induce.Sample{URL: u, Body: body, Result: res})
		}
		in, err := induce.Induce(samples, induce.Options{Name: "fuzz", MinPages: 2})
		if err != nil {
			return
		}
		if _, err := induce.Decode((&induce.Stored{Market: "fuzz", YAML: in.YAML}).Encode()); err != nil {
			t.Fatalf("induced profile does not load back: %v\n%s", err, in.YAML)
		}
	})
}

// FuzzDecode: a stored profile file (read from the data dir) never makes Decode panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("# darkwatch induced profile\n# market: m\n# sha256: 00\nname: m\n"))
	f.Add([]byte("# darkwatch induced profile\n# generic: listing a,b\n# induced: 2026-01-01T00:00:00Z from x pages\n"))
	f.Add([]byte("name: x\nversion: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := induce.Decode(data)
		if err == nil && s.Profile.Name == "" {
			t.Fatal("decoded a profile without a name")
		}
	})
}
