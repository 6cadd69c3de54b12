package price_test

import (
	"fmt"

	"github.com/darkwatch/darkwatch/extract/price"
)

func Example() {
	m, _ := price.Parse("Buy price USD 45.00 (0.0012 BTC)")
	usd, rate, _ := price.ToUSD(m)
	fmt.Println(m.Amount, m.Currency, usd, rate.Date)
	fmt.Println(price.ParseAll("1 200 ₽ / €30,50 / 12.5 mBTC"))
	// Output:
	// 45 USD 45 2026-01-01
	// [{1200 RUB} {30.5 EUR} {0.0125 BTC}]
}
