package embedded

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// Keyword fields of the in-memory index (bitmap per value).
const (
	kMarket = iota
	kVendorID
	kVendorKey
	kSubstance
	kClass
	kFamily
	kShipsFrom
	kShipsTo
	kEntity
	kUntagged  // index.Untagged* values
	kDrugOffer // "T" or "F"
	nKW
)

// Numeric fields of the in-memory index (column plus sort order).
const (
	nUSD = iota
	nUnitUSD
	nFirstSeen
	nLastSeen
	nNum
)

// memIndex answers every query without free text, and the facet counts, sorts and pages
// of every query: a document number per listing, a roaring bitmap per value of each
// keyword field (filters are bitmap unions and intersections, a facet bucket is the
// cardinality of an intersection), and per numeric field a column and the document numbers
// sorted by (value, listing id) (ranges are binary searches, sorted pages walk the order
// and stop once the page is full). It costs what the query returns and the number of
// distinct values, not the corpus: no stored document is read but the returned page.
//
// It is built from the records at Open (or loaded from its snapshot, see snapshot.go) and
// updated under mu by every write, after the records commit.
type memIndex struct {
	mu   sync.RWMutex
	ids  []string          // doc -> listing id
	docs map[string]uint32 // listing id -> doc
	kw   [nKW]map[string]*roaring.Bitmap
	num  [nNum]numField
	// byID is every doc sorted by listing id.
	byID []uint32
	// vendorOf is the vendor id of each doc as an index into vendorNames (-1: none): the
	// vendor facet of a filtered set counts its docs instead of intersecting a bitmap per
	// vendor (tens of thousands at a million listings).
	vendorOf    []int32
	vendorNames []string
	vendorNum   map[string]int32
	// vendorRank is the place of each vendor in vendorNames sorted (buckets of equal
	// counts sort by name: an integer compare), computed by the first vendor facet after
	// new vendors (see ranks; guarded by cacheMu).
	vendorRank []int32
	// gen counts applied batches; allAggs caches the buckets of every doc (the UI's
	// unfiltered search page) per aggregation for generation allAggsGen.
	gen        uint64
	cacheMu    sync.Mutex
	allAggs    map[string][]index.Bucket
	allAggsGen uint64
	// rows are the facet rows of frequent filter values (facetrows.go): created under
	// cacheMu by a reader, updated by writers (under mu).
	rows   [nKW]map[string]*facetRow
	rowMin int // docs a value needs for a row
	// cols count the facets of other sets (aggcols.go).
	cols aggCols
}

type numField struct {
	col   []float64 // doc -> value
	order []uint32  // docs sorted by (value, id)
}

func newMemIndex() *memIndex {
	m := &memIndex{docs: map[string]uint32{}, vendorNum: map[string]int32{}, rowMin: facetRowMin, cols: newAggCols()}
	for i := range m.kw {
		m.kw[i] = map[string]*roaring.Bitmap{}
	}
	return m
}

// kwValues are the keyword values of a listing, as indexed (the same normalisation as the
// Bleve document, see searchDoc).
func kwValues(l record.Listing) [nKW][]string {
	f := index.ListingFacets(l)
	var v [nKW][]string
	v[kMarket] = []string{l.Market}
	if l.VendorID != "" {
		v[kVendorID] = []string{l.VendorID}
	}
	v[kVendorKey], v[kSubstance], v[kClass], v[kFamily] = f.VendorKeys, f.Substance, f.Class, f.Family
	v[kShipsFrom], v[kShipsTo], v[kEntity], v[kUntagged] = f.ShipsFrom, f.ShipsTo, f.Entity, f.Untagged
	v[kDrugOffer] = []string{boolKey(l.DrugOffer)}
	return v
}

func boolKey(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

func numValues(l record.Listing) [nNum]float64 {
	return [nNum]float64{
		nUSD:       index.Cents(l.Price.USD),
		nUnitUSD:   index.Cents(l.UnitPriceUSD),
		nFirstSeen: float64(index.Millis(l.FirstSeen)),
		nLastSeen:  float64(index.Millis(l.LastSeen)),
	}
}

// apply indexes ls (merged records); olds[i] is the previously indexed record of ls[i] or
// nil. Orders are rebuilt by one merge pass per field.
func (m *memIndex) apply(olds []*record.Listing, ls []record.Listing) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	var changed, moved [nNum][]uint32
	var newDocs []uint32
	for i, l := range ls {
		doc, ok := m.docs[l.ID]
		if !ok {
			doc = uint32(len(m.ids))
			m.ids = append(m.ids, l.ID)
			m.docs[l.ID] = doc
			for f := range m.num {
				m.num[f].col = append(m.num[f].col, 0)
			}
			m.vendorOf = append(m.vendorOf, -1)
			m.cols.grow()
			newDocs = append(newDocs, doc)
		}
		oldVendor := m.vendorOf[doc]
		m.setVendor(doc, l.VendorID)
		nv := kwValues(l)
		var ov *[nKW][]string
		if ok && olds[i] != nil {
			ov = new(kwValues(*olds[i]))
		}
		m.updateRows(ov, oldVendor, &nv, m.vendorOf[doc])
		m.cols.set(doc, &nv)
		if ov != nil {
			for f := range nv {
				for _, v := range ov[f] {
					if !slices.Contains(nv[f], v) {
						if bm := m.kw[f][v]; bm != nil {
							bm.Remove(doc)
							if bm.IsEmpty() {
								delete(m.kw[f], v)
								delete(m.rows[f], v)
							}
						}
					}
				}
			}
		}
		for f := range nv {
			for _, v := range nv[f] {
				bm := m.kw[f][v]
				if bm == nil {
					bm = roaring.New()
					m.kw[f][v] = bm
				}
				bm.Add(doc)
			}
		}
		num := numValues(l)
		for f := range num {
			if !ok || m.num[f].col[doc] != num[f] {
				if ok {
					moved[f] = append(moved[f], doc)
				}
				m.num[f].col[doc] = num[f]
				changed[f] = append(changed[f], doc)
			}
		}
	}
	for f := range m.num {
		m.num[f].order = m.mergeOrder(m.num[f].order, changed[f], moved[f], m.numLess(f))
	}
	m.byID = m.mergeOrder(m.byID, newDocs, nil, func(a, b uint32) int { return strings.Compare(m.ids[a], m.ids[b]) })
}

// ranks is vendorRank, brought up to date with vendorNames. Callers hold mu (read).
func (m *memIndex) ranks() []int32 {
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	if len(m.vendorRank) == len(m.vendorNames) {
		return m.vendorRank
	}
	byName := make([]int32, len(m.vendorNames))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(m.vendorNames[a], m.vendorNames[b]) })
	m.vendorRank = make([]int32, len(m.vendorNames))
	for r, v := range byName {
		m.vendorRank[v] = int32(r)
	}
	return m.vendorRank
}

func (m *memIndex) numLess(f int) func(a, b uint32) int {
	col := m.num[f].col
	return func(a, b uint32) int {
		if c := cmp.Compare(col[a], col[b]); c != 0 {
			return c
		}
		return strings.Compare(m.ids[a], m.ids[b])
	}
}

// mergeOrder returns order with the docs of changed at their place under less; moved are
// the docs of changed that order already holds (at their old place). Cost: one pass to
// drop moved docs, a binary search per changed doc and moving the segments between them
// back, in place (order grows by a sixteenth when full).
func (m *memIndex) mergeOrder(order, changed, moved []uint32, less func(a, b uint32) int) []uint32 {
	if len(changed) == 0 {
		return order
	}
	slices.SortFunc(changed, less)
	changed = slices.Compact(changed)
	if len(moved) > 0 {
		gone := make([]uint64, (len(m.ids)+63)/64)
		for _, d := range moved {
			gone[d>>6] |= 1 << (d & 63)
		}
		// Writers hold mu: no reader sees order while it is compacted in place.
		order = slices.DeleteFunc(order, func(d uint32) bool { return gone[d>>6]&(1<<(d&63)) != 0 })
	}
	at := make([]int, len(changed)) // insertion points, ascending
	prev := 0
	for j, c := range changed {
		prev += sort.Search(len(order)-prev, func(k int) bool { return less(c, order[prev+k]) < 0 })
		at[j] = prev
	}
	n := len(order)
	if need := n + len(changed); need > cap(order) {
		order = slices.Grow(order, len(changed)+need/16)
	}
	order = order[:n+len(changed)]
	end := n
	for j := len(changed) - 1; j >= 0; j-- {
		copy(order[at[j]+j+1:end+j+1], order[at[j]:end])
		order[at[j]+j] = changed[j]
		end = at[j]
	}
	return order
}

// load adds a listing during a bulk load (ids are unique; sortAll follows).
func (m *memIndex) load(l record.Listing) {
	doc := uint32(len(m.ids))
	m.ids = append(m.ids, l.ID)
	m.docs[l.ID] = doc
	vals := kwValues(l)
	for f, vals := range vals {
		for _, v := range vals {
			bm := m.kw[f][v]
			if bm == nil {
				bm = roaring.New()
				m.kw[f][v] = bm
			}
			bm.Add(doc)
		}
	}
	for f, v := range numValues(l) {
		m.num[f].col = append(m.num[f].col, v)
	}
	m.vendorOf = append(m.vendorOf, -1)
	m.setVendor(doc, l.VendorID)
	m.cols.grow()
	m.cols.set(doc, &vals)
}

func (m *memIndex) setVendor(doc uint32, vendorID string) {
	if vendorID == "" {
		m.vendorOf[doc] = -1
		return
	}
	n, ok := m.vendorNum[vendorID]
	if !ok {
		n = int32(len(m.vendorNames))
		m.vendorNames = append(m.vendorNames, vendorID)
		m.vendorNum[vendorID] = n
	}
	m.vendorOf[doc] = n
}

// fillVendors derives vendorOf from the vendor id bitmaps (after loading a snapshot).
func (m *memIndex) fillVendors() {
	m.vendorOf = make([]int32, len(m.ids))
	for i := range m.vendorOf {
		m.vendorOf[i] = -1
	}
	for v, bm := range m.kw[kVendorID] {
		it := bm.Iterator()
		for it.HasNext() {
			m.setVendor(it.Next(), v)
		}
	}
}

// sortAll rebuilds every order from the columns (after a bulk load).
func (m *memIndex) sortAll() {
	n := len(m.ids)
	all := func() []uint32 {
		o := make([]uint32, n)
		for i := range o {
			o[i] = uint32(i)
		}
		return o
	}
	for f := range m.num {
		o := all()
		slices.SortFunc(o, m.numLess(f))
		m.num[f].order = o
	}
	o := all()
	slices.SortFunc(o, func(a, b uint32) int { return strings.Compare(m.ids[a], m.ids[b]) })
	m.byID = o
	for f := range m.kw {
		for _, bm := range m.kw[f] {
			bm.RunOptimize()
		}
	}
	m.cols.clip()
}

// search answers p: the total, the aggregations and (withPage) the listing ids of the
// page, over the docs matching its filters and, when text is not nil, in text (the docs
// matching its free text, see textset.go).
func (m *memIndex) search(p index.Plan, text *roaring.Bitmap, withPage bool) (index.Result, []string) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out, set := m.answer(p, text)
	if !withPage {
		return out, nil
	}
	return out, m.page(set, p.Sort, p.From, p.Size, ranges(p))
}

// answer is the total and the aggregations of p over the docs matching its filters and,
// when text is not nil, in text, and the set of those docs (nil: every doc; it may be
// shared with the index). Callers hold mu (read).
func (m *memIndex) answer(p index.Plan, text *roaring.Bitmap) (index.Result, *roaring.Bitmap) {
	set := m.filter(p)
	if text != nil {
		if set == nil {
			set = text
		} else {
			set = roaring.And(set, text)
		}
	}
	out := index.Result{Total: m.count(set)}
	if len(p.Aggs) > 0 {
		var row *facetRow
		if f, v, ok := singleTerm(p); ok && text == nil {
			row = m.rowFor(f, v)
		}
		if row != nil {
			out.Aggs = m.rowAggs(row, p.Aggs)
		} else {
			out.Aggs = m.aggs(set, p.Aggs)
		}
	}
	return out, set
}

// size is the number of docs.
func (m *memIndex) size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.ids)
}

// docsOf sets out[i] to the doc of ids[i] (noDoc when unknown) and reports whether
// every id is known.
func (m *memIndex) docsOf(ids []string, out []uint32) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	all := true
	for i, id := range ids {
		d, ok := m.docs[id]
		if !ok {
			d, all = noDoc, false
		}
		out[i] = d
	}
	return all
}

// terms is the union of the bitmaps of vals in field f (an empty bitmap when none exist).
func (m *memIndex) terms(f int, vals []string) *roaring.Bitmap {
	var bs []*roaring.Bitmap
	for _, v := range vals {
		if bm := m.kw[f][v]; bm != nil {
			bs = append(bs, bm)
		}
	}
	switch len(bs) {
	case 0:
		return roaring.New()
	case 1:
		return bs[0] // callers never modify a single term's bitmap (see and)
	}
	return roaring.FastOr(bs...)
}

// bounds is the part [i, j) of field f's order whose values are within [lo, hi]
// (nil: unbounded).
func (m *memIndex) bounds(f int, r *valueRange) (i, j int) {
	nf := m.num[f]
	i, j = 0, len(nf.order)
	if r == nil {
		return i, j
	}
	if r.lo != nil {
		i = sort.Search(len(nf.order), func(k int) bool { return nf.col[nf.order[k]] >= *r.lo })
	}
	if r.hi != nil {
		j = sort.Search(len(nf.order), func(k int) bool { return nf.col[nf.order[k]] > *r.hi })
	}
	return i, max(i, j)
}

// numRange is the docs whose value of field f is within r.
func (m *memIndex) numRange(f int, r *valueRange) *roaring.Bitmap {
	i, j := m.bounds(f, r)
	if i >= j {
		return roaring.New()
	}
	// Set bits in a dense bitset (O(matches), no sort), then compress.
	words := make([]uint64, (len(m.ids)+63)/64)
	for _, d := range m.num[f].order[i:j] {
		words[d>>6] |= 1 << (d & 63)
	}
	return roaring.FromDense(words, false)
}

// filter is the set of docs matching the filters of p (not its text), or nil for every
// doc. The returned bitmap may be shared with the index: callers only read it.
func (m *memIndex) filter(p index.Plan) *roaring.Bitmap {
	var sets []*roaring.Bitmap
	for _, c := range filterClauses(p) {
		var bs []*roaring.Bitmap
		for _, t := range c {
			if len(t.vals) > 0 {
				bs = append(bs, m.terms(t.field, t.vals))
			}
		}
		switch len(bs) {
		case 0:
			sets = append(sets, roaring.New())
		case 1:
			sets = append(sets, bs[0])
		default:
			sets = append(sets, roaring.FastOr(bs...))
		}
	}
	for f, r := range ranges(p) {
		if r != nil {
			sets = append(sets, m.numRange(f, r))
		}
	}
	switch len(sets) {
	case 0:
		return nil
	case 1:
		return sets[0]
	}
	slices.SortFunc(sets, func(a, b *roaring.Bitmap) int { return cmp.Compare(a.GetCardinality(), b.GetCardinality()) })
	return roaring.FastAnd(sets...)
}

// count is the number of docs in set (nil: every doc).
func (m *memIndex) count(set *roaring.Bitmap) int {
	if set == nil {
		return len(m.ids)
	}
	return int(set.GetCardinality())
}

// aggs counts the docs of set per value of each aggregation, sorted as index.SortBuckets.
func (m *memIndex) aggs(set *roaring.Bitmap, names []string) map[string][]index.Bucket {
	out := map[string][]index.Bucket{}
	var fields []int
	var counted []string
	for _, a := range names {
		switch f := aggKW(a); {
		case set == nil:
			out[a] = m.allBuckets(a)
		case f == kVendorID:
			out[a] = m.vendorBuckets(set)
		default:
			fields, counted = append(fields, f), append(counted, a)
		}
	}
	if len(fields) > 0 {
		for i, bs := range m.cols.buckets(set, fields) {
			out[counted[i]] = sortCut(bs)
		}
	}
	return out
}

// allBuckets are the buckets of aggregation a over every doc, cached until the next
// write. Callers hold mu (read).
func (m *memIndex) allBuckets(a string) []index.Bucket {
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	if m.allAggs == nil || m.allAggsGen != m.gen {
		m.allAggs, m.allAggsGen = map[string][]index.Bucket{}, m.gen
	}
	bs, ok := m.allAggs[a]
	if !ok {
		bs = []index.Bucket{}
		for v, bm := range m.kw[aggKW(a)] {
			bs = append(bs, index.Bucket{Key: v, Count: int(bm.GetCardinality())})
		}
		m.allAggs[a] = sortCut(bs)
	}
	return slices.Clone(bs)
}

// vendorBuckets counts the docs of set per vendor id, sorted as index.SortBuckets and cut
// to maxBuckets.
func (m *memIndex) vendorBuckets(set *roaring.Bitmap) []index.Bucket {
	var cs []vendorCount
	for v, n := range m.countVendors(set) {
		if n > 0 {
			cs = append(cs, vendorCount{n: n, v: int32(v)})
		}
	}
	return m.vendorBucketsOf(cs)
}

func aggKW(a string) int { return aggKWField[a] }

// page returns the listing ids of docs [from, from+size) of set in the order ss (ties by
// id ascending); size 0 means to the end. A sparse set is sorted directly; a dense one is
// read by walking the field's order until the page is full.
func (m *memIndex) page(set *roaring.Bitmap, ss index.SortSpec, from, size int, rs [nNum]*valueRange) []string {
	total := m.count(set)
	if size == 0 || from+size > total {
		size = total - from
	}
	if size <= 0 {
		return nil
	}
	f, ok := sortNumField[ss.Field]
	if !ok {
		f = -1
	}
	desc := ss.Desc && ss.Field != index.SortRelevance // relevance without text: every score is equal
	var less func(a, b uint32) int
	order := m.byID
	if f >= 0 {
		less, order = m.numLess(f), m.num[f].order
		// A range on the sort field: only that part of the order can match.
		i, j := m.bounds(f, rs[f])
		order = order[i:j]
		if desc {
			col := m.num[f].col
			less = func(a, b uint32) int {
				if c := cmp.Compare(col[b], col[a]); c != 0 {
					return c
				}
				return strings.Compare(m.ids[a], m.ids[b])
			}
		}
	} else {
		less = func(a, b uint32) int { return strings.Compare(m.ids[a], m.ids[b]) }
		if desc {
			less = func(a, b uint32) int { return strings.Compare(m.ids[b], m.ids[a]) }
		}
	}
	need := from + size
	if set == nil {
		return m.pageAll(order, f, desc, from, need)
	}
	out := make([]string, 0, size)
	// Walking the order visits about need*N/total docs; sorting the set costs total*log.
	if set != nil && float64(need)*float64(len(order))/float64(max(total, 1)) > 4*float64(total) {
		docs := set.ToArray()
		slices.SortFunc(docs, less)
		for _, d := range docs[from:need] {
			out = append(out, m.ids[d])
		}
		return out
	}
	seen := 0
	emit := func(d uint32) bool {
		if set != nil && !set.Contains(d) {
			return true
		}
		if seen >= from {
			out = append(out, m.ids[d])
		}
		seen++
		return seen < need
	}
	switch {
	case !desc:
		for _, d := range order {
			if !emit(d) {
				break
			}
		}
	case f < 0: // id descending
		for i := len(order) - 1; i >= 0; i-- {
			if !emit(order[i]) {
				break
			}
		}
	default: // value descending, ties by id ascending: walk runs of equal values forwards
		col := m.num[f].col
		for hi := len(order); hi > 0; {
			lo := hi - 1
			for lo > 0 && col[order[lo-1]] == col[order[hi-1]] {
				lo--
			}
			for _, d := range order[lo:hi] {
				if !emit(d) {
					return out
				}
			}
			hi = lo
		}
	}
	return out
}

// pageAll is page for every doc (no filter): positions [from, need) of order (the sort
// field's order, f < 0 for the id order) read directly, without walking what precedes
// them. Descending by value, ties stay by id ascending: the run of equal values holding
// the position is found by binary search and read forwards.
func (m *memIndex) pageAll(order []uint32, f int, desc bool, from, need int) []string {
	out := make([]string, 0, need-from)
	n := len(order)
	switch {
	case !desc:
		for _, d := range order[from:need] {
			out = append(out, m.ids[d])
		}
	case f < 0: // id descending
		for i := n - 1 - from; i > n-1-need; i-- {
			out = append(out, m.ids[order[i]])
		}
	default:
		col := m.num[f].col
		for pos := from; pos < need; {
			v := col[order[n-1-pos]]
			lo := sort.Search(n, func(k int) bool { return col[order[k]] >= v })
			hi := sort.Search(n, func(k int) bool { return col[order[k]] > v })
			// The run [lo, hi) holds descending positions [n-hi, n-lo).
			for r := pos - (n - hi); r < hi-lo && pos < need; r++ {
				out = append(out, m.ids[order[lo+r]])
				pos++
			}
		}
	}
	return out
}
