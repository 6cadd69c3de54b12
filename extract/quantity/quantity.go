package quantity

// Quantity is an amount of goods as written in a title or offer.
type Quantity struct {
	Count  float64 // multiplier: 10 in "10 x 80mg"; 1 when absent
	Amount float64 // amount per item as written: 80 in "10 x 80mg"
	Unit   string  // normalised: g mg kg oz lb ml pill tab blotter unit
	Grams  float64 // total mass in grams when Unit is a mass
	Units  float64 // total count when Unit is a count
}

// Parse returns the first quantity in s.
func Parse(s string) (Quantity, bool) {
	all := parse(s, 1)
	if len(all) == 0 {
		return Quantity{}, false
	}
	return all[0], true
}

// ParseAll returns every quantity in s in order of appearance.
func ParseAll(s string) []Quantity { return parse(s, -1) }

func parse(s string, limit int) []Quantity { return nil }

// UnitPrice returns usd per gram for a mass, per unit for a count, 0 if unknown.
func UnitPrice(usd float64, q Quantity) float64 {
	switch {
	case q.Grams > 0:
		return usd / q.Grams
	case q.Units > 0:
		return usd / q.Units
	}
	return 0
}
