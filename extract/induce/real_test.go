package induce_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

// realMarket reads every saved page of one market folder with the generic extractor. URLs
// come from expected.json where it names them, else from the file's path.
func realMarket(t *testing.T, x *extract.Extractor, dir, market string) []induce.Sample {
	t.Helper()
	urls := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(dir, "expected.json")); err == nil {
		var e struct {
			Pages []struct{ File, URL string }
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		for _, p := range e.Pages {
			urls[p.File] = p.URL
		}
	}
	var out []induce.Sample
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if ext := filepath.Ext(path); ext == ".json" || ext == ".tsv" || ext == ".md" || ext == ".txt" || strings.Contains(filepath.ToSlash(rel), "expected_values/") {
			return nil
		}
		u := urls[filepath.ToSlash(rel)]
		if u == "" {
			u = "http://" + market + "market.onion/" + filepath.ToSlash(rel)
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if body, err = extract.DecodeBody(body, ""); err != nil {
			return err
		}
		res, err := x.Extract(extract.Page{URL: u, Market: market, Body: body}, "generic")
		if err != nil {
			return err
		}
		out = append(out, induce.Sample{URL: u, Body: body, Result: res})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// TestRealMarkets induces a profile from all saved pages of each real multi-page market
// and prints its agreement with the generic extractor per page type and field. On a page
// type it keeps, a field never gives a value that disagrees with the generic one on more
// than 5% of the records (the induction keeps a selector only at >= 95% agreement).
func TestRealMarkets(t *testing.T) {
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	msc := testenv.SharedData(t, "msc-darkweb-scraping")
	more := testenv.SharedData(t, "more-markets")
	dirs := map[string]string{
		"dream": filepath.Join(msc, "dream"), "empire": filepath.Join(msc, "empire"),
		"cryptonia": filepath.Join(msc, "cryptonia"), "apollon": filepath.Join(msc, "apollon"),
		"bohemia": filepath.Join(more, "bohemia"), "wethenorth": filepath.Join(more, "wethenorth"),
	}
	var names []string
	for m := range dirs {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		samples := realMarket(t, x, dirs[m], m)
		in, err := induce.Induce(samples, induce.Options{Name: m, MinPages: 2})
		if err != nil {
			t.Logf("%s: %d pages: %v", m, len(samples), err)
			continue
		}
		t.Logf("%s: %d pages; induced profile:\n%s\nagreement with the generic extractor:\n%s", m, len(samples), in.YAML, in.Report.String())
		for _, f := range in.Report.Fields {
			if f.Generic > 0 && f.Field != "offers" && float64(f.Wrong) > 0.05*float64(f.Generic) && !strings.Contains(strings.Join(in.Report.Generic[f.PageType], ","), f.Field) {
				t.Errorf("%s %s %s: %d of %d values wrong but the field is not left to the generic extractor", m, f.PageType, f.Field, f.Wrong, f.Generic)
			}
		}
	}
}
