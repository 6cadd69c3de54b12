package country

// Parse returns the ISO 3166-1 alpha-2 codes named in s, plus "WW" for
// worldwide and "EU" for Europe, deduplicated in order of appearance.
func Parse(s string) []string { return nil }

// Name returns the English name of an ISO code ("" if unknown).
func Name(code string) string { return "" }
