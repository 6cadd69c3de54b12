package country_test

import (
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/country"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Ships from: United States", []string{"US"}},
		{"Worldwide", []string{"WW"}},
		{"World Wide", []string{"WW"}},
		{"WW", []string{"WW"}},
		{"Anywhere", []string{"WW"}},
		{"UK", []string{"GB"}},
		{"England", []string{"GB"}},
		{"United Kingdom", []string{"GB"}},
		{"Deutschland, Österreich", []string{"DE", "AT"}},
		{"🇪🇸 🇫🇷 🇵🇹", []string{"ES", "FR", "PT"}},
		{"🇳🇱 Netherlands", []string{"NL"}},
		{"France, Belgique", []string{"FR", "BE"}},
		{"España, Portugal", []string{"ES", "PT"}},
		{"Weltweit", []string{"WW"}},
		{"Todo el mundo", []string{"WW"}},
		{"Pays-Bas", []string{"NL"}},
		{"Estados Unidos", []string{"US"}},
		{"USA, Canada", []string{"US", "CA"}},
		{"Europe", []string{"EU"}},
		{"EU", []string{"EU"}},
		{"Россия", []string{"RU"}},
		{"Германия", []string{"DE"}},
		{"Украина", []string{"UA"}},
		{"США", []string{"US"}},
		{"Доставка из России в Украину и Беларусь", []string{"RU", "UA", "BY"}},
		{"по всему миру", []string{"WW"}},
		{"DE", []string{"DE"}},
		{"DEU, FRA, NLD", []string{"DE", "FR", "NL"}},
		{"Netherlands", []string{"NL"}},
		{"The Netherlands", []string{"NL"}},
		{"Holland", []string{"NL"}},
		{"NL", []string{"NL"}},
		{"NL  → EU", []string{"NL", "EU"}},
		{"SHIPS FROM GERMANY TO WORLDWIDE", []string{"DE", "WW"}},
		{"U.S.A.", []string{"US"}},
		{"u.k.", []string{"GB"}},
		{"usa", []string{"US"}},
		{"World Wide, Europe, Netherlands, United Kingdom, Germany", []string{"WW", "EU", "NL", "GB", "DE"}},
		{"World Wide, United States, Asia, Africa, Antarctica(c)", []string{"WW", "US", "AQ"}},
		{"Austria, Belgium, Finland, France, Germany", []string{"AT", "BE", "FI", "FR", "DE"}},
		{"Latvia", []string{"LV"}},
		{"Côte d'Ivoire", []string{"CI"}},
		{"Guinea-Bissau", []string{"GW"}},
		{"Papua New Guinea", []string{"PG"}},
		{"Bosnia and Herzegovina", []string{"BA"}},
		{"Germany, Germany, DE", []string{"DE"}},
		// code lists: codes that are also words count
		{"IT  → WW", []string{"IT", "WW"}},
		{"BE → WW, EU", []string{"BE", "WW", "EU"}},
		{"Ships from: IT", []string{"IT"}},
		{"Ships to: NO, IS, AT", []string{"NO", "IS", "AT"}},
		{"US  → N. America, WW", []string{"US", "WW"}},
		// exclusions are left out
		{"Worldwide except USA", []string{"WW"}},
		{"Worldwide (except US, Australia). Fast EU shipping", []string{"WW", "EU"}},
		{"Весь мир кроме США", []string{"WW"}},
		{"ships to Germany. No Sweden", []string{"DE"}},
		// not countries
		{"", nil},
		{"ships to us", nil},
		{"100 MG PILLS", nil},
		{"GET IT NOW", nil},
		{"I AM IN", nil},
		{"CAN SHIP", nil},
		{"MDA crystals", nil},
		{"China White heroin", nil},
		{"PS4 @ 55% - USA ONLY", []string{"US"}},
		{"Rolex 29 MM replica", nil},
		{"Michael Kors MK wallet", nil},
		{"OXYCODONE Tablets (ETH 446)", nil},
		{"GammaGoblin DOM / STP tabs", nil},
		{"IGF1-LR3", nil},
		{"Air Jordan 12", nil},
		{"TIDAL.COM (HI-FI) account", nil},
		{"Soccer Jersey Shirt 2016", nil},
		{"Ships: NL-DE", []string{"NL", "DE"}},
		{"BRITISH COLUMBIA CANADA Fake ID", []string{"CA"}},
		{"Cocaine Peru 90%+ Purity [WW EXCL US ]", []string{"PE", "WW"}},
		{"from UK to EU", []string{"GB", "EU"}},
		{"New Jersey", nil},
		{"если", nil},
		{"грузим быстро", nil},
	}
	for _, tt := range tests {
		got := country.Parse(tt.in)
		if !cmp.Equal(got, tt.want, cmpopts.EquateEmpty()) {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestExcluded(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Worldwide except USA, Australia", []string{"US", "AU"}},
		{"Worldwide (excluding Russia). Germany", []string{"RU"}},
		{"Весь мир кроме США и Канады", []string{"US", "CA"}},
		{"Weltweit außer China", []string{"CN"}},
		{"Monde entier sauf France", []string{"FR"}},
		{"Todo el mundo excepto Mexico", []string{"MX"}},
		{"Wereldwijd behalve Belgium", []string{"BE"}},
		{"Germany, France", nil},
	}
	for _, tt := range tests {
		if got := country.Excluded(tt.in); !cmp.Equal(got, tt.want, cmpopts.EquateEmpty()) {
			t.Errorf("Excluded(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestName(t *testing.T) {
	tests := map[string]string{"US": "United States", "gb": "United Kingdom", "DEU": "Germany", "WW": "Worldwide", "EU": "European Union", "UK": "United Kingdom", "XX": "", "": ""}
	for in, want := range tests {
		if got := country.Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNameRoundTrip: every code Parse can return has a name that parses back to it.
func TestNameRoundTrip(t *testing.T) {
	for _, code := range country.Codes() {
		name := country.Name(code)
		if got := country.Parse(name); len(got) != 1 || got[0] != code {
			t.Errorf("Parse(Name(%s) = %q) = %v", code, name, got)
		}
	}
}

// BenchmarkParse compares Parse with a naive baseline that lower-cases the
// text and looks for every English country name with strings.Contains.
func BenchmarkParse(b *testing.B) {
	in := "Ships from: United States  Ships to: World Wide, Europe, Netherlands, United Kingdom, Germany, Россия"
	var names []string
	for _, c := range country.Codes() {
		names = append(names, strings.ToLower(country.Name(c)))
	}
	var baseNs float64
	b.Run("baseline_contains", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			low := strings.ToLower(in)
			n := 0
			for _, name := range names {
				if strings.Contains(low, name) {
					n++
				}
			}
			sinkN = n
		}
		baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("country", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = country.Parse(in)
		}
		if baseNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseNs, "x_baseline")
		}
	})
}

var (
	sink  []string
	sinkN int
)
