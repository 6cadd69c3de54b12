package embedded

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/search"

	"github.com/darkwatch/darkwatch/index"
)

// A page sorted by relevance needs the BM25 score of every match (a match anywhere may
// score highest) but not the machinery Bleve scores with: its searchers allocate a
// document match per hit, merge the terms' iterators and pass each hit through a
// collector. Here the matches are already known (textMatch: per segment, the local docs
// holding every term), so each term's postings are read once, in doc order, skipping to
// the matches that passed the filters, and the score is kept only if it enters a bounded
// heap of the page's from+size best (score descending, id ascending). The score is
// Bleve's own, computed with its formula and statistics in its order (bm25 below);
// TestRelevanceScoresMatchBleve checks it is the same float for every match.

// bm25 is Bleve's BM25 scoring of a conjunction of terms in the text field (see Bleve's
// search/scorer TermQueryScorer and ConjunctionSearcher): per term
// idf * (tf*k1) / (tf + k1*(1-b+b*fieldLength/avgDocLength)), tf the square root of the
// term frequency and fieldLength 1/norm^2, times the term's query weight
// idf/sqrt(sum of idf^2) when the query is a conjunction (several terms, or filters);
// the terms' scores are summed in Bleve's order of its searchers (ascending doc count).
type bm25 struct {
	avgDocLength float64
	order        []int     // term indexes in summing order
	idf, weight  []float64 // by term index
}

// newBM25 is the scoring of tm's terms in tm's snapshot; conj: the query is a
// conjunction.
func newBM25(tm *textMatch, conj bool) (*bm25, error) {
	n, err := tm.snap.DocCount()
	if err != nil {
		return nil, err
	}
	card, err := tm.snap.FieldCardinality(fText)
	if err != nil {
		return nil, err
	}
	bm := &bm25{idf: make([]float64, len(tm.terms)), weight: make([]float64, len(tm.terms))}
	if n > 0 {
		bm.avgDocLength = math.Ceil(float64(card) / float64(n))
	}
	df := make([]uint64, len(tm.terms))
	for _, ss := range tm.snap.Segments() {
		dict, err := ss.Segment().Dictionary(fText)
		if err != nil {
			return nil, fmt.Errorf("text dictionary: %w", err)
		}
		for i, t := range tm.terms {
			pl, err := dict.PostingsList([]byte(t), ss.Deleted(), nil)
			if err != nil {
				return nil, fmt.Errorf("postings of %q: %w", t, err)
			}
			df[i] += pl.Count()
		}
	}
	for i := range tm.terms {
		bm.order = append(bm.order, i)
		bm.idf[i] = math.Log(1 + (float64(n)-float64(df[i])+0.5)/(float64(df[i])+0.5))
		bm.weight[i] = 1
	}
	slices.SortStableFunc(bm.order, func(a, b int) int { return cmp.Compare(df[a], df[b]) })
	if conj {
		sum := 0.0
		for _, i := range bm.order {
			w := 1 * bm.idf[i]
			sum += w * w
		}
		norm := 1.0 / math.Sqrt(sum)
		for i := range bm.weight {
			bm.weight[i] = 1 * bm.idf[i] * norm
		}
	}
	return bm, nil
}

// score is term i's score in a doc where it occurs freq times in a field of norm norm.
func (bm *bm25) score(i int, freq uint64, norm float64) float64 {
	tf := math.Sqrt(float64(freq))
	fieldLength := 1 / (norm * norm)
	s := bm.idf[i] * (tf * search.BM25_k1) /
		(tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/bm.avgDocLength)))
	if bm.weight[i] != 1.0 {
		s *= bm.weight[i]
	}
	return s
}

// scoreMatches calls fn with the memIndex doc and the BM25 score of every match of tm
// in set (p is the query: whether Bleve scores it as a conjunction).
func scoreMatches(tm *textMatch, p index.Plan, set *roaring.Bitmap, fn func(doc uint32, score float64)) error {
	conj := len(tm.terms)+len(filterClauses(p)) > 1 || ranges(p) != [nNum]*valueRange{}
	bm, err := newBM25(tm, conj)
	if err != nil {
		return err
	}
	var locals, docs []uint32
	var scores []float64
	buf := make([]uint32, 1024)
	for _, sm := range tm.segs {
		locals, docs = locals[:0], docs[:0]
		it := sm.local.ManyIterator()
		for k := it.NextMany(buf); k > 0; k = it.NextMany(buf) {
			for _, l := range buf[:k] {
				if d := sm.table[l]; d != noDoc && set.Contains(d) {
					locals, docs = append(locals, l), append(docs, d)
				}
			}
		}
		if len(locals) == 0 {
			continue
		}
		scores = append(scores[:0], make([]float64, len(locals))...)
		dict, err := sm.seg.Dictionary(fText)
		if err != nil {
			return fmt.Errorf("text dictionary: %w", err)
		}
		for _, i := range bm.order {
			pl, err := dict.PostingsList([]byte(tm.terms[i]), sm.deleted, nil)
			if err != nil {
				return fmt.Errorf("postings of %q: %w", tm.terms[i], err)
			}
			pit := pl.Iterator(true, true, false, nil)
			for j, l := range locals {
				post, err := pit.Advance(uint64(l))
				if err != nil {
					return fmt.Errorf("postings of %q: %w", tm.terms[i], err)
				}
				if post == nil || post.Number() != uint64(l) {
					return fmt.Errorf("postings of %q: doc %d missing", tm.terms[i], l)
				}
				scores[j] += bm.score(i, post.Frequency(), post.Norm())
			}
		}
		for j, d := range docs {
			fn(d, scores[j])
		}
	}
	return nil
}

// relevancePage is the listing ids of docs [from, from+size) of set (size 0: to the end)
// sorted by BM25 score descending, then id. Callers hold s.mem.mu (read).
func (s *Store) relevancePage(tm *textMatch, p index.Plan, set *roaring.Bitmap) ([]string, error) {
	total := int(set.GetCardinality())
	need := p.From + p.Size
	if p.Size == 0 || need > total {
		need = total
	}
	if p.From >= need {
		return nil, nil
	}
	ids := s.mem.ids
	top := &topScored{max: need, worse: func(a, b scoredDoc) bool {
		if a.score != b.score {
			return a.score < b.score
		}
		return ids[a.doc] > ids[b.doc]
	}}
	if err := scoreMatches(tm, p, set, func(d uint32, sc float64) { top.push(scoredDoc{sc, d}) }); err != nil {
		return nil, fmt.Errorf("embedded: score: %w", err)
	}
	best := top.h
	slices.SortFunc(best, func(a, b scoredDoc) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return strings.Compare(ids[a.doc], ids[b.doc])
	})
	out := make([]string, 0, max(0, len(best)-p.From))
	for _, x := range best[min(p.From, len(best)):] {
		out = append(out, ids[x.doc])
	}
	return out, nil
}

type scoredDoc struct {
	score float64
	doc   uint32
}

// topScored keeps the max best docs pushed: a binary heap whose root is the worst kept.
type topScored struct {
	max   int
	worse func(a, b scoredDoc) bool
	h     []scoredDoc
}

func (t *topScored) push(x scoredDoc) {
	if len(t.h) < t.max {
		t.h = append(t.h, x)
		for i := len(t.h) - 1; i > 0; {
			parent := (i - 1) / 2
			if !t.worse(t.h[i], t.h[parent]) {
				break
			}
			t.h[i], t.h[parent] = t.h[parent], t.h[i]
			i = parent
		}
		return
	}
	if t.max == 0 || !t.worse(t.h[0], x) {
		return
	}
	t.h[0] = x
	for i := 0; ; {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(t.h) && t.worse(t.h[l], t.h[w]) {
			w = l
		}
		if r < len(t.h) && t.worse(t.h[r], t.h[w]) {
			w = r
		}
		if w == i {
			return
		}
		t.h[i], t.h[w] = t.h[w], t.h[i]
		i = w
	}
}
