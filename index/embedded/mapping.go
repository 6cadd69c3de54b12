package embedded

import (
	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom" // registers "custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	_ "github.com/blevesearch/bleve/v2/analysis/token/lowercase"   // registers "to_lower"
	_ "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode" // registers "unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Field names in the Bleve index.
const (
	fText      = "text" // title and description, one field
	fMarket    = "market"
	fVendorID  = "vendor_id"
	fVendorKey = "vendor_keys"
	fSubstance = "substance"
	fClass     = "class"
	fFamily    = "family"
	fShipsFrom = "ships_from"
	fShipsTo   = "ships_to"
	fEntity    = "entity"
	fUntagged  = "untagged"
	fDrugOffer = "drug_offer"
	fUSD       = "usd"
	fUnitUSD   = "unit_usd"
	fFirstSeen = "first_seen_ms"
	fLastSeen  = "last_seen_ms"

	textAnalyzer = "dw_text"
)

// newMapping is the explicit index mapping: keyword fields for ids, codes and entities,
// text (UAX#29 tokens, lower-cased; the Elasticsearch "standard" analyzer) for title plus
// description in one field (as dw.text in Elasticsearch, so BM25 scores agree), numbers for prices and millisecond times. Nothing is stored: full records
// live in bbolt.
func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          "custom",
		"tokenizer":     "unicode",
		"token_filters": []any{"to_lower"},
	}); err != nil {
		return nil, err
	}
	im.DefaultAnalyzer = keyword.Name
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	im.ScoringModel = "bm25"

	dm := bleve.NewDocumentStaticMapping()
	text := func(name string) {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		dm.AddFieldMappingsAt(name, f)
	}
	kw := func(names ...string) {
		for _, name := range names {
			f := bleve.NewKeywordFieldMapping()
			f.Store = false
			f.IncludeInAll = false
			f.IncludeTermVectors = false
			f.DocValues = true
			dm.AddFieldMappingsAt(name, f)
		}
	}
	num := func(names ...string) {
		for _, name := range names {
			f := bleve.NewNumericFieldMapping()
			f.Store = false
			f.IncludeInAll = false
			f.DocValues = true
			dm.AddFieldMappingsAt(name, f)
		}
	}
	text(fText)
	kw(fMarket, fVendorID, fVendorKey, fSubstance, fClass, fFamily, fShipsFrom, fShipsTo, fEntity, fUntagged)
	num(fUSD, fUnitUSD, fFirstSeen, fLastSeen)
	b := bleve.NewBooleanFieldMapping()
	b.Store = false
	b.IncludeInAll = false
	dm.AddFieldMappingsAt(fDrugOffer, b)
	im.DefaultMapping = dm
	return im, nil
}
