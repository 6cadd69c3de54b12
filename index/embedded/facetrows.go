package embedded

import (
	"cmp"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/darkwatch/darkwatch/index"
)

// Facet rows make the facet counts of the commonest filtered page, one keyword value (a
// substance, a market, a vendor's page), cost what they return instead of what the filter
// matches: counting the aggregations over a set intersects it with every value's bitmap,
// which grows with the set, and a frequent substance is a quarter of the corpus. A row
// holds, for one filter value, the number of its docs per value of each aggregation. A
// row is built by the first query of its value (a count over its docs, as without rows)
// and from then on kept exact by every write: apply subtracts a changed doc's old values
// from the rows of its old filter values and adds its new values to the rows of its new
// ones. Values with fewer than rowMin docs get no row (counting their docs is cheap), so
// rows take memory only for the frequent values. Rows are not saved with the snapshot:
// after a restart they are built again on first use.

// facetRowMin is the default memIndex.rowMin.
const facetRowMin = 1024

// facetRow is the count of a filter value's docs per value of each aggregation.
type facetRow struct {
	counts  [nKW]map[string]int32 // aggregation field (not kVendorID) -> value -> docs
	vendors map[int32]int32       // vendor number -> docs
}

// rowAggFields are the keyword fields of the aggregations but the vendor's, which rows
// count by vendor number.
var rowAggFields = func() []int {
	var out []int
	for _, f := range aggKWField {
		if f != kVendorID {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}()

func newFacetRow() *facetRow {
	r := &facetRow{vendors: map[int32]int32{}}
	for _, f := range rowAggFields {
		r.counts[f] = map[string]int32{}
	}
	return r
}

// add adds d (1 or -1) docs holding vals and vendor (-1: none) to r.
func (r *facetRow) add(vals *[nKW][]string, vendor int32, d int32) {
	for _, f := range rowAggFields {
		c := r.counts[f]
		for _, v := range vals[f] {
			if c[v] += d; c[v] == 0 {
				delete(c, v)
			}
		}
	}
	if vendor >= 0 {
		if r.vendors[vendor] += d; r.vendors[vendor] == 0 {
			delete(r.vendors, vendor)
		}
	}
}

// rowFor is the row of value v of keyword field f, built now if v has at least rowMin
// docs and no row yet; nil when v has fewer. Callers hold mu (read).
func (m *memIndex) rowFor(f int, v string) *facetRow {
	bm := m.kw[f][v]
	if bm == nil || bm.GetCardinality() < uint64(m.rowMin) {
		return nil
	}
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	if r := m.rows[f][v]; r != nil {
		return r
	}
	r := m.countRow(bm)
	if m.rows[f] == nil {
		m.rows[f] = map[string]*facetRow{}
	}
	m.rows[f][v] = r
	return r
}

// countRow counts the docs of set per aggregation value (a row built from the columns).
func (m *memIndex) countRow(set *roaring.Bitmap) *facetRow {
	r := newFacetRow()
	for i, bs := range m.cols.buckets(set, rowAggFields) {
		for _, b := range bs {
			r.counts[rowAggFields[i]][b.Key] = int32(b.Count)
		}
	}
	for v, n := range m.countVendors(set) {
		if n > 0 {
			r.vendors[int32(v)] = n
		}
	}
	return r
}

// updateRows moves a doc between rows: out of the rows of its old filter values (ovals,
// ovendor; nil when the doc is new) and into those of its new ones. Callers hold mu.
func (m *memIndex) updateRows(ovals *[nKW][]string, ovendor int32, nvals *[nKW][]string, nvendor int32) {
	for f := range m.rows {
		if len(m.rows[f]) == 0 {
			continue
		}
		if ovals != nil {
			for _, v := range ovals[f] {
				if r := m.rows[f][v]; r != nil {
					r.add(ovals, ovendor, -1)
				}
			}
		}
		for _, v := range nvals[f] {
			if r := m.rows[f][v]; r != nil {
				r.add(nvals, nvendor, 1)
			}
		}
	}
}

// rowAggs are the buckets of aggregations names from row r, sorted as index.SortBuckets.
func (m *memIndex) rowAggs(r *facetRow, names []string) map[string][]index.Bucket {
	out := map[string][]index.Bucket{}
	for _, a := range names {
		f := aggKW(a)
		if f == kVendorID {
			cs := make([]vendorCount, 0, len(r.vendors))
			for v, n := range r.vendors {
				cs = append(cs, vendorCount{n: n, v: v})
			}
			out[a] = m.vendorBucketsOf(cs)
			continue
		}
		bs := make([]index.Bucket, 0, len(r.counts[f]))
		for v, n := range r.counts[f] {
			bs = append(bs, index.Bucket{Key: v, Count: int(n)})
		}
		out[a] = sortCut(bs)
	}
	return out
}

// sortCut sorts bs as index.SortBuckets and keeps the first maxBuckets.
func sortCut(bs []index.Bucket) []index.Bucket {
	index.SortBuckets(bs)
	if len(bs) > maxBuckets {
		bs = bs[:maxBuckets]
	}
	return bs
}

// vendorCount is the count n of vendor number v.
type vendorCount struct{ n, rank, v int32 }

// countVendors is the number of docs of set per vendor number.
func (m *memIndex) countVendors(set *roaring.Bitmap) []int32 {
	counts := make([]int32, len(m.vendorNames))
	it := set.ManyIterator()
	buf := make([]uint32, 1024)
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, d := range buf[:n] {
			if v := m.vendorOf[d]; v >= 0 {
				counts[v]++
			}
		}
	}
	return counts
}

// vendorBucketsOf sorts the vendor counts cs as index.SortBuckets (by count, then by
// vendorRank: tens of thousands of vendors at a million listings, most with equal small
// counts, sort on integers) and cuts them to maxBuckets.
func (m *memIndex) vendorBucketsOf(cs []vendorCount) []index.Bucket {
	rank := m.ranks()
	for i := range cs {
		cs[i].rank = rank[cs[i].v]
	}
	slices.SortFunc(cs, func(a, b vendorCount) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.rank, b.rank)
	})
	bs := make([]index.Bucket, 0, min(len(cs), maxBuckets))
	for _, c := range cs[:min(len(cs), maxBuckets)] {
		bs = append(bs, index.Bucket{Key: m.vendorNames[c.v], Count: int(c.n)})
	}
	return bs
}
