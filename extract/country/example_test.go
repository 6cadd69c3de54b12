package country_test

import (
	"fmt"

	"github.com/darkwatch/darkwatch/extract/country"
)

func Example() {
	fmt.Println(country.Parse("Ships from: United States"))
	fmt.Println(country.Parse("NL  → WW, EU"))
	fmt.Println(country.Parse("Доставка из России, кроме Крыма и США"), country.Excluded("Worldwide except USA"))
	fmt.Println(country.Name("DE"))
	// Output:
	// [US]
	// [NL WW EU]
	// [RU] [US]
	// Germany
}
