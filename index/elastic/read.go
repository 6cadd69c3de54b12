package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// maxWindow is Elasticsearch's index.max_result_window: deeper pages use search_after.
const maxWindow = 10000

// maxBuckets bounds the buckets of one aggregation.
const maxBuckets = 10000

type hit struct {
	ID     string            `json:"_id"`
	Source json.RawMessage   `json:"_source"`
	Sort   []json.RawMessage `json:"sort"`
}

type searchResp struct {
	Hits struct {
		Total struct {
			Value int `json:"value"`
		} `json:"total"`
		Hits []hit `json:"hits"`
	} `json:"hits"`
	Aggregations map[string]struct {
		Buckets []struct {
			Key      any `json:"key"`
			DocCount int `json:"doc_count"`
		} `json:"buckets"`
	} `json:"aggregations"`
}

func (s *Store) search(ctx context.Context, alias string, body m) (*searchResp, error) {
	var out searchResp
	if err := s.call(ctx, http.MethodPost, "/"+url.PathEscape(alias)+"/_search", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// scan runs body (which must sort with a unique tie-breaker) over alias, skips skip hits
// and calls fn for up to limit hits (0: all), using from/size for shallow pages and
// search_after beyond. The first response (total, aggregations) is returned.
func (s *Store) scan(ctx context.Context, alias string, body m, skip, limit int, fn func(hit) error) (*searchResp, error) {
	body["track_total_hits"] = true
	if limit > 0 && skip+limit <= maxWindow {
		body["from"], body["size"] = skip, limit
		first, err := s.search(ctx, alias, body)
		if err != nil {
			return nil, err
		}
		for _, h := range first.Hits.Hits {
			if err := fn(h); err != nil {
				return nil, err
			}
		}
		return first, nil
	}
	var first *searchResp
	seen, taken := 0, 0
	for {
		page := index.MaxPage
		body["size"] = page
		res, err := s.search(ctx, alias, body)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = res
			delete(body, "aggs")
			body["track_total_hits"] = false
		}
		for _, h := range res.Hits.Hits {
			seen++
			if seen <= skip {
				continue
			}
			if limit > 0 && taken == limit {
				return first, nil
			}
			if err := fn(h); err != nil {
				return nil, err
			}
			taken++
		}
		if len(res.Hits.Hits) < page || (limit > 0 && taken == limit) {
			return first, nil
		}
		body["search_after"] = res.Hits.Hits[len(res.Hits.Hits)-1].Sort
	}
}

// GetListing implements index.Store.
func (s *Store) GetListing(ctx context.Context, id string) (record.Listing, error) {
	var l record.Listing
	err := s.getDoc(ctx, kindListings, id, &l)
	return l, err
}

// GetVendor implements index.Store.
func (s *Store) GetVendor(ctx context.Context, id string) (record.Vendor, error) {
	var v record.Vendor
	err := s.getDoc(ctx, kindVendors, id, &v)
	return v, err
}

func (s *Store) getDoc(ctx context.Context, kind, id string, out any) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	docs, err := s.mget(ctx, []docRef{{s.Alias(kind), id}})
	if err != nil {
		return fmt.Errorf("elastic: get %s %q: %w", kind, id, err)
	}
	if !docs[0].found {
		return fmt.Errorf("elastic: %s %q: %w", kind, id, index.ErrNotFound)
	}
	if err := json.Unmarshal(docs[0].source, out); err != nil {
		return fmt.Errorf("elastic: decode %s %q: %w", kind, id, err)
	}
	return nil
}

// Observations implements index.Store.
func (s *Store) Observations(ctx context.Context, listingID string) ([]record.Observation, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	out := []record.Observation{}
	body := m{
		"query": m{"term": m{"listing_id": listingID}},
		"sort":  []m{{"time": "asc"}, {"dw.key": "asc"}},
	}
	_, err := s.scan(ctx, s.Alias(kindObservations), body, 0, 0, func(h hit) error {
		var o record.Observation
		if err := json.Unmarshal(h.Source, &o); err != nil {
			return fmt.Errorf("decode observation %s: %w", h.ID, err)
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("elastic: observations of %s: %w", listingID, err)
	}
	return out, nil
}

// Vendors implements index.Store.
func (s *Store) Vendors(ctx context.Context, q index.VendorQuery) ([]record.Vendor, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var filter []m
	if len(q.IDs) > 0 {
		filter = append(filter, m{"terms": m{"id": q.IDs}})
	}
	if len(q.Market) > 0 {
		filter = append(filter, m{"bool": m{"should": []m{{"terms": m{"market": q.Market}}, {"terms": m{"markets": q.Market}}}, "minimum_should_match": 1}})
	}
	if len(q.Actor) > 0 {
		filter = append(filter, m{"terms": m{"actor": q.Actor}})
	}
	if len(q.Entity) > 0 {
		filter = append(filter, m{"terms": m{"dw.entity": q.Entity}})
	}
	body := m{"query": m{"bool": m{"filter": filter}}, "sort": []m{{"id": "asc"}}}
	var out []record.Vendor
	_, err := s.scan(ctx, s.Alias(kindVendors), body, 0, 0, func(h hit) error {
		var v record.Vendor
		if err := json.Unmarshal(h.Source, &v); err != nil {
			return fmt.Errorf("decode vendor %s: %w", h.ID, err)
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("elastic: vendors: %w", err)
	}
	return out, nil
}

// Search implements index.Store.
func (s *Store) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if err := s.checkOpen(); err != nil {
		return index.Result{}, err
	}
	p, err := index.MakePlan(ctx, q, s)
	if err != nil {
		return index.Result{}, err
	}
	var textTerms []string
	if p.Text != "" {
		if textTerms, err = s.analyze(ctx, p.Text); err != nil {
			return index.Result{}, fmt.Errorf("elastic: search: %w", err)
		}
	}
	body := m{"query": buildQuery(p, textTerms), "sort": sortOrder(p.Sort)}
	if len(p.Aggs) > 0 {
		aggs := m{}
		for _, a := range p.Aggs {
			aggs[a] = m{"terms": m{"field": aggField(a), "size": maxBuckets,
				"order": []m{{"_count": "desc"}, {"_key": "asc"}}}}
		}
		body["aggs"] = aggs
	}
	out := index.Result{Listings: []record.Listing{}}
	first, err := s.scan(ctx, s.Alias(kindListings), body, p.From, p.Size, func(h hit) error {
		var l record.Listing
		if err := json.Unmarshal(h.Source, &l); err != nil {
			return fmt.Errorf("decode listing %s: %w", h.ID, err)
		}
		out.Listings = append(out.Listings, l)
		return nil
	})
	if err != nil {
		return index.Result{}, fmt.Errorf("elastic: search: %w", err)
	}
	out.Total = first.Hits.Total.Value
	if len(p.Aggs) > 0 {
		out.Aggs = map[string][]index.Bucket{}
		for _, a := range p.Aggs {
			bs := []index.Bucket{}
			for _, b := range first.Aggregations[a].Buckets {
				bs = append(bs, index.Bucket{Key: fmt.Sprint(b.Key), Count: b.DocCount})
			}
			index.SortBuckets(bs)
			out.Aggs[a] = bs
		}
	}
	return out, nil
}

func aggField(a string) string {
	switch a {
	case index.AggMarket:
		return "market"
	case index.AggVendor:
		return "vendor_id"
	}
	return "dw." + a
}

func sortOrder(ss index.SortSpec) []m {
	dir := "asc"
	if ss.Desc {
		dir = "desc"
	}
	var f string
	switch ss.Field {
	case index.SortRelevance:
		return []m{{"_score": "desc"}, {"id": "asc"}}
	case index.SortPrice:
		f = "dw.usd"
	case index.SortUnitPrice:
		f = "dw.unit_usd"
	case index.SortFirstSeen:
		f = "first_seen"
	case index.SortLastSeen:
		f = "last_seen"
	case index.SortID:
		return []m{{"id": dir}}
	}
	return []m{{f: m{"order": dir}}, {"id": "asc"}}
}

// analyze splits text into the terms of the standard analyzer, as the cluster does.
func (s *Store) analyze(ctx context.Context, text string) ([]string, error) {
	var out struct {
		Tokens []struct {
			Token string `json:"token"`
		} `json:"tokens"`
	}
	// The index-level endpoint needs only index privileges on our own indices (the
	// cluster-level one would need the broad cluster "manage" privilege).
	if err := s.call(ctx, http.MethodPost, "/"+s.Alias(kindListings)+"/_analyze", m{"analyzer": "standard", "text": text}, &out); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	var terms []string
	for _, t := range out.Tokens {
		if !slices.Contains(terms, t.Token) {
			terms = append(terms, t.Token)
		}
	}
	return terms, nil
}

// buildQuery translates a plan. Free text is one required term clause per analysed term
// on dw.text (title and description), filters are in filter context: the same structure
// (and BM25 sums) as the embedded backend.
func buildQuery(p index.Plan, textTerms []string) m {
	var must, filter []m
	if p.Text != "" {
		if len(textTerms) == 0 {
			return m{"match_none": m{}}
		}
		for _, t := range textTerms {
			must = append(must, m{"term": m{"dw.text": t}})
		}
	}
	terms := func(field string, vals []string) {
		if len(vals) > 0 {
			filter = append(filter, m{"terms": m{field: vals}})
		}
	}
	terms("dw.substance", p.Substance)
	terms("dw.class", p.Class)
	terms("dw.family", p.Family)
	terms("dw.vendor_keys", p.Vendor)
	terms("market", p.Market)
	terms("dw.ships_from", p.ShipsFrom)
	terms("dw.ships_to", p.ShipsTo)
	terms("dw.untagged", p.Untagged)
	if p.ActorVendorKeys != nil {
		if len(p.ActorVendorKeys) == 0 {
			return m{"match_none": m{}}
		}
		terms("dw.vendor_keys", p.ActorVendorKeys)
	}
	if len(p.Entity) > 0 {
		should := []m{{"terms": m{"dw.entity": p.Entity}}}
		if len(p.EntityVendorKeys) > 0 {
			should = append(should, m{"terms": m{"dw.vendor_keys": p.EntityVendorKeys}})
		}
		filter = append(filter, m{"bool": m{"should": should, "minimum_should_match": 1}})
	}
	if p.DrugOffer != nil {
		filter = append(filter, m{"term": m{"drug_offer": *p.DrugOffer}})
	}
	cents := func(field string, lo, hi *float64) {
		if lo == nil && hi == nil {
			return
		}
		r := m{}
		if lo != nil {
			r["gte"] = index.Cents(*lo)
		}
		if hi != nil {
			r["lte"] = index.Cents(*hi)
		}
		filter = append(filter, m{"range": m{field: r}})
	}
	cents("dw.usd", p.MinUSD, p.MaxUSD)
	cents("dw.unit_usd", p.MinUnitUSD, p.MaxUnitUSD)
	if !p.SeenSince.IsZero() || !p.SeenUntil.IsZero() {
		r := m{"format": "epoch_millis"}
		if !p.SeenSince.IsZero() {
			r["gte"] = index.Millis(p.SeenSince)
		}
		if !p.SeenUntil.IsZero() {
			r["lte"] = index.Millis(p.SeenUntil)
		}
		filter = append(filter, m{"range": m{"last_seen": r}})
	}
	if !p.FirstSeenSince.IsZero() {
		filter = append(filter, m{"range": m{"first_seen": m{"gte": index.Millis(p.FirstSeenSince), "format": "epoch_millis"}}})
	}
	if len(must) == 0 && len(filter) == 0 {
		return m{"match_all": m{}}
	}
	b := m{}
	if len(must) > 0 {
		b["must"] = must
	}
	if len(filter) > 0 {
		b["filter"] = filter
	}
	return m{"bool": b}
}
