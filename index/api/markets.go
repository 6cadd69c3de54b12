package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/index"
)

// Market status values.
const (
	StatusUp      = "up"
	StatusDown    = "down"
	StatusPaused  = "paused" // waiting for a login session or a CAPTCHA solve
	StatusUnknown = "unknown"
)

// HostEvent is one entry of a host's up/down history.
type HostEvent struct {
	At   time.Time `json:"at"`
	Up   bool      `json:"up"`
	Kind string    `json:"kind,omitempty"` // failure kind of a down event
}

// HostStatus is the liveness of one host of a market.
type HostStatus struct {
	Host      string      `json:"host"`
	Up        bool        `json:"up"`
	Failures  int         `json:"failures"`
	DownUntil time.Time   `json:"down_until,omitzero"`
	Queued    int64       `json:"queued"`
	InFlight  int64       `json:"in_flight"`
	History   []HostEvent `json:"history"`
}

// MarketStatus is the crawl status of one market.
type MarketStatus struct {
	Name     string       `json:"name"`
	Status   string       `json:"status"`           // up, down, paused, unknown
	Paused   string       `json:"paused,omitempty"` // pause reason (login, captcha, ...)
	Queued   int64        `json:"queued"`
	InFlight int64        `json:"in_flight"`
	Dead     int64        `json:"dead"`
	Seen     int64        `json:"seen"`
	Hosts    []HostStatus `json:"hosts"`
	// Listings and LastSeen come from the index: listings stored for the market and the
	// latest time one of them was seen (the last successful crawl of a listing page).
	Listings int       `json:"listings"`
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// MarketsResponse is the body of GET /api/v1/markets.
type MarketsResponse struct {
	// Frontier is "ok" when the crawl status is current, else why it is unknown.
	Frontier  string         `json:"frontier"`
	CheckedAt time.Time      `json:"checked_at,omitzero"`
	Markets   []MarketStatus `json:"markets"`
}

// ErrSnapshot wraps a MarketSource error that comes with statuses from a recent snapshot
// (the crawl's last written status) rather than from the live frontier: the statuses are
// shown as they are and the error text says when they were taken.
var ErrSnapshot = errors.New("snapshot")

// pathRE matches an absolute file path that starts a word ("open /var/lib/x/frontier.db: ...").
var pathRE = regexp.MustCompile(`(^|[\s(="'\[])/[^\s"'(),:\]]*`)

// redactPaths replaces server file paths in an error shown to analysts with "<path>": the
// API never tells a client where the server keeps its files.
func redactPaths(msg string) string { return pathRE.ReplaceAllString(msg, "${1}<path>") }

// marketCache keeps the last MarketSource answer for ttl, so a busy markets page does not
// hammer the frontier.
type marketCache struct {
	src MarketSource
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	at   time.Time
	last []MarketStatus
	err  error
}

func (c *marketCache) get(ctx context.Context) ([]MarketStatus, time.Time, error) {
	if c.src == nil {
		return nil, time.Time{}, fmt.Errorf("no crawl frontier configured")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && c.now().Sub(c.at) < c.ttl {
		return c.last, c.at, c.err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ms, err := c.src.MarketStatus(ctx)
	c.at, c.err = c.now(), err
	if err == nil || ms != nil {
		c.last = ms
	}
	return c.last, c.at, c.err
}

func (s *Server) marketsStatus(w http.ResponseWriter, r *http.Request) error {
	ms, at, ferr := s.markets.get(r.Context())
	resp := MarketsResponse{Frontier: "ok", CheckedAt: at, Markets: []MarketStatus{}}
	if ferr != nil {
		s.log.Warn("market_status_failed", "err", ferr) // the full error, paths included, for the operator
	}
	switch {
	case errors.Is(ferr, ErrSnapshot):
		resp.Frontier = redactPaths(ferr.Error())
	case ferr != nil:
		resp.Frontier = "unknown: " + redactPaths(ferr.Error())
	}
	byName := map[string]*MarketStatus{}
	for _, m := range ms {
		m.Hosts = append([]HostStatus{}, m.Hosts...)
		for i := range m.Hosts {
			if m.Hosts[i].History == nil {
				m.Hosts[i].History = []HostEvent{}
			}
		}
		if ferr != nil && !errors.Is(ferr, ErrSnapshot) {
			m.Status = StatusUnknown // stale
		}
		resp.Markets = append(resp.Markets, m)
	}
	res, err := s.opts.Store.Search(r.Context(), index.Query{Size: 1, Aggs: []string{index.AggMarket}})
	if err != nil {
		return fmt.Errorf("markets: %w", err)
	}
	for _, b := range res.Aggs[index.AggMarket] {
		if !slices.ContainsFunc(resp.Markets, func(m MarketStatus) bool { return m.Name == b.Key }) {
			resp.Markets = append(resp.Markets, MarketStatus{Name: b.Key, Status: StatusUnknown, Hosts: []HostStatus{}})
		}
	}
	for i := range resp.Markets {
		byName[resp.Markets[i].Name] = &resp.Markets[i]
	}
	for _, b := range res.Aggs[index.AggMarket] {
		byName[b.Key].Listings = b.Count
	}
	for _, m := range resp.Markets {
		if m.Listings == 0 {
			continue
		}
		last, err := s.opts.Store.Search(r.Context(), index.Query{Market: []string{m.Name}, Size: 1, Sort: "-" + index.SortLastSeen})
		if err != nil {
			return fmt.Errorf("markets: %w", err)
		}
		if len(last.Listings) > 0 {
			byName[m.Name].LastSeen = last.Listings[0].LastSeen
		}
	}
	slices.SortFunc(resp.Markets, func(a, b MarketStatus) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	writeJSON(w, http.StatusOK, resp)
	return nil
}
