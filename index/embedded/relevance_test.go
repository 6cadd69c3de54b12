package embedded

import (
	"context"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/darkwatch/darkwatch/index"
)

// TestRelevanceScoresMatchBleve checks that the scores relevance.go computes from the
// postings are Bleve's own, to the last bit, for every match of text queries of one to
// three terms, with and without filters (a conjunction weighs the terms), over several
// segments and after updates that delete documents from older segments.
func TestRelevanceScoresMatchBleve(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, t.TempDir())
	defer s.Close()
	c := synthScale(900, 8)
	for i := 0; i < len(c.listings); i += 150 {
		if err := s.PutListings(ctx, c.listings[i:i+150]); err != nil {
			t.Fatal(err)
		}
	}
	upd := c.listings[100:250]
	for i := range upd {
		upd[i].Description = "stealth shipping " + upd[i].Description
	}
	if err := s.PutListings(ctx, upd); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, q := range textQueries(c) {
		p, err := index.MakePlan(ctx, q, s)
		if err != nil {
			t.Fatal(err)
		}
		terms, err := s.textTerms(p.Text)
		if err != nil {
			t.Fatal(err)
		}
		tm, err := s.textMatch(terms)
		if err != nil {
			t.Fatal(err)
		}
		s.mem.mu.RLock()
		_, set := s.mem.answer(p, tm.set)
		got := map[string]float64{}
		err = scoreMatches(tm, p, set, func(d uint32, sc float64) { got[s.mem.ids[d]] = sc })
		s.mem.mu.RUnlock()
		tm.Close()
		if err != nil {
			t.Fatal(err)
		}
		bq, err := s.buildQuery(p)
		if err != nil {
			t.Fatal(err)
		}
		req := bleve.NewSearchRequestOptions(bq, len(c.listings), 0, false)
		res, err := s.idx.SearchInContext(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != len(got) {
			t.Errorf("%q %+v: scored %d matches, Bleve %d", q.Text, q, len(got), len(res.Hits))
		}
		for _, h := range res.Hits {
			if sc, ok := got[h.ID]; !ok || sc != h.Score {
				t.Errorf("%q: %s: score %v (scored %v), Bleve %v", q.Text, h.ID, sc, ok, h.Score)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Errorf("only %d scores compared", checked)
	}
}
