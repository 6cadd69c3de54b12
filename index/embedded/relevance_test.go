package embedded

import (
	"context"
	"maps"
	"testing"
	"time"

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
		bq, err := s.buildQuery(p)
		if err != nil {
			t.Fatal(err)
		}
		bleveScores := func() map[string]float64 {
			req := bleve.NewSearchRequestOptions(bq, len(c.listings), 0, false)
			res, err := s.idx.SearchInContext(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			out := make(map[string]float64, len(res.Hits))
			for _, h := range res.Hits {
				out[h.ID] = h.Score
			}
			return out
		}
		// Scorch merges segments in the background, and a merge that purges deleted
		// documents changes the statistics BM25 reads (the field's length). So the scores
		// are compared on a snapshot that held still: Bleve's scores read before and
		// after ours are the same (statistics only move one way as merges purge deletes).
		// A real difference persists; a moving snapshot is retried, a bounded number of times.
		var got, want map[string]float64
		for attempt := 0; ; attempt++ {
			before := bleveScores()
			got = s.scoreAll(t, p)
			want = bleveScores()
			if maps.Equal(before, want) {
				break
			}
			if attempt == 50 {
				t.Fatalf("%q: Bleve's scores still moving after %d attempts", q.Text, attempt)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(want) != len(got) {
			t.Errorf("%q %+v: scored %d matches, Bleve %d", q.Text, q, len(got), len(want))
		}
		for id, w := range want {
			if sc, ok := got[id]; !ok || sc != w {
				t.Errorf("%q: %s: score %v (scored %v), Bleve %v", q.Text, id, sc, ok, w)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Errorf("only %d scores compared", checked)
	}
}

// scoreAll is relevance.go's score of every match of p, by listing id.
func (s *Store) scoreAll(t *testing.T, p index.Plan) map[string]float64 {
	t.Helper()
	terms, err := s.textTerms(p.Text)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := s.textMatch(terms)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	s.mem.mu.RLock()
	defer s.mem.mu.RUnlock()
	_, set := s.mem.answer(p, tm.set)
	got := map[string]float64{}
	if err := scoreMatches(tm, p, set, func(d uint32, sc float64) { got[s.mem.ids[d]] = sc }); err != nil {
		t.Fatal(err)
	}
	return got
}
