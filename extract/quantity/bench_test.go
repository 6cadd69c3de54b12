package quantity_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/quantity"
)

var benchText = strings.Repeat(`!!!!!INTRO OFFER!!!!! 1GR COCAINE 90% ☢100 PILLS X Soma 350mg $49☢ 10 x 80mg oxycodone
0,5 г мефедрон 1/2 oz kush 25 tabs 10 blotters 1P-LSD 100ug, 4-MMC 5g, ships worldwide `, 20)

var baselineRe = regexp.MustCompile(`(?i)\d+(?:[.,]\d+)?\s?(?:x\s?\d+(?:[.,]\d+)?\s?)?(?:mg|kg|g|gr|oz|lb|ml|pills?|tabs?|blotters?|pcs|ug|г|кг|шт)\b`)

var (
	sinkQ   []quantity.Quantity
	sinkStr []string
)

// BenchmarkParseAll compares ParseAll with a single-regexp span finder
// (no number parsing, no unit normalisation) in the same run.
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
	b.Run("quantity", func(b *testing.B) {
		b.SetBytes(int64(len(benchText)))
		b.ReportAllocs()
		for b.Loop() {
			sinkQ = quantity.ParseAll(benchText)
		}
		if baseNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x_baseline")
		}
	})
}
