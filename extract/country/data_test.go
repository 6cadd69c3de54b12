package country_test

import (
	"encoding/csv"
	"encoding/json"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/country"
	"github.com/google/go-cmp/cmp"
)

func sharedData(t testing.TB) string {
	t.Helper()
	return testenv.SharedData(t, "")
}

// TestDreamShipsFromTo parses the "NL  → WW, EU" cells of 1,504 Dream
// listings and compares with the dataset's split ships_from / ships_to
// columns (continents other than Europe are not modelled and are dropped
// from the expectation).
func TestDreamShipsFromTo(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedData(t), "dream-cocaine-2017", "dream_market_cocaine_listings.csv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var n, ok int
	for _, rec := range recs[1:] {
		var want []string
		seen := map[string]bool{}
		for _, part := range append([]string{rec[col["ships_from"]]}, strings.Split(rec[col["ships_to"]], ",")...) {
			p := strings.TrimSpace(part)
			if len(p) == 2 && !seen[p] {
				seen[p] = true
				want = append(want, p)
			}
		}
		n++
		got := country.Parse(rec[col["ships_from_to"]])
		if cmp.Equal(got, want) {
			ok++
		} else if testing.Verbose() {
			t.Logf("%q: got %v, want %v", rec[col["ships_from_to"]], got, want)
		}
	}
	t.Logf("dream-cocaine-2017 ships_from_to: %d/%d exact", ok, n)
	if ok != n {
		t.Errorf("exact %d/%d, want all", ok, n)
	}
}

// TestMSCExpectedCountries checks that every origin/destination value
// asserted by the upstream msc-darkweb-scraping tests maps to exactly one
// code, except continents and non-country values.
func TestMSCExpectedCountries(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedData(t), "msc-darkweb-scraping", "expected_values.jsonl"))
	if err != nil {
		t.Skip(err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		var rec struct {
			Function string `json:"function"`
			Expected any    `json:"expected"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if !strings.Contains(rec.Function, "origin") && !strings.Contains(rec.Function, "destination") {
			continue
		}
		switch v := rec.Expected.(type) {
		case string:
			names[v] = true
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					names[s] = true
				}
			}
		}
	}
	skip := map[string]bool{"Asia": true, "Africa": true, "North America": true, "South America": true, "Oceania": true, "Escrow": true, "FE": true, "Direct": true}
	checked := 0
	for name := range names {
		if skip[name] {
			continue
		}
		checked++
		if got := country.Parse(name); len(got) != 1 {
			t.Errorf("Parse(%q) = %v, want one code", name, got)
		}
	}
	t.Logf("%d distinct expected origin/destination values checked", checked)
	if checked == 0 {
		t.Error("no values found")
	}
}
