package embedded

import (
	"errors"
	"fmt"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A free-text query is matched through Bleve's postings, and everything else it asks
// (total, facet counts, pages not sorted by relevance) is answered by the in-memory index
// from the matching set, as for a query without text. Bleve's postings of a term are a
// roaring bitmap of the segment's local document numbers; textSet intersects the terms'
// bitmaps per segment and translates the result into memIndex document numbers through a
// table per segment (segments are immutable, so a table is built once per segment, from
// the segment's ids, and dropped when a merge retires the segment). The cost follows the
// number of matches, with no scoring and no per-hit document value reads.

// segTables caches, per Bleve segment, the memIndex doc of each local doc number.
type segTables struct {
	mu     sync.Mutex
	mem    *memIndex // the tables hold this index's doc numbers
	tables map[segment.Segment][]uint32
}

// noDoc marks a local doc whose id the memIndex does not hold (yet).
const noDoc = ^uint32(0)

// errNoPostings: the search index is not a scorch index (textSet cannot read postings).
var errNoPostings = errors.New("search index gives no postings access")

// textSet is the set of memIndex docs whose text holds every one of terms (analysed, as
// indexed).
func (s *Store) textSet(terms []string) (*roaring.Bitmap, error) {
	out := roaring.New()
	if len(terms) == 0 {
		return out, nil
	}
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, errNoPostings
	}
	segs := snap.Segments()
	live := make(map[segment.Segment]bool, len(segs))
	for _, ss := range segs {
		seg := ss.Segment()
		live[seg] = true
		local, err := segmentMatches(seg, ss.Deleted(), terms)
		if err != nil {
			return nil, err
		}
		if local.IsEmpty() {
			continue
		}
		table, err := s.segTable(seg)
		if err != nil {
			return nil, err
		}
		// Set bits in a dense bitset (tables map local order to arbitrary doc numbers),
		// then compress.
		words := make([]uint64, (s.mem.size()+63)/64)
		it := local.ManyIterator()
		buf := make([]uint32, 1024)
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, l := range buf[:n] {
				if d := table[l]; d != noDoc && int(d>>6) < len(words) {
					words[d>>6] |= 1 << (d & 63)
				}
			}
		}
		out.Or(roaring.FromDense(words, false))
	}
	s.tables.retain(live)
	return out, nil
}

// segmentMatches is the set of live local docs of seg holding every term in the text
// field.
func segmentMatches(seg segment.Segment, deleted *roaring.Bitmap, terms []string) (*roaring.Bitmap, error) {
	dict, err := seg.Dictionary(fText)
	if err != nil {
		return nil, fmt.Errorf("text dictionary: %w", err)
	}
	var set *roaring.Bitmap
	for _, t := range terms {
		pl, err := dict.PostingsList([]byte(t), deleted, nil)
		if err != nil {
			return nil, fmt.Errorf("postings of %q: %w", t, err)
		}
		bm, err := postingsBitmap(pl)
		if err != nil {
			return nil, err
		}
		if set == nil {
			set = bm.Clone()
		} else {
			set.And(bm)
		}
		if set.IsEmpty() {
			break
		}
	}
	return set, nil
}

// postingsBitmap is the set of docs of pl (read only: it may be the segment's own).
func postingsBitmap(pl segment.PostingsList) (*roaring.Bitmap, error) {
	it := pl.Iterator(false, false, false, nil)
	if opt, ok := it.(segment.OptimizablePostingsIterator); ok {
		if bm := opt.ActualBitmap(); bm != nil {
			return bm, nil
		}
		bm := roaring.New()
		if d, ok := opt.DocNum1Hit(); ok {
			bm.Add(uint32(d))
		}
		return bm, nil
	}
	bm := roaring.New()
	for {
		p, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("postings: %w", err)
		}
		if p == nil {
			return bm, nil
		}
		bm.Add(uint32(p.Number()))
	}
}

// segTable is the memIndex doc of each local doc of seg, built once per segment (a table
// with docs the memIndex does not hold yet, written but not yet applied, is not kept).
func (s *Store) segTable(seg segment.Segment) ([]uint32, error) {
	st := &s.tables
	st.mu.Lock()
	if st.mem != s.mem {
		st.mem, st.tables = s.mem, map[segment.Segment][]uint32{}
	}
	table, ok := st.tables[seg]
	st.mu.Unlock()
	if ok {
		return table, nil
	}
	table = make([]uint32, seg.Count())
	complete := true
	var buf []string
	for from := 0; from < len(table); from += len(buf) {
		buf = buf[:0]
		for n := from; n < len(table) && len(buf) < 4096; n++ {
			id, err := seg.DocID(uint64(n))
			if err != nil {
				return nil, fmt.Errorf("id of doc %d: %w", n, err)
			}
			buf = append(buf, string(id))
		}
		if !s.mem.docsOf(buf, table[from:from+len(buf)]) {
			complete = false
		}
	}
	if complete {
		st.mu.Lock()
		if st.mem == s.mem {
			st.tables[seg] = table
		}
		st.mu.Unlock()
	}
	return table, nil
}

// retain drops the tables of segments not in live.
func (st *segTables) retain(live map[segment.Segment]bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for seg := range st.tables {
		if !live[seg] {
			delete(st.tables, seg)
		}
	}
}
