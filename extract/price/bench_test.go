package price_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/price"
)

// benchText is a listing-like text with prices in several formats.
var benchText = strings.Repeat(`☢100 PILLS X Soma 350mg $49☢ Price: USD 45 (0.0012 BTC) shipping 240.00 USD/ORDER
1g €60,50 / 3.5g 1.234,56 € / 1 200 ₽ Bitcoin (BTC) $0.00 BTC/USD 9304.76 escrow available, ships worldwide `, 20)

// baselineRe is the naive alternative: one regexp for "symbol number" and "number code".
var baselineRe = regexp.MustCompile(`(?i)(?:[$€£₽]\s?\d[\d.,]*|\d[\d.,]*\s?(?:usd|eur|gbp|btc|xmr|ltc|rub))`)

var sinkMoney []price.Money
var sinkStr []string

// BenchmarkParseAll reports time per text and its ratio to the regexp
// baseline (which only finds spans, without parsing numbers or binding
// currencies) measured in the same run.
func BenchmarkParseAll(b *testing.B) {
	var baseNs float64
	b.Run("baseline_regexp", func(b *testing.B) {
		b.SetBytes(int64(len(benchText)))
		b.ReportAllocs()
		for b.Loop() {
			sinkStr = baselineRe.FindAllString(benchText, -1)
		}
		baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("price", func(b *testing.B) {
		b.SetBytes(int64(len(benchText)))
		b.ReportAllocs()
		for b.Loop() {
			sinkMoney = price.ParseAll(benchText)
		}
		if baseNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x_baseline")
		}
	})
}
