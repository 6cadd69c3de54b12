package price

// Money is an amount in one currency as written on a page.
type Money struct {
	Amount   float64
	Currency string // USD EUR GBP AUD CAD RUB BTC XMR LTC (mBTC is normalised to BTC)
}

// Parse returns the first price in s.
func Parse(s string) (Money, bool) {
	all := parse(s, 1)
	if len(all) == 0 {
		return Money{}, false
	}
	return all[0], true
}

// ParseAll returns every price in s in order of appearance.
func ParseAll(s string) []Money { return parse(s, -1) }

func parse(s string, limit int) []Money { return nil }
