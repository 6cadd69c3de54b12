package frontier

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Page kinds. Kind is informational for the frontier; ordering uses Priority, which the
// crawler sets (the frontier has no priority table of its own).
const (
	KindSeed    = "seed"
	KindListing = "listing"
	KindVendor  = "vendor"
	KindNav     = "nav"
)

// Item is one URL waiting to be fetched.
//
// URL must already be canonical (the crawler's scope code canonicalises);
// the frontier deduplicates on the exact string, per market.
type Item struct {
	URL       string    `json:"u"`
	Market    string    `json:"m"`
	Host      string    `json:"h"`
	Depth     int       `json:"d,omitempty"`
	Priority  int       `json:"p,omitempty"` // higher is leased first
	Attempt   int       `json:"a,omitempty"` // failed attempts so far
	Kind      string    `json:"k,omitempty"`
	NotBefore time.Time `json:"nb,omitzero"` // not leased before this time
}

// Lease is an Item handed to one worker until Deadline. The worker must Ack
// (or Extend) it before the deadline; after it, Reap gives the item to
// someone else and a late Ack fails with ErrLeaseLost.
type Lease struct {
	Item
	Token    string
	Deadline time.Time
}

// Status is the outcome of one fetch.
type Status int

const (
	// Done: the page is durably handled. The item is forgotten (it stays in
	// the seen set) unless Result.Recrawl schedules it again. Done also
	// means the host answered: a failing host is marked up (as HostOK).
	Done Status = iota
	// Retry: a failure of this URL. The item is requeued with Attempt+1 and
	// an exponential backoff; after Options.MaxAttempts it is dead-lettered.
	Retry
	// Drop: give up on the URL now (e.g. out of scope, 404): dead-lettered
	// with Result.Err.
	Drop
	// HostDown: the host, not the URL, failed. The item is requeued without
	// counting an attempt, and the host gets a liveness failure of kind
	// Result.Failure (in the same atomic step).
	HostDown
	// Release: the lease is handed back unused (a crawler shutting down before the fetch
	// started): the item is queued again as it was, no attempt counted, its host untouched.
	Release
)

func (s Status) String() string {
	switch s {
	case Done:
		return "done"
	case Retry:
		return "retry"
	case Drop:
		return "drop"
	case HostDown:
		return "host_down"
	case Release:
		return "release"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// FailureKind classifies a host failure for liveness backoff.
type FailureKind int

const (
	// FailDown: the host looks down (onion descriptor not found, circuit
	// failures, connection refused). Long backoff: HostBackoffBase doubling.
	FailDown FailureKind = iota
	// FailSoon: transient trouble (timeout, TTL expired, 503). Short backoff:
	// BackoffBase doubling.
	FailSoon
)

func (k FailureKind) String() string {
	if k == FailSoon {
		return "soon"
	}
	return "down"
}

// Result is what a worker reports for a lease.
type Result struct {
	Status  Status
	Err     string        // kept with dead-lettered items
	Recrawl time.Duration // Done only: lease the URL again after this long (0 = never)
	Failure FailureKind   // HostDown only
}

// Outcome pairs a lease with its result, for AckMany.
type Outcome struct {
	Lease  Lease
	Result Result
}

// HostEvent is one entry of a host's up/down history.
type HostEvent struct {
	At   time.Time `json:"at"`
	Up   bool      `json:"up"`
	Kind string    `json:"kind,omitempty"` // failure kind for down events
}

// HostStats describes one host.
type HostStats struct {
	Queued    int64
	InFlight  int64
	Failures  int       // consecutive failures
	DownUntil time.Time // zero when up; after it passes one probe lease is allowed
	History   []HostEvent
}

// Counts are frontier totals.
type Counts struct {
	Queued   int64 // due now or waiting for politeness / host backoff
	Delayed  int64 // waiting for a retry backoff (Redis: until the next Lease promotes it)
	Recrawl  int64 // done, scheduled to come back (not counted by Drained)
	InFlight int64 // leased
	Seen     int64 // distinct URLs ever added
	Dead     int64 // dead-lettered
}

// MarketStats are the counts of one market.
type MarketStats struct {
	Counts
	Paused string // pause reason, "" when running
	Hosts  map[string]HostStats
}

// Stats is a snapshot of the frontier.
type Stats struct {
	Counts
	Markets map[string]MarketStats
}

// addMarket records the stats of one market and adds its counts to the totals.
func (st *Stats) addMarket(name string, ms MarketStats) {
	st.Markets[name] = ms
	st.Queued += ms.Queued
	st.Delayed += ms.Delayed
	st.Recrawl += ms.Recrawl
	st.InFlight += ms.InFlight
	st.Seen += ms.Seen
	st.Dead += ms.Dead
}

// Frontier is the crawl queue shared by crawl workers (and, for Redis, by
// many processes). All methods are safe for concurrent use.
//
// Semantics (both implementations pass frontiertest.Run):
//   - Add deduplicates on (Market, URL) against the seen set and enqueues
//     new URLs in one atomic step; seen is separate from due, so a URL is
//     never added twice even after it is done. A market stops accepting
//     new URLs once its seen set holds Options.MaxPagesPerMarket URLs.
//   - Lease hands out up to max items, highest Priority first, never more
//     than HostMaxInFlight per host at once nor more than one per
//     HostDelay per host; it skips hosts in liveness backoff (after the
//     backoff one probe lease is allowed) and paused markets.
//   - Ack/AckMany settle leases (see Status). Acking a lease that expired
//     and was reaped fails with ErrLeaseLost (and changes nothing).
//   - Extend and Ack succeed until the lease is reaped, even past its
//     deadline; call Reap periodically (e.g. every ttl/2) from any process.
//   - Reap returns expired leases to the queue (attempt not counted).
type Frontier interface {
	Add(ctx context.Context, items ...Item) (added int, err error)
	Lease(ctx context.Context, max int, ttl time.Duration) ([]Lease, error)
	Ack(ctx context.Context, l Lease, res Result) error
	AckMany(ctx context.Context, outcomes []Outcome) error
	Extend(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	Reap(ctx context.Context) (int, error)

	HostFailed(ctx context.Context, market, host string, kind FailureKind) error
	HostOK(ctx context.Context, market, host string) error

	PauseMarket(ctx context.Context, market, reason string) error
	ResumeMarket(ctx context.Context, market string) error
	Paused(ctx context.Context) (map[string]string, error)

	Stats(ctx context.Context) (Stats, error)
	// Drained reports that nothing is queued, delayed or in flight in any
	// market (recrawl-scheduled items do not count; queued items of paused
	// markets do).
	Drained(ctx context.Context) (bool, error)
	Close() error
}

// Errors callers branch on.
var (
	ErrLeaseLost = errors.New("frontier: lease lost (expired and reaped, or already acked)")
	ErrClosed    = errors.New("frontier: closed")
	ErrInvalid   = errors.New("frontier: invalid item")
	// ErrLocked: another process (a running crawl) holds the embedded frontier file.
	ErrLocked = errors.New("frontier: file locked by another process")
)

// Options tune a frontier. Zero values mean the defaults in brackets.
type Options struct {
	HostDelay         time.Duration // min time between two leases of one host [0: none]
	HostMaxInFlight   int           // max leases per host at once [2]
	MaxAttempts       int           // Retry results before dead-letter [5]
	BackoffBase       time.Duration // item retry backoff and FailSoon host backoff, doubling [10s]
	BackoffMax        time.Duration // cap of BackoffBase doubling [10m]
	HostBackoffBase   time.Duration // FailDown host backoff, doubling [1m]
	HostBackoffMax    time.Duration // cap of HostBackoffBase doubling [1h]
	MaxPagesPerMarket int           // seen-set cap per market [0: unlimited]
	HistoryLen        int           // up/down events kept per host [32]
	Clock             func() time.Time
	// Rand returns a float in [0,1) for jitter [math/rand/v2.Float64].
	Rand func() float64
	// Prefix of Redis keys [dw]. Ignored by Bolt.
	Prefix string
	// SeenBuckets is the number of Redis hashes (a power of two, at most
	// 65536) holding one market's seen set [16384]. It is fixed by the first
	// Add of a market (stored in Redis); later values are ignored for that
	// market. Size it at ~ expected URLs per market / 100. Ignored by Bolt.
	SeenBuckets int
}

func (o Options) withDefaults() Options {
	if o.HostMaxInFlight <= 0 {
		o.HostMaxInFlight = 2
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 10 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 10 * time.Minute
	}
	if o.HostBackoffBase <= 0 {
		o.HostBackoffBase = time.Minute
	}
	if o.HostBackoffMax <= 0 {
		o.HostBackoffMax = time.Hour
	}
	if o.HistoryLen <= 0 {
		o.HistoryLen = 32
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.SeenBuckets <= 0 {
		o.SeenBuckets = 16384
	}
	if o.Prefix == "" {
		o.Prefix = "dw"
	}
	return o
}

// Fingerprint is the 64-bit dedup key of a URL within its market.
func Fingerprint(url string) uint64 { return xxhash.Sum64String(url) }

func validate(it Item) error {
	switch {
	case it.URL == "":
		return fmt.Errorf("%w: empty URL", ErrInvalid)
	case it.Market == "" || strings.ContainsAny(it.Market, "{}\x00"):
		return fmt.Errorf("%w: market %q", ErrInvalid, it.Market)
	case it.Host == "" || strings.ContainsRune(it.Host, '\x00'):
		return fmt.Errorf("%w: host %q", ErrInvalid, it.Host)
	}
	return nil
}

// toMs / fromMs convert times to the millisecond scores stored in queues.
func toMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
