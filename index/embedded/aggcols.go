package embedded

import (
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/darkwatch/darkwatch/index"
)

// aggCols hold, per aggregation field but the vendor's (rowAggFields), the values of each
// doc as numbers: the facet counts of a set that no facet row answers (text, several
// filters) are one pass over the set's docs, incrementing a counter per value, instead of
// an intersection of the set with every value's bitmap (which reads every doc holding a
// value, in the set or not). Most docs hold one or two values of a field: two columns,
// and a map for the third value on.
type aggCols struct {
	names [nKW][]string
	num   [nKW]map[string]int32
	a, b  [nKW][]int32            // first and second value of each doc (-1: none)
	more  [nKW]map[uint32][]int32 // third value on (b holds moreFlag)
}

// moreFlag marks a second value whose doc holds more (in aggCols.more).
const moreFlag = 1 << 30

func newAggCols() aggCols {
	var c aggCols
	for _, f := range rowAggFields {
		c.num[f] = map[string]int32{}
		c.more[f] = map[uint32][]int32{}
	}
	return c
}

// grow adds a doc without values.
func (c *aggCols) grow() {
	for _, f := range rowAggFields {
		c.a[f], c.b[f] = append(c.a[f], -1), append(c.b[f], -1)
	}
}

// add adds value v of field f to doc.
func (c *aggCols) add(f int, doc uint32, v string) {
	c.addNum(f, doc, c.number(f, v))
}

// number is the number of value v of field f.
func (c *aggCols) number(f int, v string) int32 {
	n, ok := c.num[f][v]
	if !ok {
		n = int32(len(c.names[f]))
		c.names[f] = append(c.names[f], v)
		c.num[f][v] = n
	}
	return n
}

// addNum adds value number n of field f to doc.
func (c *aggCols) addNum(f int, doc uint32, n int32) {
	switch {
	case c.a[f][doc] < 0:
		c.a[f][doc] = n
	case c.b[f][doc] < 0:
		c.b[f][doc] = n
	default:
		c.b[f][doc] |= moreFlag
		c.more[f][doc] = append(c.more[f][doc], n)
	}
}

// set replaces the values of doc with vals.
func (c *aggCols) set(doc uint32, vals *[nKW][]string) {
	for _, f := range rowAggFields {
		c.a[f][doc], c.b[f][doc] = -1, -1
		delete(c.more[f], doc)
		for _, v := range vals[f] {
			c.add(f, doc, v)
		}
	}
}

// clip drops the spare capacity of the columns (after a bulk load).
func (c *aggCols) clip() {
	for _, f := range rowAggFields {
		c.a[f], c.b[f] = slices.Clone(c.a[f]), slices.Clone(c.b[f])
	}
}

// fill sets the values of every doc from the bitmaps of kw (after loading a snapshot).
func (c *aggCols) fill(kw *[nKW]map[string]*roaring.Bitmap, docs int) {
	for _, f := range rowAggFields {
		c.a[f], c.b[f] = make([]int32, docs), make([]int32, docs)
		for i := range docs {
			c.a[f][i], c.b[f][i] = -1, -1
		}
	}
	for _, f := range rowAggFields {
		for v, bm := range kw[f] {
			n := c.number(f, v)
			it := bm.Iterator()
			for it.HasNext() {
				c.addNum(f, it.Next(), n)
			}
		}
	}
}

// buckets counts the docs of set per value of each field of fields (kw fields of
// rowAggFields) in one pass, as unsorted buckets.
func (c *aggCols) buckets(set *roaring.Bitmap, fields []int) [][]index.Bucket {
	counts := make([][]int32, len(fields))
	for i, f := range fields {
		counts[i] = make([]int32, len(c.names[f]))
	}
	it := set.ManyIterator()
	buf := make([]uint32, 1024)
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for i, f := range fields {
			a, b, cn := c.a[f], c.b[f], counts[i]
			for _, d := range buf[:n] {
				if v := a[d]; v >= 0 {
					cn[v]++
					if v := b[d]; v >= 0 {
						cn[v&^moreFlag]++
						if v&moreFlag != 0 {
							for _, v := range c.more[f][d] {
								cn[v]++
							}
						}
					}
				}
			}
		}
	}
	out := make([][]index.Bucket, len(fields))
	for i, f := range fields {
		bs := []index.Bucket{}
		for v, k := range counts[i] {
			if k > 0 {
				bs = append(bs, index.Bucket{Key: c.names[f][v], Count: int(k)})
			}
		}
		out[i] = bs
	}
	return out
}
