package price

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Rate is the value of one unit of a currency in US dollars on Date (YYYY-MM-DD).
type Rate struct {
	USD  float64 `json:"usd"`
	Date string  `json:"date"`
}

// RateDate is the date of the built-in rate table.
const RateDate = "2026-01-01"

// Rates is the table ToUSD uses: USD per one unit of each currency.
//
// The built-in values are the project's single fixed table dated RateDate,
// the same table the market testbed (crawler/testbed.Rates) uses for its
// ground truth, so extracted and true USD values agree; they are round
// approximations, not quotes. A fixed table keeps extraction reproducible
// (re-extracting an old capture gives the same USD). Deployments that want
// the rate of the capture day load a dated table at start-up (LoadRates)
// and assign it before any concurrent use. Rates must not be mutated while
// other goroutines call ToUSD.
var Rates = map[string]Rate{
	"USD": {1, RateDate},
	"EUR": {1.08, RateDate},
	"GBP": {1.27, RateDate},
	"AUD": {0.66, RateDate},
	"CAD": {0.74, RateDate},
	"RUB": {0.011, RateDate},
	"BTC": {60000, RateDate},
	"XMR": {150, RateDate},
	"LTC": {80, RateDate},
}

// ToUSD converts m to US dollars with Rates, rounded to cents.
// ok is false for an unknown currency or a non-positive rate.
func ToUSD(m Money) (usd float64, rate Rate, ok bool) {
	r, ok := Rates[m.Currency]
	if !ok || !(r.USD > 0) || math.IsNaN(m.Amount) || math.IsInf(m.Amount, 0) {
		return 0, Rate{}, false
	}
	return math.Round(m.Amount*r.USD*100) / 100, r, true
}

// LoadRates reads a JSON object {"EUR": {"usd": 1.08, "date": "2025-01-31"}, ...}
// and returns it as a rate table (currency codes upper-cased). It does not
// change Rates; the caller assigns the result before concurrent use.
func LoadRates(r io.Reader) (map[string]Rate, error) {
	var raw map[string]Rate
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("price rates: %w", err)
	}
	out := make(map[string]Rate, len(raw))
	for k, v := range raw {
		if !(v.USD > 0) {
			return nil, fmt.Errorf("price rates: %s: rate %v is not positive", k, v.USD)
		}
		out[strings.ToUpper(k)] = v
	}
	return out, nil
}
