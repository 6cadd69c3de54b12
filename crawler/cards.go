package crawler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/extract"
)

// Change-driven refresh. A listing's card (on a category, search, vendor page or a forum's
// thread list) shows some of its fields: title, price, status, vendor, activity (reply
// count, last post). Comparing a card with the one the same kind of page showed before tells
// whether the listing page needs fetching again: a card's comparable fields are whatever it
// carries, and a listing is unchanged when every field its card carries is unchanged. The
// card book remembers, per listing URL, the last card of each card source (the URL pattern
// of the page showing it, and which fields it carries) and when the listing was last seen on
// a card, last seen on a comparable card (one with a price or an activity) and last fetched
// in full. A refresh (`crawl --refresh`, the scheduled recrawl) fetches the navigation pages
// first and brings a listing page back (URLRecrawler, frontier.Refresher) only when
//   - its card changed, or its card source shows it for the first time, or the book has no
//     entry for it (another crawl process fetched it, or the book is new): never a missed
//     change, at worst a fetch;
//   - it vanished from every card (to confirm it is gone: a 404 raises listing_gone);
//   - no comparable card this crawl showed it (a plain link): its page is the only place
//     its price shows;
//   - its last full fetch is older than Options.ListingMaxAge.
// A new listing is a new URL and is followed as any link. Listings never seen on a card keep
// their own recrawl schedule.

// CardEntry is what the card book holds for one listing URL.
type CardEntry struct {
	// Prints holds the last card of each card source (see cardPrint).
	Prints   map[string]SourcePrint `json:"p,omitempty"`
	CardAt   time.Time              `json:"ca,omitzero"` // last seen on any card
	PricedAt time.Time              `json:"pa,omitzero"` // last seen on a comparable card
	FullAt   time.Time              `json:"f,omitzero"`  // last fetched in full
	BackAt   time.Time              `json:"b,omitzero"`  // last brought back for a fetch
}

// SourcePrint is the fingerprint of the last card of one card source and when it was seen
// first.
type SourcePrint struct {
	FP uint64    `json:"f"`
	At time.Time `json:"t"`
}

// stale reports whether the listing was brought back for a fetch and not fetched since.
func (e CardEntry) stale() bool { return e.BackAt.After(e.FullAt) }

// Refetch reasons (Stats.Refetches).
const (
	RefetchCardChanged      = "card_changed"       // a card of it changed
	RefetchNotInBook        = "not_in_book"        // the book has no entry: another process fetched it
	RefetchVanished         = "vanished"           // no card showed it this round
	RefetchNoComparableCard = "no_comparable_card" // its cards show no price and no activity
	RefetchMaxAge           = "max_age"            // its last full fetch is older than ListingMaxAge
)

// maxCardSources bounds CardEntry.Prints: a listing shown by more kinds of page than this
// is compared on the first ones.
const maxCardSources = 8

// Cards is the card book (see above). *CardBook (one process) and *SharedCards (every
// process of a Redis frontier) implement it.
type Cards interface {
	Get(ctx context.Context, market string, urls []string) (map[string]CardEntry, error)
	// Put merges each entry into the stored one (cardMerge): each time keeps the later,
	// each card source the later card.
	Put(ctx context.Context, market string, entries map[string]CardEntry) error
	Delete(ctx context.Context, market string, urls []string) error
	// Each calls fn for every entry of market until fn returns false.
	Each(ctx context.Context, market string, fn func(url string, e CardEntry) bool) error
}

var _ Cards = (*CardBook)(nil)

// CardBook is a Cards in a bbolt file (one process).
type CardBook struct {
	db *bolt.DB
}

var bktCards = []byte("cards")

// OpenCardBook opens (or creates) the card book at path.
func OpenCardBook(path string) (*CardBook, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("card book %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bktCards); return err }); err != nil {
		db.Close()
		return nil, fmt.Errorf("card book %s: %w", path, err)
	}
	return &CardBook{db: db}, nil
}

// Close closes the file.
func (b *CardBook) Close() error { return b.db.Close() }

func cardKey(market, u string) []byte { return []byte(market + "\x00" + u) }

// Get implements Cards.
func (b *CardBook) Get(_ context.Context, market string, urls []string) (map[string]CardEntry, error) {
	out := make(map[string]CardEntry, len(urls))
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bktCards)
		for _, u := range urls {
			if v := bk.Get(cardKey(market, u)); v != nil {
				var e CardEntry
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("card %s: %w", u, err)
				}
				out[u] = e
			}
		}
		return nil
	})
	return out, err
}

// Put implements Cards.
func (b *CardBook) Put(_ context.Context, market string, entries map[string]CardEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bktCards)
		for u, e := range entries {
			if v := bk.Get(cardKey(market, u)); v != nil {
				var old CardEntry
				if json.Unmarshal(v, &old) == nil {
					e = cardMerge(old, e)
				}
			}
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := bk.Put(cardKey(market, u), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete implements Cards.
func (b *CardBook) Delete(_ context.Context, market string, urls []string) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bktCards)
		for _, u := range urls {
			if err := bk.Delete(cardKey(market, u)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Each implements Cards.
func (b *CardBook) Each(_ context.Context, market string, fn func(string, CardEntry) bool) error {
	prefix := cardKey(market, "")
	return b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bktCards).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e CardEntry
			if err := json.Unmarshal(v, &e); err != nil {
				continue // a damaged entry is refetched by the max age of others
			}
			if !fn(string(k[len(prefix):]), e) {
				return nil
			}
		}
		return nil
	})
}

// cardPrint returns the card source of a card seen on a page of URL pattern pat (the
// pattern and which fields the card carries) and the fingerprint of what it shows; 0 when it
// carries nothing to compare (no price, no activity: a title alone does not change when the
// offer does).
func cardPrint(l extract.Listing, pat string) (source string, fp uint64) {
	hasPrice := l.Price.Currency != "" && l.Price.Amount > 0
	if !hasPrice && l.Activity == "" {
		return "", 0
	}
	status := l.Status
	if status == extract.StatusActive {
		status = "" // the extractor says "active" wherever a page shows no availability
	}
	var shape []byte
	var vals []string
	field := func(letter byte, present bool, v string) {
		if present {
			shape = append(shape, letter)
			vals = append(vals, v)
		}
	}
	field('t', l.Title != "", strings.ToLower(strings.Join(strings.Fields(l.Title), " ")))
	field('p', hasPrice, fmt.Sprintf("%s %.0f", l.Price.Currency, math.Round(l.Price.Amount*100)))
	field('v', l.Vendor != "", strings.ToLower(l.Vendor))
	field('a', l.Activity != "", strings.ToLower(strings.Join(strings.Fields(l.Activity), " ")))
	vals = append(vals, status) // a sold-out card may drop its price: its shape changes too
	fp = frontier.Fingerprint(strings.Join(vals, "\x00"))
	if fp == 0 {
		fp = 1
	}
	return string(shape) + " " + pat, fp
}

// book updates the card book with a fetched page: a listing page fetched in full (its own
// listing), gone (404, 410), or the cards it shows of other listings.
func (c *Crawler) book(ctx context.Context, m *marketState, l frontier.Lease, status int, res extract.Result) {
	if c.deps.Cards == nil {
		return
	}
	if status == http.StatusNotFound || status == http.StatusGone || res.Kind == extract.KindNotFound {
		if err := c.deps.Cards.Delete(ctx, l.Market, []string{l.URL}); err != nil {
			c.log.Warn("cards_failed", "market", l.Market, "err", err)
		}
		return
	}
	if status >= 400 {
		return
	}
	base, err := url.Parse(l.URL)
	if err != nil {
		return
	}
	own := false
	var cards []extract.Listing
	for _, x := range res.Listings {
		if x.URL != "" {
			if u, err := Canonical(base, x.URL); err == nil && u.String() == l.URL {
				own = true
				continue
			}
		}
		cards = append(cards, x)
	}
	if !own && (res.Kind == extract.KindListing || res.Kind == extract.KindForumThread) && len(res.Listings) == 1 {
		own, cards = true, nil
	}
	if own {
		c.fullFetch(ctx, l)
	}
	// A link to a listing page whose card the extractor did not read is a sighting that
	// shows nothing: the listing is there, its price unknown.
	shown := make(map[string]bool, len(cards))
	for _, x := range cards {
		shown[x.URL] = true
	}
	for _, ln := range res.Links {
		if ln.Kind == extract.LinkListing && !shown[ln.URL] && ln.URL != l.URL {
			shown[ln.URL] = true
			cards = append(cards, extract.Listing{URL: ln.URL})
		}
	}
	c.cards(ctx, m, l, base, cards)
}

// cards compares the cards a page shows with the book and brings back the listing pages
// whose card changed (or that the book does not know: fetched by another process). It never
// fails the page: the book is an economy, not a record.
func (c *Crawler) cards(ctx context.Context, m *marketState, l frontier.Lease, base *url.URL, cards []extract.Listing) {
	if len(cards) == 0 {
		return
	}
	now := time.Now()
	pat := patternOf(base)
	seen := map[string]extract.Listing{}
	var urls []string
	for _, ls := range cards {
		if ls.URL == "" {
			continue
		}
		u, err := Canonical(base, ls.URL)
		if err != nil || m.scope.Check(u) != nil {
			continue
		}
		s := u.String()
		prev, dup := seen[s]
		if !dup {
			urls = append(urls, s)
		}
		if _, fp := cardPrint(prev, pat); !dup || fp == 0 {
			seen[s] = ls
		}
	}
	if len(urls) == 0 {
		return
	}
	m.cardsSeen.Store(true)
	book, err := c.deps.Cards.Get(ctx, l.Market, urls)
	if err != nil {
		c.log.Warn("cards_failed", "market", l.Market, "err", err)
		return
	}
	put := make(map[string]CardEntry, len(urls))
	back := map[string][]string{}
	for _, u := range urls {
		e, known := book[u]
		e.CardAt = now
		src, fp := cardPrint(seen[u], pat)
		if fp == 0 {
			put[u] = e
			continue
		}
		e.PricedAt = now
		prev, had := e.Prints[src]
		if had && prev.FP == fp {
			put[u] = e
			continue
		}
		switch {
		case e.stale():
			// already brought back, not fetched yet
		case !known || e.FullAt.IsZero():
			// never fetched as far as this book knows: a new listing (followed as a link;
			// RecrawlURLs leaves it alone) or one another crawl process fetched
			e.BackAt = now
			back[RefetchNotInBook] = append(back[RefetchNotInBook], u)
		case had && e.BackAt.After(prev.At) || !had && c.fresh(e):
			// brought back for a change another card showed since this one was seen
			// last, and fetched since; or a card source new to it, fetched this round
		default:
			e.BackAt = now
			back[RefetchCardChanged] = append(back[RefetchCardChanged], u)
		}
		if had || len(e.Prints) < maxCardSources {
			if e.Prints == nil {
				e.Prints = map[string]SourcePrint{}
			}
			e.Prints[src] = SourcePrint{FP: fp, At: now}
		}
		put[u] = e
	}
	if err := c.deps.Cards.Put(ctx, l.Market, put); err != nil {
		c.log.Warn("cards_failed", "market", l.Market, "err", err)
	}
	for why, us := range back {
		c.recrawl(ctx, l.Market, us, why)
	}
}

// fresh reports whether a listing page was fetched in this round: in this crawl (--once),
// or less than half a recrawl period ago (a long-running crawl).
func (c *Crawler) fresh(e CardEntry) bool {
	if e.FullAt.Before(c.start) {
		return false
	}
	return c.opts.Once || c.opts.Recrawl <= 0 || time.Since(e.FullAt) < c.opts.Recrawl/2
}

// recrawl brings listing pages back now.
func (c *Crawler) recrawl(ctx context.Context, market string, urls []string, why string) int {
	rf, ok := c.deps.Frontier.(URLRecrawler) // New checked it when there is a card book
	if !ok || len(urls) == 0 {
		return 0
	}
	n, err := rf.RecrawlURLs(ctx, market, urls)
	if err != nil {
		c.log.Warn("recrawl_failed", "market", market, "err", err)
		return 0
	}
	c.stats.refetch(why, int64(n))
	c.opts.Metrics.refetch(market, why, n)
	return n
}

// fullFetch records a listing page fetched in full.
func (c *Crawler) fullFetch(ctx context.Context, l frontier.Lease) {
	book, err := c.deps.Cards.Get(ctx, l.Market, []string{l.URL})
	if err == nil {
		e := book[l.URL]
		e.FullAt = time.Now()
		err = c.deps.Cards.Put(ctx, l.Market, map[string]CardEntry{l.URL: e})
	}
	if err != nil {
		c.log.Warn("cards_failed", "market", l.Market, "err", err)
	}
}

// waits reports why a listing page leased for a recrawl is not fetched now ("" = fetch).
// A listing page the book does not know, brought back, or never fetched in full is fetched.
// In a refresh (Options.Refresh) one fetched by an earlier crawl and seen on a card before
// waits for its cards: the navigation pages bring it back if it changed, the sweep if it
// vanished, no comparable card showed it, or it is older than ListingMaxAge. On a scheduled
// recrawl it is not fetched while a comparable card was seen unchanged since its last full
// fetch, which is younger than ListingMaxAge.
func (c *Crawler) waits(ctx context.Context, l frontier.Lease) string {
	if c.deps.Cards == nil || l.Kind == frontier.KindSeed {
		return ""
	}
	book, err := c.deps.Cards.Get(ctx, l.Market, []string{l.URL})
	if err != nil {
		return ""
	}
	e, ok := book[l.URL]
	switch {
	case !ok || e.stale() || e.FullAt.IsZero():
		return ""
	case c.opts.Refresh && e.FullAt.Before(c.start) && !e.CardAt.IsZero():
		return SkipAwaitsCard
	case e.PricedAt.After(e.FullAt) && time.Since(e.FullAt) < c.opts.ListingMaxAge:
		return SkipUnchanged
	}
	return ""
}

// sweep brings back, in markets whose cards were seen in this crawl, the listings not seen
// on any card since cutoff (vanished: confirm they are gone), those seen only on cards
// without a price, and those fetched in full longer than ListingMaxAge ago. It returns how
// many it brought back.
func (c *Crawler) sweep(ctx context.Context, cutoff time.Time) int {
	if c.deps.Cards == nil {
		return 0
	}
	total := 0
	for name, m := range c.markets {
		if !m.cardsSeen.Load() {
			continue
		}
		why := map[string][]string{}
		now := time.Now()
		put := map[string]CardEntry{}
		err := c.deps.Cards.Each(ctx, name, func(u string, e CardEntry) bool {
			if e.FullAt.IsZero() || !e.FullAt.Before(cutoff) {
				return true // not a listing page, or fetched in this crawl
			}
			r := ""
			switch {
			case e.stale():
				// brought back by a changed card while it waited (its lease was not
				// settled yet), or earlier and not fetched since
				r = RefetchCardChanged
			case e.CardAt.IsZero():
				if now.Sub(e.FullAt) >= c.opts.ListingMaxAge {
					r = RefetchMaxAge
				}
			case e.CardAt.Before(cutoff):
				r = RefetchVanished
			case e.PricedAt.Before(cutoff):
				r = RefetchNoComparableCard
			case now.Sub(e.FullAt) >= c.opts.ListingMaxAge:
				r = RefetchMaxAge
			}
			if r != "" {
				why[r] = append(why[r], u)
				e.BackAt = now
				put[u] = e
			}
			return true
		})
		if err != nil {
			c.log.Warn("cards_failed", "market", name, "err", err)
			continue
		}
		if err := c.deps.Cards.Put(ctx, name, put); err != nil {
			c.log.Warn("cards_failed", "market", name, "err", err)
		}
		for r, us := range why {
			total += c.recrawl(ctx, name, us, r)
		}
		m.cardsSeen.Store(false)
	}
	return total
}

// recrawlOf is when a fetched page comes back. With a card book, listing pages come back a
// quarter of the period after the navigation pages, whose cards then tell whether they
// changed (unchanged ones are not fetched).
func (c *Crawler) recrawlOf(l frontier.Lease) time.Duration {
	if c.opts.Recrawl <= 0 {
		return 0
	}
	if c.deps.Cards != nil && l.Kind == frontier.KindListing {
		return c.opts.Recrawl + c.opts.Recrawl/4
	}
	return c.opts.Recrawl
}
