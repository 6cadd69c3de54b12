package index

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/extract/substance"
)

// Sort orders accepted by Query.Sort. A leading "-" means descending. Ties are always
// broken by listing id ascending, so every backend returns the same order.
const (
	SortRelevance = "relevance"  // score descending (only meaningful with Text)
	SortPrice     = "price"      // headline price in USD
	SortUnitPrice = "unit_price" // USD per gram or per unit
	SortFirstSeen = "first_seen"
	SortLastSeen  = "last_seen"
	SortID        = "id"
)

// Aggregation names accepted by Query.Aggs.
const (
	AggSubstance = "substance"
	AggClass     = "class"
	AggFamily    = "family"
	AggMarket    = "market"
	AggVendor    = "vendor" // bucket key: vendor id
	AggShipsFrom = "ships_from"
	AggShipsTo   = "ships_to"
)

// Values of Query.Untagged (and of a listing's untagged facet): what the tagger could not
// decide about a drug offer (docs/api.md, "Untagged offers").
const (
	// UntaggedNoSubstance: a drug offer whose title and description name no substance; its
	// class, if any, comes from the category path or the dose form (a class-only substance:
	// where "category" or "context"), or an umbrella word ("benzos").
	UntaggedNoSubstance = "no_substance"
	// UntaggedClassConflict: the category path names a class (substance.Result.CategoryClass)
	// that none of the listing's substances has ("Mephedrone" under "Ecstasy").
	UntaggedClassConflict = "class_conflict"
)

// UntaggedValues lists every accepted Query.Untagged value.
var UntaggedValues = []string{UntaggedNoSubstance, UntaggedClassConflict}

// AggNames lists every accepted aggregation.
var AggNames = []string{AggSubstance, AggClass, AggFamily, AggMarket, AggVendor, AggShipsFrom, AggShipsTo}

// MaxPage is the largest page a backend fetches in one request; larger results are paged
// internally.
const MaxPage = 5000

// Query selects listings. Within one slice field the values are ORed; fields are ANDed.
// Zero values mean "no constraint".
type Query struct {
	// Text is free text over title and description: every term (standard tokenizer,
	// lower-cased, no stemming, no stop words) must occur in the title or the description.
	// Relevance is BM25 over title+description as one field; filters do not score. Bleve
	// uses sqrt(term frequency) where Lucene uses the frequency, so relevance ranks can
	// differ between backends when a query term repeats in a listing; every other sort is
	// identical.
	Text      string
	Substance []string // canonical substance names (case-insensitive)
	Class     []string // substance classes (case-insensitive)
	Family    []string // NPS families (case-insensitive)
	Vendor    []string // vendor id ("market/handle") or handle (case-insensitive)
	Actor     []string // actor ids: listings of any vendor with that actor
	Market    []string // market names (exact)
	ShipsFrom []string // ISO 3166-1 alpha-2 or "WW" (case-insensitive)
	ShipsTo   []string
	// Entity matches a listing whose own entities hold the value, or whose vendor's PGP
	// fingerprints or entities hold it (exact value, as normalised by extract).
	Entity []string
	// Untagged selects drug offers whose substance stays unknown (Untagged* values): no
	// substance named in title or description, or a category whose class no tagged
	// substance has.
	Untagged  []string
	DrugOffer *bool
	MinUSD    *float64 // headline price in USD, inclusive; compared at cent precision
	MaxUSD    *float64
	MinUnitUSD,
	MaxUnitUSD *float64
	SeenSince      time.Time // last_seen >= SeenSince
	SeenUntil      time.Time // last_seen <= SeenUntil
	FirstSeenSince time.Time // first_seen >= FirstSeenSince
	// Sort is one of the Sort* names, optionally prefixed with "-" for descending.
	// Empty means "relevance" when Text is set, else "-last_seen".
	Sort string
	From int
	// Size is the page size; 0 means all matching listings.
	Size int
	Aggs []string // aggregation names (Agg*)
}

// Bucket is one aggregation bucket.
type Bucket struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Result is the answer to a Query.
type Result struct {
	Total    int                 `json:"total"`
	Listings []record.Listing    `json:"listings"`
	Aggs     map[string][]Bucket `json:"aggs,omitempty"`
}

// VendorQuery selects vendors; fields are ANDed, values within a field ORed.
type VendorQuery struct {
	IDs    []string
	Market []string // vendors active on any of these markets (Market or Markets)
	Entity []string // PGP fingerprint or entity value
	Actor  []string
}

// SortSpec is a parsed Query.Sort.
type SortSpec struct {
	Field string // one of the Sort* names
	Desc  bool
}

// ParseTime reads a time bound of a query (SeenSince and the like): "7d" or "36h" count
// back from now, "2026-01-10", "2026-01-10T15:04" and RFC 3339 are absolute. "" is the zero
// time (no bound).
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 0 && d < 100000 {
			return now.AddDate(0, 0, -d), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q: want 7d, 36h, 2026-01-10 or RFC 3339", s)
}

// ParseSort validates s (with the query's text) and returns the sort to apply.
func ParseSort(s string, hasText bool) (SortSpec, error) {
	if s == "" {
		if hasText {
			return SortSpec{Field: SortRelevance, Desc: true}, nil
		}
		return SortSpec{Field: SortLastSeen, Desc: true}, nil
	}
	desc := strings.HasPrefix(s, "-")
	f := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	switch f {
	case SortRelevance:
		return SortSpec{Field: f, Desc: true}, nil
	case SortPrice, SortUnitPrice, SortFirstSeen, SortLastSeen, SortID:
		return SortSpec{Field: f, Desc: desc}, nil
	case "usd":
		return SortSpec{Field: SortPrice, Desc: desc}, nil
	}
	return SortSpec{}, fmt.Errorf("%w: unknown sort %q", ErrBadQuery, s)
}

// Normalize returns q with filter values normalised (case, blanks, duplicates), the sort
// validated and aggregations checked. Backends call it before planning.
func Normalize(q Query) (Query, SortSpec, error) {
	low := func(v []string) []string { return normSet(v, strings.ToLower) }
	up := func(v []string) []string { return normSet(v, strings.ToUpper) }
	same := func(v []string) []string { return normSet(v, func(s string) string { return s }) }
	q.Substance, q.Class, q.Family, q.Vendor = low(q.Substance), low(q.Class), low(q.Family), low(q.Vendor)
	q.Actor, q.Market, q.Entity = same(q.Actor), same(q.Market), same(q.Entity)
	q.ShipsFrom, q.ShipsTo = up(q.ShipsFrom), up(q.ShipsTo)
	q.Untagged = low(q.Untagged)
	for _, u := range q.Untagged {
		if !slices.Contains(UntaggedValues, u) {
			return q, SortSpec{}, fmt.Errorf("%w: unknown untagged value %q (want %s)", ErrBadQuery, u, strings.Join(UntaggedValues, " or "))
		}
	}
	q.Text = strings.TrimSpace(q.Text)
	if q.From < 0 || q.Size < 0 {
		return q, SortSpec{}, fmt.Errorf("%w: negative from/size", ErrBadQuery)
	}
	for _, a := range q.Aggs {
		if !slices.Contains(AggNames, a) {
			return q, SortSpec{}, fmt.Errorf("%w: unknown aggregation %q", ErrBadQuery, a)
		}
	}
	q.Aggs = same(q.Aggs)
	for _, r := range [][2]*float64{{q.MinUSD, q.MaxUSD}, {q.MinUnitUSD, q.MaxUnitUSD}} {
		if r[0] != nil && r[1] != nil && *r[0] > *r[1] {
			return q, SortSpec{}, fmt.Errorf("%w: min %v > max %v", ErrBadQuery, *r[0], *r[1])
		}
	}
	ss, err := ParseSort(q.Sort, q.Text != "")
	return q, ss, err
}

func normSet(v []string, f func(string) string) []string {
	if len(v) == 0 {
		return nil
	}
	out := make([]string, 0, len(v))
	for _, s := range v {
		if s = f(strings.TrimSpace(s)); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Cents rounds a USD amount to cents: the precision at which prices are indexed and
// compared (Elasticsearch scaled_float with scaling_factor 100).
func Cents(usd float64) float64 {
	return float64(int64(usd*100+copysignHalf(usd))) / 100
}

func copysignHalf(x float64) float64 {
	if x < 0 {
		return -0.5
	}
	return 0.5
}

// Millis truncates t to milliseconds, the precision at which times are indexed.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// SortBuckets orders buckets by count descending, then key ascending.
func SortBuckets(b []Bucket) {
	slices.SortFunc(b, func(x, y Bucket) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.Key, y.Key)
	})
}

// Plan is a normalised query with actor and entity filters resolved to vendor keys.
type Plan struct {
	Query
	Sort SortSpec
	// ActorVendorKeys is non-nil when Query.Actor is set: the listing's vendor key must be
	// one of them (an empty slice matches nothing).
	ActorVendorKeys []string
	// EntityVendorKeys are vendor keys whose vendor holds one of Query.Entity.
	EntityVendorKeys []string
}

// VendorLister is the part of a Store that Resolve needs.
type VendorLister interface {
	Vendors(ctx context.Context, q VendorQuery) ([]record.Vendor, error)
}

// MakePlan normalises q and resolves its actor and entity filters through vl.
func MakePlan(ctx context.Context, q Query, vl VendorLister) (Plan, error) {
	q, ss, err := Normalize(q)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Query: q, Sort: ss}
	if len(q.Actor) > 0 {
		vs, err := vl.Vendors(ctx, VendorQuery{Actor: q.Actor})
		if err != nil {
			return Plan{}, fmt.Errorf("resolve actors: %w", err)
		}
		p.ActorVendorKeys = []string{}
		for _, v := range vs {
			p.ActorVendorKeys = append(p.ActorVendorKeys, strings.ToLower(v.ID))
		}
	}
	if len(q.Entity) > 0 {
		vs, err := vl.Vendors(ctx, VendorQuery{Entity: q.Entity})
		if err != nil {
			return Plan{}, fmt.Errorf("resolve entities: %w", err)
		}
		for _, v := range vs {
			p.EntityVendorKeys = append(p.EntityVendorKeys, strings.ToLower(v.ID))
		}
	}
	return p, nil
}

// VendorKeys are the lower-cased keys a listing's vendor filter matches: the vendor id
// and the handle.
func VendorKeys(l record.Listing) []string {
	var k []string
	if l.VendorID != "" {
		k = append(k, strings.ToLower(l.VendorID))
	}
	if l.Vendor != "" && !slices.Contains(k, strings.ToLower(l.Vendor)) {
		k = append(k, strings.ToLower(l.Vendor))
	}
	return k
}

// VendorEntityValues are the values a vendor's entity filter matches.
func VendorEntityValues(v record.Vendor) []string {
	var out []string
	out = append(out, v.PGP...)
	for _, e := range v.Entities {
		out = append(out, e.Value)
	}
	return Uniq(out)
}

// Facets are the distinct, sorted filter/aggregation values of a listing.
type Facets struct {
	Substance, Class, Family, ShipsFrom, ShipsTo, Entity, VendorKeys, Untagged []string
}

// ListingFacets computes the Facets of l.
func ListingFacets(l record.Listing) Facets {
	var f Facets
	for _, s := range l.Substances {
		f.Substance = append(f.Substance, strings.ToLower(s.Name))
		f.Class = append(f.Class, strings.ToLower(s.Class))
		f.Family = append(f.Family, strings.ToLower(s.Family))
	}
	for _, e := range l.Entities {
		f.Entity = append(f.Entity, e.Value)
	}
	up := func(v []string) []string {
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = strings.ToUpper(s)
		}
		return out
	}
	f.Substance, f.Class, f.Family = Uniq(f.Substance), Uniq(f.Class), Uniq(f.Family)
	f.ShipsFrom, f.ShipsTo = Uniq(up(l.ShipsFrom)), Uniq(up(l.ShipsTo))
	f.Entity = Uniq(f.Entity)
	f.VendorKeys = VendorKeys(l)
	f.Untagged = ListingUntagged(l)
	return f
}

// ListingUntagged returns the Untagged* values of a listing: none unless it is a drug offer.
func ListingUntagged(l record.Listing) []string {
	if !l.DrugOffer {
		return nil
	}
	tg := substance.Default()
	var out []string
	named := false
	for _, s := range l.Substances {
		if s.Where != "category" && s.Where != "context" && !tg.Generic(s.Name) {
			named = true
		}
	}
	if !named {
		out = append(out, UntaggedNoSubstance)
	}
	if l.Category != "" && len(l.Substances) > 0 {
		if cc := tg.TagFields(substance.Fields{Category: l.Category}).CategoryClass; cc != "" &&
			!slices.ContainsFunc(l.Substances, func(s record.Substance) bool { return strings.EqualFold(s.Class, cc) }) {
			out = append(out, UntaggedClassConflict)
		}
	}
	return out
}

// Uniq returns the distinct non-empty values of v, sorted.
func Uniq(v []string) []string {
	var out []string
	for _, s := range v {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// VendorMatches reports whether v satisfies q.
func VendorMatches(v record.Vendor, q VendorQuery) bool {
	if len(q.IDs) > 0 && !slices.Contains(q.IDs, v.ID) {
		return false
	}
	if len(q.Market) > 0 && !slices.ContainsFunc(q.Market, func(m string) bool {
		return m == v.Market || slices.Contains(v.Markets, m)
	}) {
		return false
	}
	if len(q.Actor) > 0 && !slices.Contains(q.Actor, v.Actor) {
		return false
	}
	if len(q.Entity) > 0 {
		vals := VendorEntityValues(v)
		if !slices.ContainsFunc(q.Entity, func(e string) bool { return slices.Contains(vals, e) }) {
			return false
		}
	}
	return true
}

// SearchText is the free-text field of a listing: title and description. Both backends
// index it as one field so that term statistics, and so relevance, agree.
func SearchText(l record.Listing) string {
	if l.Description == "" {
		return l.Title
	}
	return l.Title + "\n" + l.Description
}
