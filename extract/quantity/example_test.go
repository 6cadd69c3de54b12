package quantity_test

import (
	"fmt"

	"github.com/darkwatch/darkwatch/extract/quantity"
)

func Example() {
	q, _ := quantity.Parse("Oxycodone 10 x 80mg")
	fmt.Printf("%+v\n", q)
	fmt.Println(quantity.UnitPrice(200, q)) // USD per gram
	p, _ := quantity.Parse("100 pills")
	fmt.Println(p.Units, p.Unit, quantity.UnitPrice(200, p))
	// Output:
	// {Count:10 Amount:80 Unit:mg Grams:0.8 Units:0}
	// 250
	// 100 pill 2
}
