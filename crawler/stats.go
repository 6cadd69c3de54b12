package crawler

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/extract"
)

// Stats are the crawler's running totals.
type Stats struct {
	Requests atomic.Int64 // HTTP requests sent to markets (each redirect hop counts)
	Pages    atomic.Int64 // pages fetched with a response
	Listings atomic.Int64 // listing sightings handed to the sink (a listing on 3 pages counts 3)
	Vendors  atomic.Int64 // vendor sightings
	Errors   atomic.Int64 // fetch failures of any kind
	Skipped  atomic.Int64 // links and leases not fetched, every reason (Skips has them by reason)

	mu        sync.Mutex
	listings  map[uint64]struct{} // ids of the listings stored by this crawl
	vendors   map[uint64]struct{}
	skips     map[string]int64
	refetches map[string]int64
}

// Refetches returns the listing pages brought back by a refresh, by reason (card_changed,
// not_in_book, vanished, no_comparable_card, max_age).
func (s *Stats) Refetches() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.refetches)
}

func (s *Stats) refetch(reason string, n int64) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	if s.refetches == nil {
		s.refetches = map[string]int64{}
	}
	s.refetches[reason] += n
	s.mu.Unlock()
}

// DistinctListings is the number of distinct listings stored by this crawl (full records
// and cards with a listing key: what the sink stores).
func (s *Stats) DistinctListings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.listings)
}

// DistinctVendors is the number of distinct vendors stored by this crawl.
func (s *Stats) DistinctVendors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.vendors)
}

// Skips returns the links and leases not fetched, by reason.
func (s *Stats) Skips() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.skips)
}

func (s *Stats) skip(reason string, n int64) {
	s.Skipped.Add(n)
	s.mu.Lock()
	if s.skips == nil {
		s.skips = map[string]int64{}
	}
	s.skips[reason] += n
	s.mu.Unlock()
}

// stored counts the records of one page handed to the sink; it returns how many listings
// and vendors were new to this crawl.
func (s *Stats) stored(market string, kind string, ls []extract.Listing, vs []extract.Vendor) (newListings, newVendors int) {
	s.Listings.Add(int64(len(ls)))
	s.Vendors.Add(int64(len(vs)))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listings == nil {
		s.listings, s.vendors = map[uint64]struct{}{}, map[uint64]struct{}{}
	}
	full := kind == extract.KindListing || kind == extract.KindForumThread
	for _, l := range ls {
		if !full && !cardStored(l) {
			continue
		}
		id := l.ID
		if id == "" {
			continue
		}
		k := frontier.Fingerprint(market + "\x00" + id)
		if _, ok := s.listings[k]; !ok {
			s.listings[k] = struct{}{}
			newListings++
		}
	}
	for _, v := range vs {
		if v.ID == "" {
			continue
		}
		k := frontier.Fingerprint(market + "\x00" + v.ID)
		if _, ok := s.vendors[k]; !ok {
			s.vendors[k] = struct{}{}
			newVendors++
		}
	}
	return newListings, newVendors
}

// cardStored reports whether the index stores a listing read from a card: only one whose
// id comes from its link's listing key (index.ToStore).
func cardStored(l extract.Listing) bool {
	for _, is := range l.Issues {
		if is.Field == "id" {
			return false
		}
	}
	return true
}
