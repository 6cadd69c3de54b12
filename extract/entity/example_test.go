package entity_test

import (
	"fmt"

	"github.com/darkwatch/darkwatch/extract/entity"
)

func Example() {
	text := "Contact: Telegram: @Shop_One, Wickr: shoptwo. BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa. Follow @news"
	for _, e := range entity.Find(text) {
		fmt.Println(e.Kind, e.Value)
	}
	// Output:
	// telegram shop_one
	// wickr shoptwo
	// btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
}
