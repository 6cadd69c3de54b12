package entity_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/entity"
)

// baselineRe is one alternation of the candidate patterns with no
// validation, no context rules and no PGP parsing.
var baselineRe = regexp.MustCompile(`\b(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,87}|[48][1-9A-HJ-NP-Za-km-z]{94}|0x[0-9a-fA-F]{40}|05[0-9a-f]{64})\b|t\.me/\w+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?i:telegram|wickr|threema|jabber)\s*:\s*@?\w+`)

func benchText(tb testing.TB) string {
	var sb strings.Builder
	for range 20 {
		sb.WriteString(`Vendor profile. We ship worldwide. Contact: Telegram: @DrugKing_99, wickr: kingpin99,
jabber: king@exploit.im, email King@Proton.me. Session ` + session + ` Pay BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
or XMR 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A.
Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.
`)
	}
	return sb.String()
}

var (
	sinkE   []entity.Entity
	sinkStr []string
)

// BenchmarkFind compares Find (validation, context rules) with the bare
// regexp alternation on the same text, without PGP blocks.
func BenchmarkFind(b *testing.B) {
	text := benchText(b)
	var baseNs float64
	b.Run("baseline_regexp", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			sinkStr = baselineRe.FindAllString(text, -1)
		}
		baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("find", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			sinkE = entity.Find(text)
		}
		if baseNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x_baseline")
		}
	})
}

// BenchmarkPGPFingerprints measures one RSA-2048 key block against the
// library alone on canonical armor (the repair step's overhead).
func BenchmarkPGPFingerprints(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "rsa2048_v4.asc"))
	if err != nil {
		b.Fatal(err)
	}
	block := string(raw)
	var baseNs float64
	b.Run("baseline_readarmoredkeyring", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := readKeyRing(block); err != nil {
				b.Fatal(err)
			}
		}
		baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("pgpfingerprints", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkStr, _ = entity.PGPFingerprints(block)
		}
		if baseNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x_baseline")
		}
	})
}
