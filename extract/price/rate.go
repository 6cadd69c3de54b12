package price

import "math"

// Rate is the value of one unit of a currency in US dollars on Date (YYYY-MM-DD).
type Rate struct {
	USD  float64
	Date string
}

// RateDate is the date of the built-in rate table.
const RateDate = "2026-11-02"

// Rates is the fixed table ToUSD uses. Callers may replace entries at
// start-up (before concurrent use); it is not safe to mutate concurrently.
var Rates = map[string]Rate{
	"USD": {1, RateDate},
}

// ToUSD converts m to US dollars with Rates, rounded to cents.
func ToUSD(m Money) (usd float64, rate Rate, ok bool) {
	r, ok := Rates[m.Currency]
	if !ok || r.USD <= 0 {
		return 0, Rate{}, false
	}
	return math.Round(m.Amount*r.USD*100) / 100, r, true
}
