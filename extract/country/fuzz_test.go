package country_test

import (
	"testing"

	"github.com/darkwatch/darkwatch/extract/country"
)

func FuzzCountryParse(f *testing.F) {
	for _, s := range []string{"Ships from: United States", "NL  → WW, EU", "из России в Украину", "U.S.A.", "IT → WW", "Côte d'Ivoire", "a.b.c.d.e.", "...."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seen := map[string]bool{}
		for _, c := range country.Parse(s) {
			if seen[c] {
				t.Fatalf("duplicate %q", c)
			}
			seen[c] = true
			if country.Name(c) == "" {
				t.Fatalf("code %q has no name", c)
			}
		}
	})
}
