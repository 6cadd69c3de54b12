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
const RateDate = "2024-01-02"

// Rates is the table ToUSD uses: USD per one unit of each currency.
//
// The built-in values are approximate closing rates of RateDate (fiat:
// ECB/Fed reference rates rounded to 4 significant digits; crypto: daily
// close rounded to the dollar). They make a stable, reproducible default
// for tests and offline re-extraction; deployments that need the rate of
// the capture day replace the table at start-up (LoadRates) before any
// concurrent use. Rates must not be mutated while other goroutines call ToUSD.
var Rates = map[string]Rate{
	"USD": {1, RateDate},
	"EUR": {1.094, RateDate},
	"GBP": {1.262, RateDate},
	"AUD": {0.6770, RateDate},
	"CAD": {0.7510, RateDate},
	"RUB": {0.01107, RateDate},
	"BTC": {44940, RateDate},
	"XMR": {168, RateDate},
	"LTC": {73, RateDate},
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
