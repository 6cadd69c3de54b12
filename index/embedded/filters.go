package embedded

import (
	"time"

	"github.com/darkwatch/darkwatch/index"
)

// The filters of a plan are translated once, here, into clauses that both query paths
// read: the in-memory index (memindex.go: bitmaps and sorted columns) and Bleve
// (search.go: term and numeric range queries). A filter added to the table below is
// applied by both, so the two cannot disagree about which listings a filter keeps
// (TestMemIndexMatchesBleve checks that they do not).

// kwBleveField is the Bleve field of each keyword field of the in-memory index.
var kwBleveField = [nKW]string{
	kMarket:    fMarket,
	kVendorID:  fVendorID,
	kVendorKey: fVendorKey,
	kSubstance: fSubstance,
	kClass:     fClass,
	kFamily:    fFamily,
	kShipsFrom: fShipsFrom,
	kShipsTo:   fShipsTo,
	kEntity:    fEntity,
	kUntagged:  fUntagged,
	kDrugOffer: fDrugOffer, // a Bleve boolean field indexes the terms "T" and "F" (boolKey)
}

// numBleveField is the Bleve field of each numeric field of the in-memory index.
var numBleveField = [nNum]string{
	nUSD:       fUSD,
	nUnitUSD:   fUnitUSD,
	nFirstSeen: fFirstSeen,
	nLastSeen:  fLastSeen,
}

// aggKWField is the keyword field of each aggregation (index.AggNames); its Bleve field is
// kwBleveField's.
var aggKWField = map[string]int{
	index.AggSubstance: kSubstance,
	index.AggClass:     kClass,
	index.AggFamily:    kFamily,
	index.AggMarket:    kMarket,
	index.AggVendor:    kVendorID,
	index.AggShipsFrom: kShipsFrom,
	index.AggShipsTo:   kShipsTo,
}

// sortNumField is the numeric field of each sort by a value (index.SortSpec.Field); the
// others sort by relevance or by id.
var sortNumField = map[string]int{
	index.SortPrice:     nUSD,
	index.SortUnitPrice: nUnitUSD,
	index.SortFirstSeen: nFirstSeen,
	index.SortLastSeen:  nLastSeen,
}

// termFilters are the plan's filters that keep listings holding one of a list of values
// of one keyword field (no values: the filter is not set).
var termFilters = []struct {
	field int
	vals  func(p *index.Plan) []string
}{
	{kSubstance, func(p *index.Plan) []string { return p.Substance }},
	{kClass, func(p *index.Plan) []string { return p.Class }},
	{kFamily, func(p *index.Plan) []string { return p.Family }},
	{kVendorKey, func(p *index.Plan) []string { return p.Vendor }},
	{kMarket, func(p *index.Plan) []string { return p.Market }},
	{kShipsFrom, func(p *index.Plan) []string { return p.ShipsFrom }},
	{kShipsTo, func(p *index.Plan) []string { return p.ShipsTo }},
	{kUntagged, func(p *index.Plan) []string { return p.Untagged }},
}

// termSet is the values vals of keyword field field.
type termSet struct {
	field int
	vals  []string
}

// clause keeps the listings that hold a value of any of its term sets; a clause without
// values keeps none.
type clause []termSet

// filterClauses are the keyword filters of p: a listing must satisfy every clause.
func filterClauses(p index.Plan) []clause {
	var out []clause
	for _, t := range termFilters {
		if vals := t.vals(&p); len(vals) > 0 {
			out = append(out, clause{{t.field, vals}})
		}
	}
	if p.ActorVendorKeys != nil { // empty: no vendor of those actors, nothing matches
		out = append(out, clause{{kVendorKey, p.ActorVendorKeys}})
	}
	if len(p.Entity) > 0 { // the listing's own entities, or its vendor's
		out = append(out, clause{{kEntity, p.Entity}, {kVendorKey, p.EntityVendorKeys}})
	}
	if p.DrugOffer != nil {
		out = append(out, clause{{kDrugOffer, []string{boolKey(*p.DrugOffer)}}})
	}
	return out
}

// singleTerm reports the one keyword value that p filters on when that is its only
// filter (no other clause, no range): the case facet rows answer (facetrows.go).
func singleTerm(p index.Plan) (field int, value string, ok bool) {
	cs := filterClauses(p)
	if len(cs) != 1 || ranges(p) != [nNum]*valueRange{} {
		return 0, "", false
	}
	for _, t := range cs[0] {
		switch {
		case len(t.vals) == 0:
		case ok || len(t.vals) > 1:
			return 0, "", false
		default:
			field, value, ok = t.field, t.vals[0], true
		}
	}
	return field, value, ok
}

// valueRange is an inclusive range of a numeric field (nil bound: unbounded).
type valueRange struct{ lo, hi *float64 }

// ranges are the numeric ranges of p by field (nil: no constraint), as indexed: prices
// in cents, times in milliseconds.
func ranges(p index.Plan) [nNum]*valueRange {
	var r [nNum]*valueRange
	cents := func(v *float64) *float64 {
		if v == nil {
			return nil
		}
		c := index.Cents(*v)
		return &c
	}
	ms := func(t time.Time) *float64 {
		if t.IsZero() {
			return nil
		}
		v := float64(index.Millis(t))
		return &v
	}
	if p.MinUSD != nil || p.MaxUSD != nil {
		r[nUSD] = &valueRange{cents(p.MinUSD), cents(p.MaxUSD)}
	}
	if p.MinUnitUSD != nil || p.MaxUnitUSD != nil {
		r[nUnitUSD] = &valueRange{cents(p.MinUnitUSD), cents(p.MaxUnitUSD)}
	}
	if !p.SeenSince.IsZero() || !p.SeenUntil.IsZero() {
		r[nLastSeen] = &valueRange{ms(p.SeenSince), ms(p.SeenUntil)}
	}
	if !p.FirstSeenSince.IsZero() {
		r[nFirstSeen] = &valueRange{ms(p.FirstSeenSince), nil}
	}
	return r
}
