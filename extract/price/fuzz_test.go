package price_test

import (
	"math"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/price"
)

var fuzzSeeds = []string{
	"$1,200.00", "USD 45 (0.0012 BTC)", "1 200 ₽", "1.234,56 €", "12.5 mBTC", "AU$50",
	"BTC/USD 9304.76", "1 BTC = 9000 USD", "$.50", "$1.5k", "1'200 USD", "0,5 XMR",
	"1\u00a0200,50 ₽", "€", "$", "1,2,3,4,5,6,7,8,9,0,1,2,3 USD", strings.Repeat("9", 400) + " USD",
	"\xff\xfe$1", "р.р.р.1", "USD USD USD 1 1 1",
}

func FuzzPriceParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	known := map[string]bool{"USD": true, "EUR": true, "GBP": true, "AUD": true, "CAD": true, "RUB": true, "BTC": true, "XMR": true, "LTC": true}
	f.Fuzz(func(t *testing.T, s string) {
		first, ok := price.Parse(s)
		all := price.ParseAll(s)
		if ok != (len(all) > 0) {
			t.Fatalf("Parse ok=%v but ParseAll has %d", ok, len(all))
		}
		if ok && first != all[0] {
			t.Fatalf("Parse = %v, ParseAll[0] = %v", first, all[0])
		}
		for _, m := range all {
			if !known[m.Currency] {
				t.Fatalf("unknown currency %q", m.Currency)
			}
			if m.Amount < 0 || math.IsNaN(m.Amount) {
				t.Fatalf("bad amount %v", m.Amount)
			}
			if _, _, ok := price.ToUSD(m); !ok && !math.IsInf(m.Amount, 0) {
				t.Fatalf("ToUSD(%v) not ok", m)
			}
		}
	})
}
