package price_test

import (
	"encoding/csv"
	"errors"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/price"
)

func sharedData(t testing.TB) string {
	t.Helper()
	return testenv.SharedData(t, "")
}

// TestDentonPrices parses the listing_price cells of the 35k AlphaBay-era
// listings ("Buy price\nUSD 7.50\n\n(0.0044 BTC)"): each must give a USD
// price then a BTC price, and the implied BTC/USD rate must be that of
// April-May 2017 (about 1,100-1,800), which checks both numbers.
func TestDentonPrices(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedData(t), "dnm-2017-denton", "*.csv"))
	if len(files) == 0 {
		t.Skip("no dnm-2017-denton CSVs")
	}
	var n, parsed, rateChecked, rateOK int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// records end with a lone CR
		r := csv.NewReader(strings.NewReader(strings.ReplaceAll(string(b), "\r", "\n")))
		r.LazyQuotes = true
		r.FieldsPerRecord = -1
		header, err := r.Read()
		if err != nil {
			continue
		}
		col := -1
		for i, h := range header {
			if h == "listing_price" {
				col = i
			}
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || col < 0 || col >= len(rec) || rec[col] == "null" || rec[col] == "" {
				continue
			}
			n++
			all := price.ParseAll(rec[col])
			if len(all) < 2 || all[0].Currency != "USD" || all[1].Currency != "BTC" {
				t.Logf("unparsed: %q -> %v", rec[col], all)
				continue
			}
			parsed++
			if all[1].Amount >= 0.01 {
				rateChecked++
				if r := all[0].Amount / all[1].Amount; r > 1000 && r < 2000 {
					rateOK++
				}
			}
		}
	}
	t.Logf("dnm-2017-denton: %d/%d prices parsed as USD+BTC; implied BTC rate plausible in %d/%d", parsed, n, rateOK, rateChecked)
	if n == 0 || float64(parsed)/float64(n) < 0.999 {
		t.Errorf("parsed %d/%d, want >= 99.9%%", parsed, n)
	}
	if rateChecked == 0 || float64(rateOK)/float64(rateChecked) < 0.98 {
		t.Errorf("plausible implied rate in %d/%d, want >= 98%%", rateOK, rateChecked)
	}
}
