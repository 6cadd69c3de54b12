package quantity_test

import (
	"math"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/quantity"
)

func FuzzQuantityParse(f *testing.F) {
	for _, s := range []string{
		"10 x 80mg", "1 oz", "100 pills", "0,5 г", "1 кг", "2 шт", "25 tabs", "10 blotters",
		"100 pills x 350mg", "350mg x 100", "1/2 oz", "½ oz", "1 ½ oz", ".5g", "10gCocaine", "1,000,000 g",
		"1/0 oz", "0/0 g", "9999999999999999999999 kg", strings.Repeat("1x", 200) + "g", "\xff1g", "гр.гр.1гр.",
	} {
		f.Add(s)
	}
	units := map[string]bool{"g": true, "mg": true, "ug": true, "kg": true, "oz": true, "lb": true, "ml": true, "pill": true, "tab": true, "blotter": true, "unit": true}
	f.Fuzz(func(t *testing.T, s string) {
		first, ok := quantity.Parse(s)
		all := quantity.ParseAll(s)
		if ok != (len(all) > 0) {
			t.Fatalf("Parse ok=%v but ParseAll has %d", ok, len(all))
		}
		if ok && first != all[0] {
			t.Fatalf("Parse = %+v, ParseAll[0] = %+v", first, all[0])
		}
		for _, q := range all {
			if !units[q.Unit] {
				t.Fatalf("unknown unit %q", q.Unit)
			}
			for _, v := range []float64{q.Count, q.Amount, q.Grams, q.Units} {
				if v < 0 || math.IsNaN(v) {
					t.Fatalf("bad value in %+v", q)
				}
			}
			if p := quantity.UnitPrice(10, q); p < 0 || math.IsNaN(p) {
				t.Fatalf("UnitPrice(10, %+v) = %v", q, p)
			}
		}
	})
}
