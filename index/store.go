package index

import (
	"context"
	"errors"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound is returned by GetListing and GetVendor for an unknown id.
	ErrNotFound = errors.New("index: not found")
	// ErrUnavailable wraps failures to reach the backend (connection refused, 5xx). Writes
	// that fail with it may be spooled and replayed.
	ErrUnavailable = errors.New("index: backend unavailable")
	// ErrBadQuery is returned for an invalid query (unknown sort or aggregation, bad range).
	ErrBadQuery = errors.New("index: bad query")
	// ErrClosed is returned by a Store after Close.
	ErrClosed = errors.New("index: store closed")
)

// Store is the index of listings, vendors, observations and novelty keys.
//
// Writes are upserts keyed by record id and idempotent: putting the same record twice
// leaves the index as after one put. Implementations are safe for concurrent use.
type Store interface {
	// PutListings upserts listings by ID. FirstSeen is the earliest seen (kept from the
	// first put), LastSeen the latest; the record is merged part by part by MergeListing
	// (content from the latest full record; a partial record, see MarkPartial, never
	// clears a full record's content). Zero FirstSeen/LastSeen mean "now". Each put of a
	// full record also records an Observation (time LastSeen, price, status, capture) and
	// keeps the listing's vendor document current (markets and substances sold); partial
	// records update the listing only (see FullOnly).
	PutListings(ctx context.Context, ls []record.Listing) error
	// PutVendors upserts vendors by ID, merging markets, substances, PGP fingerprints and
	// entities, and keeping the earliest FirstSeen and the latest LastSeen.
	PutVendors(ctx context.Context, vs []record.Vendor) error
	// GetListing returns the listing with id, or an error wrapping ErrNotFound.
	GetListing(ctx context.Context, id string) (record.Listing, error)
	// GetVendor returns the vendor with id, or an error wrapping ErrNotFound.
	GetVendor(ctx context.Context, id string) (record.Vendor, error)
	// Observations returns the observation history of a listing, oldest first.
	Observations(ctx context.Context, listingID string) ([]record.Observation, error)
	// Search runs a listing query.
	Search(ctx context.Context, q Query) (Result, error)
	// Vendors returns the vendors matching q, ordered by id.
	Vendors(ctx context.Context, q VendorQuery) ([]record.Vendor, error)
	// Novel records key if absent and reports whether this call created it: exactly one
	// caller gets true per key, across goroutines, processes sharing the backend, and
	// restarts. The evidence of the first caller is stored with the key.
	Novel(ctx context.Context, key string, ev Evidence) (bool, error)
	// Flush makes every accepted write durable and visible to Search.
	Flush(ctx context.Context) error
	// Close flushes and releases resources. It is idempotent.
	Close() error
}

// Evidence is what a novelty key is first seen with.
type Evidence struct {
	ListingIDs []string  `json:"listing_ids,omitempty"`
	VendorIDs  []string  `json:"vendor_ids,omitempty"`
	Market     string    `json:"market,omitempty"`
	SHA256     string    `json:"sha256,omitempty"` // capture payload hash
	Time       time.Time `json:"time,omitzero"`    // first seen
	Note       string    `json:"note,omitempty"`
}

// NoveltyRecord is a stored novelty key with its first evidence.
type NoveltyRecord struct {
	Key      string    `json:"key"`
	Evidence Evidence  `json:"evidence"`
	Created  time.Time `json:"created"`
}
