package extract

import (
	"slices"
	"testing"

	"github.com/darkwatch/darkwatch/extract/country"
)

// TestShipSentence: shipping stated in sentences, in the supported languages, gives the
// origin or the destinations (as country codes), and other sentences give neither.
func TestShipSentence(t *testing.T) {
	for _, c := range []struct {
		in       string
		from, to []string
	}{
		{"Ships from Belgium.", []string{"BE"}, nil},
		{"This item ships from Canada.", []string{"CA"}, nil},
		{"Ships only to Belgium.", nil, []string{"BE"}},
		{"Ships worldwide except China.", nil, []string{"WW"}},
		{"Ships everywhere except India", nil, []string{"WW"}},
		{"Ships to all countries.", nil, []string{"WW"}},
		{"Ships to France and Poland.", nil, []string{"FR", "PL"}},
		{"We ship worldwide", nil, []string{"WW"}},
		{"Free worldwide shipping!", nil, []string{"WW"}},
		{"Versand aus Deutschland.", []string{"DE"}, nil},
		{"Versand nur nach Österreich", nil, []string{"AT"}},
		{"Versand weltweit außer USA", nil, []string{"WW"}},
		{"Expédié depuis la France", []string{"FR"}, nil},
		{"Livraison uniquement vers la Belgique", nil, []string{"BE"}},
		{"Envío desde España", []string{"ES"}, nil},
		{"Envío a todo el mundo excepto Mexico", nil, []string{"WW"}},
		{"Spedito dall'Italia", []string{"IT"}, nil},
		{"Verzonden vanuit Nederland", []string{"NL"}, nil},
		{"Verzending alleen naar Nederland", nil, []string{"NL"}},
		{"Wysyłka z UK", []string{"GB"}, nil},
		{"Отправка из России", []string{"RU"}, nil},
		{"Доставка по всему миру", nil, []string{"WW"}},
		{"Skickas från Sverige", []string{"SE"}, nil},
		{"Shipping is fast and stealthy.", nil, nil},
		{"Paid USD 104.29, arrived in 3 days.", nil, nil},
	} {
		t.Run(c.in, func(t *testing.T) {
			f, to := shipSentence(c.in)
			var gf, gt []string
			if f != "" {
				gf = country.Parse(f)
			}
			if to != "" {
				gt = country.Parse(to)
			}
			if !slices.Equal(gf, c.from) || !slices.Equal(gt, c.to) {
				t.Errorf("from %q %v to %q %v, want %v %v", f, gf, to, gt, c.from, c.to)
			}
		})
	}
}

// TestPlaceText: the raw places are the place text the page shows, not the sentence: its
// end dropped, a worldwide phrase written "Worldwide", a list joined by "and" as a list.
func TestPlaceText(t *testing.T) {
	for in, want := range map[string]string{
		"United States.":                   "United States",
		"Australia and United States.":     "Australia, United States",
		"Germany, Poland and France":       "Germany, Poland, France",
		"worldwide":                        "Worldwide",
		"all countries":                    "Worldwide",
		"worldwide except India":           "Worldwide except India",
		"Trinidad and Tobago":              "Trinidad and Tobago",
		"United States, Netherlands":       "United States, Netherlands",
		"EU and UK except Germany":         "EU and UK except Germany",
		"":                                 "",
		"Standard and express to Germany.": "Standard and express to Germany",
	} {
		if got := placeText(in); got != want {
			t.Errorf("placeText(%q) = %q, want %q", in, got, want)
		}
	}
}
