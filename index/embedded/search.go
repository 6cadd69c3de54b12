package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	bolt "go.etcd.io/bbolt"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// maxBuckets bounds the buckets of one aggregation.
const maxBuckets = 100000

// Search implements index.Store.
func (s *Store) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if err := s.checkOpen(); err != nil {
		return index.Result{}, err
	}
	p, err := index.MakePlan(ctx, q, s)
	if err != nil {
		return index.Result{}, err
	}
	if p.Text == "" {
		return s.searchMem(p)
	}
	return s.searchText(ctx, p)
}

// searchMem answers a query without free text from the in-memory index alone; only the
// page's records are read.
func (s *Store) searchMem(p index.Plan) (index.Result, error) {
	out, ids := s.mem.search(p, nil, true)
	return s.loadPage(out, ids)
}

// searchText answers a query with free text: the matching set from Bleve's postings
// (textset.go), the total, aggregations and pages from the in-memory index; a page sorted
// by relevance is scored from the postings of the matches (relevance.go).
func (s *Store) searchText(ctx context.Context, p index.Plan) (index.Result, error) {
	terms, err := s.textTerms(p.Text)
	if err != nil {
		return index.Result{}, err
	}
	tm, err := s.textMatch(terms)
	if errors.Is(err, errNoPostings) {
		return s.searchBleve(ctx, p)
	}
	if err != nil {
		return index.Result{}, fmt.Errorf("embedded: search: %w", err)
	}
	defer tm.Close()
	if p.Sort.Field != index.SortRelevance {
		out, ids := s.mem.search(p, tm.set, true)
		return s.loadPage(out, ids)
	}
	s.mem.mu.RLock()
	out, set := s.mem.answer(p, tm.set)
	ids, err := s.relevancePage(tm, p, set)
	s.mem.mu.RUnlock()
	if err != nil {
		return index.Result{}, err
	}
	return s.loadPage(out, ids)
}

// searchBleve answers a query through Bleve: scoring by free text needs the inverted
// index (the in-memory index answers the same query without text, see memindex_test.go).
func (s *Store) searchBleve(ctx context.Context, p index.Plan) (index.Result, error) {
	bq, err := s.buildQuery(p)
	if err != nil {
		return index.Result{}, err
	}
	// One pass over the matches gives the total, the aggregations and the first page;
	// pages past index.MaxPage are further requests.
	first := p.Size
	if first == 0 || first > index.MaxPage {
		first = index.MaxPage
	}
	req := bleve.NewSearchRequestOptions(bq, first, p.From, false)
	req.SortBy(sortOrder(p.Sort))
	for _, a := range p.Aggs {
		req.AddFacet(a, bleve.NewFacetRequest(aggField(a), maxBuckets))
	}
	res, err := s.idx.SearchInContext(ctx, req)
	if err != nil {
		return index.Result{}, fmt.Errorf("embedded: search: %w", err)
	}
	out := index.Result{Total: int(res.Total)}
	if len(p.Aggs) > 0 {
		out.Aggs = map[string][]index.Bucket{}
		for _, a := range p.Aggs {
			bs := []index.Bucket{}
			if fr := res.Facets[a]; fr != nil {
				for _, t := range fr.Terms.Terms() {
					bs = append(bs, index.Bucket{Key: t.Term, Count: t.Count})
				}
			}
			index.SortBuckets(bs)
			out.Aggs[a] = bs
		}
	}
	size := p.Size
	if size == 0 || p.From+size > out.Total {
		size = out.Total - p.From
	}
	if size <= 0 {
		out.Listings = []record.Listing{}
		return out, nil
	}
	ids := make([]string, 0, size)
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	for from := p.From + len(ids); len(ids) < size && len(res.Hits) == first; {
		n := min(size-len(ids), index.MaxPage)
		req := bleve.NewSearchRequestOptions(bq, n, from, false)
		req.SortBy(sortOrder(p.Sort))
		res, err = s.idx.SearchInContext(ctx, req)
		if err != nil {
			return index.Result{}, fmt.Errorf("embedded: search: %w", err)
		}
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		if len(res.Hits) < n {
			break
		}
		from += n
	}
	return s.loadPage(out, ids)
}

// loadPage reads the records of ids into out.Listings.
func (s *Store) loadPage(out index.Result, ids []string) (index.Result, error) {
	out.Listings = make([]record.Listing, 0, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bListings)
		for _, id := range ids {
			raw := b.Get([]byte(id))
			if raw == nil {
				continue // indexed but not stored: cannot happen with a single writer
			}
			var l record.Listing
			if err := json.Unmarshal(raw, &l); err != nil {
				return fmt.Errorf("listing %s: %w", id, err)
			}
			out.Listings = append(out.Listings, l)
		}
		return nil
	})
	if err != nil {
		return index.Result{}, fmt.Errorf("embedded: load hits: %w", err)
	}
	return out, nil
}

func aggField(a string) string { return kwBleveField[aggKWField[a]] }

func sortOrder(ss index.SortSpec) []string {
	f := "_id"
	if ss.Field == index.SortRelevance {
		return []string{"-_score", "_id"}
	}
	if n, ok := sortNumField[ss.Field]; ok {
		f = numBleveField[n]
	}
	if ss.Desc {
		f = "-" + f
	}
	if f == "_id" || f == "-_id" {
		return []string{f}
	}
	return []string{f, "_id"}
}

// Filters do not score (boost 0), like filter context in Elasticsearch: only the text
// terms rank the results.
func terms(field string, vals []string) query.Query {
	if len(vals) == 1 {
		t := bleve.NewTermQuery(vals[0])
		t.SetField(field)
		t.SetBoost(0)
		return t
	}
	d := bleve.NewDisjunctionQuery()
	for _, v := range vals {
		t := bleve.NewTermQuery(v)
		t.SetField(field)
		t.SetBoost(0)
		d.AddQuery(t)
	}
	d.SetBoost(0)
	return d
}

// numRange keeps the docs whose value of field is within r (as indexed: cents,
// milliseconds).
func numRange(field string, r *valueRange) query.Query {
	t := true
	q := bleve.NewNumericRangeInclusiveQuery(r.lo, r.hi, &t, &t)
	q.SetField(field)
	q.SetBoost(0)
	return q
}

// textTerms are the distinct terms of text as the text field is analysed (a listing
// matches when it holds every one).
func (s *Store) textTerms(text string) ([]string, error) {
	an := s.idx.Mapping().AnalyzerNamed(textAnalyzer)
	if an == nil {
		return nil, fmt.Errorf("embedded: analyzer %s missing", textAnalyzer)
	}
	var terms []string
	for _, t := range an.Analyze([]byte(text)) {
		if term := string(t.Term); !slices.Contains(terms, term) {
			terms = append(terms, term)
		}
	}
	return terms, nil
}

func (s *Store) buildQuery(p index.Plan) (query.Query, error) {
	var must []query.Query
	if p.Text != "" {
		terms, err := s.textTerms(p.Text)
		if err != nil {
			return nil, err
		}
		if len(terms) == 0 {
			return bleve.NewMatchNoneQuery(), nil
		}
		for _, term := range terms {
			tq := bleve.NewTermQuery(term)
			tq.SetField(fText)
			must = append(must, tq)
		}
	}
	for _, c := range filterClauses(p) {
		var alts []query.Query
		for _, t := range c {
			if len(t.vals) > 0 {
				alts = append(alts, terms(kwBleveField[t.field], t.vals))
			}
		}
		switch len(alts) {
		case 0:
			return bleve.NewMatchNoneQuery(), nil
		case 1:
			must = append(must, alts[0])
		default:
			d := bleve.NewDisjunctionQuery(alts...)
			d.SetBoost(0)
			must = append(must, d)
		}
	}
	for f, r := range ranges(p) {
		if r != nil {
			must = append(must, numRange(numBleveField[f], r))
		}
	}
	switch len(must) {
	case 0:
		return bleve.NewMatchAllQuery(), nil
	case 1:
		return must[0], nil
	}
	return bleve.NewConjunctionQuery(must...), nil
}
