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
// roaring bitmap of the segment's local document numbers; textMatch intersects the terms'
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

// errNoPostings: the search index is not a scorch index (textMatch cannot read postings).
var errNoPostings = errors.New("search index gives no postings access")

// textMatch is the match of a free text in one snapshot of the Bleve index: per segment
// the live local docs holding every term, and the same docs as memIndex docs (set).
// Close releases the snapshot.
type textMatch struct {
	snap  *scorch.IndexSnapshot
	close func() error
	terms []string
	segs  []segMatch
	set   *roaring.Bitmap
}

// segMatch is the match of a text in one segment.
type segMatch struct {
	seg     segment.Segment
	deleted *roaring.Bitmap
	local   *roaring.Bitmap // live local docs holding every term
	table   []uint32        // local doc -> memIndex doc (noDoc: not applied yet)
}

func (tm *textMatch) Close() error { return tm.close() }

// textMatch matches terms (analysed, as indexed) in the current snapshot of the Bleve
// index; the caller closes it.
func (s *Store) textMatch(terms []string) (*textMatch, error) {
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		r.Close()
		return nil, errNoPostings
	}
	tm := &textMatch{snap: snap, close: r.Close, terms: terms, set: roaring.New()}
	if len(terms) == 0 {
		return tm, nil
	}
	segs := snap.Segments()
	live := make(map[segment.Segment]bool, len(segs))
	// Set bits in a dense bitset (tables map local order to arbitrary doc numbers), then
	// compress once.
	words := make([]uint64, (s.mem.size()+63)/64)
	buf := make([]uint32, 1024)
	for _, ss := range segs {
		seg := ss.Segment()
		live[seg] = true
		local, err := segmentMatches(seg, ss.Deleted(), terms)
		if err != nil {
			tm.Close()
			return nil, err
		}
		if local.IsEmpty() {
			continue
		}
		table, err := s.segTable(seg)
		if err != nil {
			tm.Close()
			return nil, err
		}
		tm.segs = append(tm.segs, segMatch{seg: seg, deleted: ss.Deleted(), local: local, table: table})
		it := local.ManyIterator()
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, l := range buf[:n] {
				if d := table[l]; d != noDoc && int(d>>6) < len(words) {
					words[d>>6] |= 1 << (d & 63)
				}
			}
		}
	}
	tm.set = roaring.FromDense(words, false)
	s.tables.retain(live)
	return tm, nil
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
