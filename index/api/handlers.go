package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
)

// SearchResponse is the body of GET /api/v1/search.
type SearchResponse struct {
	Total    int                       `json:"total"`
	From     int                       `json:"from"`
	Size     int                       `json:"size"`
	Listings []record.Listing          `json:"listings"`
	Aggs     map[string][]index.Bucket `json:"aggs,omitempty"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q, err := s.parseSearch(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := s.opts.Store.Search(r.Context(), q)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if res.Listings == nil {
		res.Listings = []record.Listing{}
	}
	writeJSON(w, http.StatusOK, SearchResponse{Total: res.Total, From: q.From, Size: q.Size, Listings: res.Listings, Aggs: res.Aggs})
	return nil
}

// ListingResponse is the body of GET /api/v1/listings/{id}.
type ListingResponse struct {
	Listing      record.Listing       `json:"listing"`
	Observations []record.Observation `json:"observations"`
}

func (s *Server) listing(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := s.opts.Store.GetListing(r.Context(), id)
	if err != nil {
		return fmt.Errorf("listing %s: %w", id, err)
	}
	obs, err := s.opts.Store.Observations(r.Context(), id)
	if err != nil {
		return fmt.Errorf("observations %s: %w", id, err)
	}
	if obs == nil {
		obs = []record.Observation{}
	}
	writeJSON(w, http.StatusOK, ListingResponse{Listing: l, Observations: obs})
	return nil
}

// Point is one price observation in a chart series.
type Point struct {
	Time   time.Time `json:"time"`
	USD    float64   `json:"usd"`
	Status string    `json:"status,omitempty"`
}

// Series is the price history of one listing.
type Series struct {
	ListingID string  `json:"listing_id"`
	Title     string  `json:"title"`
	Market    string  `json:"market"`
	Points    []Point `json:"points"`
}

// Profile is what vendor and actor pages show about a set of listings.
type Profile struct {
	TotalListings int                       `json:"total_listings"`
	Listings      []record.Listing          `json:"listings"` // newest first, at most 200
	Aggs          map[string][]index.Bucket `json:"aggs"`     // substance, market, ships_from, ships_to, class
	PriceHistory  []Series                  `json:"price_history"`
}

// VendorResponse is the body of GET /api/v1/vendors/{id}.
type VendorResponse struct {
	Vendor record.Vendor `json:"vendor"`
	Profile
}

const (
	profileListings = 200
	chartSeries     = 12
)

// profile gathers the listings of the vendor keys (ids) with their aggregations and the
// price history of the most recently seen ones.
func (s *Server) profile(ctx context.Context, q index.Query) (Profile, error) {
	q.Size, q.Sort = profileListings, "-"+index.SortLastSeen
	q.Aggs = []string{index.AggSubstance, index.AggClass, index.AggMarket, index.AggShipsFrom, index.AggShipsTo}
	res, err := s.opts.Store.Search(ctx, q)
	if err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	p := Profile{TotalListings: res.Total, Listings: res.Listings, Aggs: res.Aggs, PriceHistory: []Series{}}
	if p.Listings == nil {
		p.Listings = []record.Listing{}
	}
	if p.Aggs == nil {
		p.Aggs = map[string][]index.Bucket{}
	}
	n := min(chartSeries, len(res.Listings))
	series := make([]Series, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			l := res.Listings[i]
			obs, err := s.opts.Store.Observations(ctx, l.ID)
			if err != nil {
				errs[i] = fmt.Errorf("observations %s: %w", l.ID, err)
				return
			}
			sr := Series{ListingID: l.ID, Title: l.Title, Market: l.Market, Points: []Point{}}
			for _, o := range obs {
				sr.Points = append(sr.Points, Point{Time: o.Time, USD: o.Price.USD, Status: o.Status})
			}
			series[i] = sr
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Profile{}, err
	}
	p.PriceHistory = series
	return p, nil
}

func (s *Server) vendor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := s.opts.Store.GetVendor(r.Context(), id)
	if err != nil {
		return fmt.Errorf("vendor %s: %w", id, err)
	}
	p, err := s.profile(r.Context(), index.Query{Vendor: []string{v.ID}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, VendorResponse{Vendor: v, Profile: p})
	return nil
}

// Link is one piece of evidence that two vendor accounts are the same operator.
type Link struct {
	A     string `json:"a"`    // vendor id
	B     string `json:"b"`    // vendor id
	Kind  string `json:"kind"` // pgp, btc, xmr, telegram, ... or "actor" (assigned by the index)
	Value string `json:"value"`
}

// ActorVendor is one account of an actor with the evidence linking it to the others.
type ActorVendor struct {
	Vendor   record.Vendor `json:"vendor"`
	Evidence []Link        `json:"evidence"`
}

// ActorResponse is the body of GET /api/v1/actors/{id}.
type ActorResponse struct {
	ID      string        `json:"id"`
	Vendors []ActorVendor `json:"vendors"`
	Links   []Link        `json:"links"`
	Markets []string      `json:"markets"`
	// Truncated is set when the linked set was cut at MaxActorVendors.
	Truncated bool `json:"truncated,omitempty"`
	Profile
}

// MaxActorVendors bounds the accounts gathered for one actor.
const MaxActorVendors = 200

func linkValues(v record.Vendor) []record.Entity {
	var out []record.Entity
	for _, p := range v.PGP {
		out = append(out, record.Entity{Kind: "pgp", Value: p})
	}
	return append(out, v.Entities...)
}

// actorMembers resolves id (an actor id, or a vendor id) to the accounts of the operator:
// the vendors the index gave that actor id, plus every vendor reachable through a shared
// PGP fingerprint, crypto address or contact (never by name).
func (s *Server) actorMembers(ctx context.Context, id string) ([]record.Vendor, bool, error) {
	seeds, err := s.opts.Store.Vendors(ctx, index.VendorQuery{Actor: []string{id}})
	if err != nil {
		return nil, false, fmt.Errorf("actor %s: %w", id, err)
	}
	if len(seeds) == 0 {
		v, err := s.opts.Store.GetVendor(ctx, id)
		if err != nil {
			return nil, false, fmt.Errorf("actor %s: %w", id, err)
		}
		seeds = []record.Vendor{v}
	}
	members := map[string]record.Vendor{}
	var queue []record.Vendor
	for _, v := range seeds {
		members[v.ID] = v
		queue = append(queue, v)
	}
	asked := map[string]bool{}
	truncated := false
	for len(queue) > 0 && !truncated {
		v := queue[0]
		queue = queue[1:]
		var vals []string
		for _, e := range linkValues(v) {
			if !asked[e.Value] {
				asked[e.Value] = true
				vals = append(vals, e.Value)
			}
		}
		if len(vals) == 0 {
			continue
		}
		linked, err := s.opts.Store.Vendors(ctx, index.VendorQuery{Entity: vals})
		if err != nil {
			return nil, false, fmt.Errorf("actor %s: %w", id, err)
		}
		for _, o := range linked {
			if _, ok := members[o.ID]; ok {
				continue
			}
			if len(members) >= MaxActorVendors {
				truncated = true
				break
			}
			members[o.ID] = o
			queue = append(queue, o)
		}
	}
	out := make([]record.Vendor, 0, len(members))
	for _, v := range members {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b record.Vendor) int { return cmp.Compare(a.ID, b.ID) })
	return out, truncated, nil
}

// actorLinks lists, for every pair of accounts, the values they share.
func actorLinks(vs []record.Vendor, actorID string) []Link {
	var links []Link
	for i := range vs {
		ei := linkValues(vs[i])
		for j := i + 1; j < len(vs); j++ {
			shared := false
			for _, e := range linkValues(vs[j]) {
				if slices.ContainsFunc(ei, func(x record.Entity) bool { return x.Value == e.Value }) {
					links = append(links, Link{A: vs[i].ID, B: vs[j].ID, Kind: e.Kind, Value: e.Value})
					shared = true
				}
			}
			if !shared && vs[i].Actor != "" && vs[i].Actor == vs[j].Actor && vs[i].Actor == actorID {
				links = append(links, Link{A: vs[i].ID, B: vs[j].ID, Kind: "actor", Value: actorID})
			}
		}
	}
	return links
}

func (s *Server) actor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vs, truncated, err := s.actorMembers(r.Context(), id)
	if err != nil {
		return err
	}
	links := actorLinks(vs, id)
	resp := ActorResponse{ID: id, Links: links, Truncated: truncated, Vendors: []ActorVendor{}, Markets: []string{}}
	if resp.Links == nil {
		resp.Links = []Link{}
	}
	var ids, markets []string
	for _, v := range vs {
		av := ActorVendor{Vendor: v, Evidence: []Link{}}
		for _, l := range links {
			if l.A == v.ID || l.B == v.ID {
				av.Evidence = append(av.Evidence, l)
			}
		}
		resp.Vendors = append(resp.Vendors, av)
		ids = append(ids, v.ID)
		markets = append(markets, v.Market)
		markets = append(markets, v.Markets...)
	}
	if m := index.Uniq(markets); m != nil {
		resp.Markets = m
	}
	if resp.Profile, err = s.profile(r.Context(), index.Query{Vendor: ids}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// AlertsResponse is the body of GET /api/v1/alerts.
type AlertsResponse struct {
	Total  int           `json:"total"`
	Alerts []alert.Alert `json:"alerts"` // newest first
}

var alertParams = []string{"since", "kind", "market", "acked", "limit"}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Alerts == nil {
		return httpError{http.StatusServiceUnavailable, "alerts unavailable: no alert log configured"}
	}
	q := r.URL.Query()
	if err := knownParams(q, alertParams); err != nil {
		return err
	}
	since, err := parseTime("since", q.Get("since"), s.opts.Now())
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit", 500, 1, 10000)
	if err != nil {
		return err
	}
	var acked *bool
	if v := q.Get("acked"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("acked: not a boolean: %q", v)
		}
		acked = &b
	}
	found, total, err := s.opts.Alerts.Search(r.Context(), alert.Query{Since: since, Kinds: list(q, "kind"), Markets: list(q, "market"), Acked: acked, Limit: limit})
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	resp := AlertsResponse{Total: total, Alerts: found}
	if resp.Alerts == nil {
		resp.Alerts = []alert.Alert{}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) ack(w http.ResponseWriter, r *http.Request) error {
	drain(r)
	if s.opts.Alerts == nil {
		return httpError{http.StatusServiceUnavailable, "alerts unavailable: no alert log configured"}
	}
	id := r.PathValue("id")
	if id == "" || len(id) > 128 {
		return badRequest("id: invalid alert id")
	}
	a, err := s.opts.Alerts.Ack(r.Context(), id, s.opts.Now())
	if err != nil {
		return fmt.Errorf("ack %s: %w", id, err)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
