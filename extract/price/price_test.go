package price_test

import (
	"math"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/price"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var approx = cmpopts.EquateApprox(0, 1e-9)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want price.Money
		ok   bool
	}{
		// brief formats
		{"$1,200.00", price.Money{1200, "USD"}, true},
		{"USD 45", price.Money{45, "USD"}, true},
		{"45 USD", price.Money{45, "USD"}, true},
		{"0.0123 BTC", price.Money{0.0123, "BTC"}, true},
		{"12.5 mBTC", price.Money{0.0125, "BTC"}, true},
		{"1 200 ₽", price.Money{1200, "RUB"}, true},
		{"1 200 руб.", price.Money{1200, "RUB"}, true},
		{"€30,50", price.Money{30.5, "EUR"}, true},
		{"£20", price.Money{20, "GBP"}, true},
		// a code beside a bare "$" names the dollar
		{"CAD $351.75", price.Money{351.75, "CAD"}, true},
		{"Buy: $472.5 CAD - BTC 0.00497", price.Money{472.5, "CAD"}, true},
		{"AUD $20", price.Money{20, "AUD"}, true},
		{"USD $20", price.Money{20, "USD"}, true},
		{"AU$50", price.Money{50, "AUD"}, true},
		{"C$40", price.Money{40, "CAD"}, true},
		{"0,5 XMR", price.Money{0.5, "XMR"}, true},
		{"USD 45 (0.0012 BTC)", price.Money{45, "USD"}, true},
		// separators
		{"1.234,56 €", price.Money{1234.56, "EUR"}, true},
		{"€1.234,56", price.Money{1234.56, "EUR"}, true},
		{"$1,234.56", price.Money{1234.56, "USD"}, true},
		{"$1,234,567", price.Money{1234567, "USD"}, true},
		{"1.234.567 €", price.Money{1234567, "EUR"}, true},
		{"$1,200", price.Money{1200, "USD"}, true},
		{"1.200 €", price.Money{1200, "EUR"}, true},  // fiat: lone '.' + 3 digits groups
		{"$1.500", price.Money{1500, "USD"}, true},   // ... thousands
		{"0.500 USD", price.Money{0.5, "USD"}, true}, // zero integer part: decimal
		{"1.500 BTC", price.Money{1.5, "BTC"}, true}, // crypto: decimal
		{"1.2345 BTC", price.Money{1.2345, "BTC"}, true},
		{"$12.99", price.Money{12.99, "USD"}, true},
		{"45,- €", price.Money{45, "EUR"}, true},
		{"EUR 1.234,-", price.Money{1234, "EUR"}, true},
		{"120.-€", price.Money{120, "EUR"}, true},
		{"0,500 BTC", price.Money{0.5, "BTC"}, true}, // comma is decimal for crypto
		{"1,500 BTC", price.Money{1.5, "BTC"}, true}, // ... always
		{"12,5 €", price.Money{12.5, "EUR"}, true},   // two digits: decimal
		{"$0,99", price.Money{0.99, "USD"}, true},    // zero integer part: decimal
		{"1\u00a0200,50 ₽", price.Money{1200.5, "RUB"}, true},
		{"1\u202f200 руб", price.Money{1200, "RUB"}, true},
		{"CHF-style 1'200 USD", price.Money{1200, "USD"}, true},
		{"$.50", price.Money{0.5, "USD"}, true},
		{"$1.5k", price.Money{1500, "USD"}, true},
		// real pages
		{"240.00 USD/ORDER", price.Money{240, "USD"}, true},
		{"☢100 PILLS X Soma 350mg $49☢", price.Money{49, "USD"}, true},
		{"(0.02546640 BTC/ORDER)", price.Money{0.0254664, "BTC"}, true},
		{"Buy price\nUSD 7.50\n", price.Money{7.5, "USD"}, true},
		{"Price: USD 1106.71", price.Money{1106.71, "USD"}, true},
		{"0.000787 BTC", price.Money{0.000787, "BTC"}, true},
		{"Bitcoin (BTC) $0.00", price.Money{0, "USD"}, true},
		{"BTC/USD 9304.76 BTC/EUR 8411.00", price.Money{}, false},
		{"1 BTC = 9000 USD", price.Money{}, false},
		{"49$", price.Money{49, "USD"}, true},
		{"45USD", price.Money{45, "USD"}, true},
		{"US$ 30", price.Money{30, "USD"}, true},
		{"20 euros", price.Money{20, "EUR"}, true},
		{"30 dollars", price.Money{30, "USD"}, true},
		{"500 рублей", price.Money{500, "RUB"}, true},
		{"Цена: 2 500 р.", price.Money{2500, "RUB"}, true},
		{"500р", price.Money{500, "RUB"}, true},
		{"1500 р за грамм", price.Money{1500, "RUB"}, true},
		{"5 тыс. руб.", price.Money{5000, "RUB"}, true},
		{"от 3к ₽", price.Money{3000, "RUB"}, true},
		{"0.5 LTC", price.Money{0.5, "LTC"}, true},
		{"1.2 monero", price.Money{1.2, "XMR"}, true},
		{"GBP 15.99", price.Money{15.99, "GBP"}, true},
		{"CAD 99", price.Money{99, "CAD"}, true},
		{"₿0.01", price.Money{0.01, "BTC"}, true},
		{"฿0.000523", price.Money{0.000523, "BTC"}, true},
		// not prices
		{"", price.Money{}, false},
		{"10 x 80mg oxycodone", price.Money{}, false},
		{"$( document ).ready", price.Money{}, false},
		{"NZ$5", price.Money{}, false},
		{"USDT 5", price.Money{}, false},
		{"5 busd", price.Money{}, false},
		{"version 1.2.3", price.Money{}, false},
		{"mp3 USD", price.Money{}, false},
		{"1.2.3 USD", price.Money{}, false},
	}
	for _, tt := range tests {
		got, ok := price.Parse(tt.in)
		if ok != tt.ok || !cmp.Equal(got, tt.want, approx) {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseAll(t *testing.T) {
	tests := []struct {
		in   string
		want []price.Money
	}{
		{"USD 45 (0.0012 BTC)", []price.Money{{45, "USD"}, {0.0012, "BTC"}}},
		{"45 USD 50 USD", []price.Money{{45, "USD"}, {50, "USD"}}},
		{"USD 45 USD 50", []price.Money{{45, "USD"}, {50, "USD"}}},
		{"10 $20", []price.Money{{20, "USD"}}},
		{"$10-$20", []price.Money{{10, "USD"}, {20, "USD"}}},
		{"1g $60 / 3.5g $180 / 7g €320", []price.Money{{60, "USD"}, {180, "USD"}, {320, "EUR"}}},
		{"240.00 USD/ORDER (0.02546640 BTC/ORDER) PRIORITY SHIPPING (84817.64 USD)", []price.Money{{240, "USD"}, {0.0254664, "BTC"}, {84817.64, "USD"}}},
		{"1 BTC = 9000 USD, price $5", []price.Money{{5, "USD"}}},
		{"1 XMR ≈ $150; price 0.3 XMR", []price.Money{{0.3, "XMR"}}},
		{"45 USD = 0.0012 BTC", []price.Money{{45, "USD"}, {0.0012, "BTC"}}},
		{"CAD $10 $20", []price.Money{{10, "CAD"}, {20, "USD"}}},
		{"$5 CAD 10", []price.Money{{5, "USD"}, {10, "CAD"}}},
		{"no prices here", nil},
	}
	for _, tt := range tests {
		got := price.ParseAll(tt.in)
		if !cmp.Equal(got, tt.want, approx, cmpopts.EquateEmpty()) {
			t.Errorf("ParseAll(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestToUSD(t *testing.T) {
	saved := price.Rates
	t.Cleanup(func() { price.Rates = saved })
	price.Rates = map[string]price.Rate{
		"USD": {1, "2020-01-01"},
		"EUR": {1.1, "2020-01-01"},
		"BTC": {10000, "2020-01-01"},
	}
	tests := []struct {
		m    price.Money
		want float64
		ok   bool
	}{
		{price.Money{45, "USD"}, 45, true},
		{price.Money{10, "EUR"}, 11, true},
		{price.Money{0.0123, "BTC"}, 123, true},
		{price.Money{0.00012345, "BTC"}, 1.23, true}, // rounded to cents
		{price.Money{1, "XMR"}, 0, false},
		{price.Money{math.NaN(), "USD"}, 0, false},
	}
	for _, tt := range tests {
		got, rate, ok := price.ToUSD(tt.m)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ToUSD(%v) = %v, %v; want %v, %v", tt.m, got, ok, tt.want, tt.ok)
		}
		if ok && rate.Date != "2020-01-01" {
			t.Errorf("ToUSD(%v) rate date = %q", tt.m, rate.Date)
		}
	}
}

func TestBuiltinRatesCoverCurrencies(t *testing.T) {
	for _, c := range []string{"USD", "EUR", "GBP", "AUD", "CAD", "RUB", "BTC", "XMR", "LTC"} {
		r, ok := price.Rates[c]
		if !ok || !(r.USD > 0) || r.Date != price.RateDate {
			t.Errorf("Rates[%s] = %v, %v; want positive rate dated %s", c, r, ok, price.RateDate)
		}
	}
	// sanity: crypto worth more than fiat, fiat in a sane band
	if price.Rates["BTC"].USD < 1000 || price.Rates["RUB"].USD > 0.1 || price.Rates["EUR"].USD < 0.5 {
		t.Errorf("rate table out of plausible range: %v", price.Rates)
	}
}

func TestLoadRates(t *testing.T) {
	got, err := price.LoadRates(strings.NewReader(`{"eur": {"usd": 1.08, "date": "2025-01-31"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (price.Rate{USD: 1.08, Date: "2025-01-31"}); got["EUR"] != want {
		t.Errorf("LoadRates EUR = %v, want %v", got["EUR"], want)
	}
	for _, bad := range []string{`{"EUR": {"usd": 0}}`, `{"EUR": {"usd": 1, "x": 1}}`, `[`} {
		if _, err := price.LoadRates(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadRates(%s): want error", bad)
		}
	}
}
