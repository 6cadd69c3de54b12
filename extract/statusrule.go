package extract

import "slices"

// GenericStatusField is the generic extractor's availability rule as a profile field: the
// value of a stock or availability label, else the first element whose class names stock.
// An induced profile (extract/induce) reads status with it where its sample pages never
// showed a sold-out listing, so no selector of its own was seen telling one apart.
func GenericStatusField() Field {
	return Field{Alt: []Field{{Label: slices.Clone(lblStock)}, {Selector: "[class*=stock]"}}}
}
