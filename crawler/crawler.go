package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/darkwatch/darkwatch/crawler/capture"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/tor"
	"github.com/darkwatch/darkwatch/extract"
)

// Market is one market to crawl.
type Market struct {
	Name     string
	Profile  string // extraction profile: a name, "auto" or "generic"
	Seeds    []string
	Hosts    []string
	Include  []string
	Exclude  []string
	Cookies  string // "name=value; name2=value2": a logged-in session pasted by an analyst
	MaxPages int    // 0 = Options.MaxPagesPerMarket
}

// Extractor turns a fetched page into records. *extract.Extractor implements it.
type Extractor interface {
	Extract(p extract.Page, profile string) (extract.Result, error)
}

// Page is what the crawler hands to the sink for one fetched page.
type Page struct {
	Market  string
	URL     string
	Status  int
	Result  extract.Result
	Capture extract.Capture
}

// Sink stores extracted records. Put returns nil only once the records are durable (indexed,
// or spooled to disk): the crawler acks the URL after that, never before.
type Sink interface {
	Put(ctx context.Context, p Page) error
}

// Event is an operator event: a market paused for a login wall, CAPTCHA or queue page, or
// resumed.
type Event struct {
	Kind   string // market_paused, market_resumed
	Market string
	Reason string // login, captcha, queue, cookie_renewed
	URL    string
	Time   time.Time
}

// Options configure a Crawler. Zero values mean the defaults in brackets.
type Options struct {
	Markets           []Market
	Workers           int           // [8]
	Lease             time.Duration // lease deadline of one URL [2m]
	FetchTimeout      time.Duration // whole request, on top of Tor's own timeouts [3m]
	MaxBody           int64         // bytes kept of one response [8 MiB]
	MaxRedirects      int           // [5]
	MaxDepth          int           // [12]
	MaxLinksPerPage   int           // [400]
	MaxPagesPerMarket int           // [50000]; enforced by the frontier's seen-set cap too
	Recrawl           time.Duration // pages (listings and navigation) come back after this [0: never]
	// ListingMaxAge: with a card book (Deps.Cards), a listing page whose card shows no
	// change is fetched again only once its last full fetch is this old [168h].
	ListingMaxAge time.Duration
	ContentTypes  []string // allow-list [text/html, application/xhtml+xml, text/plain]
	// Once ends Run when the frontier is drained.
	Once bool
	// Refresh: this run is a new day's crawl (crawl --refresh); with a card book, listing
	// pages fetched before wait for their cards (cards.go).
	Refresh bool
	// MaxPages ends Run after this many pages fetched by this process (0: no limit).
	MaxPages int
	Logger   *slog.Logger
	Metrics  *Metrics // nil: not exported
	// OnEvent receives operator events (also logged). It must not block.
	OnEvent func(Event)
}

// Frontier is what the crawler needs of the crawl queue (frontier.Bolt and frontier.Redis
// implement it; frontier.Frontier is the full contract the conformance suite checks).
type Frontier interface {
	Add(ctx context.Context, items ...frontier.Item) (added int, err error)
	Lease(ctx context.Context, max int, ttl time.Duration) ([]frontier.Lease, error)
	Ack(ctx context.Context, l frontier.Lease, res frontier.Result) error
	AckMany(ctx context.Context, outcomes []frontier.Outcome) error
	Extend(ctx context.Context, l frontier.Lease, ttl time.Duration) (frontier.Lease, error)
	Reap(ctx context.Context) (int, error)
	PauseMarket(ctx context.Context, market, reason string) error
	ResumeMarket(ctx context.Context, market string) error
	Stats(ctx context.Context) (frontier.Stats, error)
	Drained(ctx context.Context) (bool, error)
}

// AddAcker is an optional capability of a Frontier: enqueue items and settle leases in one
// atomic write (frontier.Bolt: one transaction, one fsync, where Add then AckMany take two).
// The crawler uses it when Deps.Frontier implements it.
type AddAcker interface {
	AddAckMany(ctx context.Context, items []frontier.Item, outs []frontier.Outcome) (int, error)
}

// URLRecrawler is the capability a Frontier needs when Deps.Cards is set: bring chosen
// listing pages waiting for their recrawl back now (frontier.Refresher). New refuses a card
// book without it: the card economy skips listing pages until a card asks for them, so a
// frontier that cannot bring them back would miss every change.
type URLRecrawler interface {
	RecrawlURLs(ctx context.Context, market string, urls []string) (int, error)
}

var (
	_ Frontier     = (*frontier.Bolt)(nil)
	_ Frontier     = (*frontier.Redis)(nil)
	_ AddAcker     = (*frontier.Bolt)(nil)
	_ URLRecrawler = (*frontier.Bolt)(nil)
	_ URLRecrawler = (*frontier.Redis)(nil)
)

// Deps are the crawler's collaborators.
type Deps struct {
	Frontier  Frontier
	Transport http.RoundTripper // the Tor transport: tor.Pool.RoundTripper()
	Capture   *capture.Writer
	Extractor Extractor
	Sink      Sink
	// NewCircuit asks for a fresh circuit for a market (tor.Pool.NewCircuit); may be nil.
	NewCircuit func(ctx context.Context, market string) error
	// Cards is the card book of the change-driven refresh (cards.go); nil: every page
	// follows its own recrawl schedule. With Cards, Frontier must be a URLRecrawler.
	Cards Cards
}

// Crawler runs the crawl loop.
type Crawler struct {
	opts    Options
	deps    Deps
	log     *slog.Logger
	markets map[string]*marketState
	stats   Stats
	fetched atomic.Int64
	idle    atomic.Int64 // workers waiting for a job
	start   time.Time    // when Run started (cards seen before belong to an earlier crawl)
	swept   bool         // a --once crawl swept the card book (dispatcher only)
	// wake tells the dispatcher that a worker finished a page: a job slot is free and the
	// page may have added links, so it leases again at once instead of after its idle wait.
	wake chan struct{}
}

type marketState struct {
	Market
	scope   *Scope
	mu      sync.Mutex
	cookies string
	// walls counts interstitial pages in a row; a good page resets it.
	walls atomic.Int32
	// learn holds the URL patterns this crawl learnt not to fetch (economy.go).
	learn learner
	// cardsSeen: a page with listing cards was read since the last sweep.
	cardsSeen atomic.Bool
	// loginHops holds the URLs whose redirect chain led to the login page (set by the
	// redirect handler, read by fetch).
	loginHops sync.Map
}

// New validates options and builds a Crawler. It does no I/O.
func New(opts Options, deps Deps) (*Crawler, error) {
	if deps.Frontier == nil || deps.Transport == nil || deps.Extractor == nil || deps.Sink == nil {
		return nil, errors.New("crawler: Frontier, Transport, Extractor and Sink are required")
	}
	if _, ok := deps.Frontier.(URLRecrawler); deps.Cards != nil && !ok {
		return nil, fmt.Errorf("crawler: a card book needs a frontier that brings listing pages back (RecrawlURLs); %T has none: use frontier.Bolt or frontier.Redis, or no card book", deps.Frontier)
	}
	setDefault(&opts.Workers, 8)
	setDefault(&opts.Lease, 2*time.Minute)
	setDefault(&opts.FetchTimeout, 3*time.Minute)
	setDefault(&opts.MaxBody, 8<<20)
	setDefault(&opts.MaxRedirects, 5)
	setDefault(&opts.MaxDepth, 12)
	setDefault(&opts.MaxLinksPerPage, 400)
	setDefault(&opts.MaxPagesPerMarket, 50000)
	setDefault(&opts.ListingMaxAge, 7*24*time.Hour)
	if len(opts.ContentTypes) == 0 {
		opts.ContentTypes = []string{"text/html", "application/xhtml+xml", "text/plain"}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Crawler{opts: opts, deps: deps, log: log, markets: map[string]*marketState{}, wake: make(chan struct{}, 1)}
	for _, m := range opts.Markets {
		if _, dup := c.markets[m.Name]; dup {
			return nil, fmt.Errorf("crawler: market %q given twice", m.Name)
		}
		sc, err := NewScope(m.Seeds, m.Hosts, m.Include, m.Exclude)
		if err != nil {
			return nil, fmt.Errorf("crawler: market %s: %w", m.Name, err)
		}
		ms := &marketState{Market: m, scope: sc, cookies: m.Cookies}
		c.markets[m.Name] = ms
	}
	return c, nil
}

func setDefault[T int | int64 | time.Duration](p *T, v T) {
	if *p <= 0 {
		*p = v
	}
}

// Stats returns the running totals.
func (c *Crawler) Stats() *Stats { return &c.stats }

// Seed adds every market's seed URLs to the frontier (already-seen seeds are ignored).
func (c *Crawler) Seed(ctx context.Context) error {
	var items []frontier.Item
	for _, m := range c.markets {
		for _, s := range m.Seeds {
			u, err := Canonical(nil, s)
			if err != nil {
				return fmt.Errorf("seed %q of %s: %w", s, m.Name, err)
			}
			items = append(items, frontier.Item{URL: u.String(), Market: m.Name, Host: u.Host, Kind: frontier.KindSeed, Priority: prioSeed})
		}
	}
	if _, err := c.deps.Frontier.Add(ctx, items...); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// UpdateSessions replaces markets' session cookies (config reload). A market paused for a
// login wall or CAPTCHA whose cookie changed is resumed.
func (c *Crawler) UpdateSessions(ctx context.Context, cookies map[string]string) error {
	var errs []error
	for name, ck := range cookies {
		m, ok := c.markets[name]
		if !ok {
			continue
		}
		m.mu.Lock()
		changed := m.cookies != ck
		m.cookies = ck
		m.mu.Unlock()
		if !changed {
			continue
		}
		m.learn.forgetLogin()
		if err := c.deps.Frontier.ResumeMarket(ctx, name); err != nil {
			errs = append(errs, fmt.Errorf("resume %s: %w", name, err))
			continue
		}
		c.event(Event{Kind: "market_resumed", Market: name, Reason: "cookie_renewed"})
	}
	return errors.Join(errs...)
}

// Priorities: listing and vendor pages before navigation.
const (
	prioSeed    = 5
	prioListing = 30
	prioVendor  = 20
	prioNext    = 10
	prioNav     = 0
)

// Run crawls until ctx ends, or with Once until the frontier is drained, or until MaxPages.
// In-flight pages are finished (fetch, sink, ack) before it returns.
func (c *Crawler) Run(ctx context.Context) error {
	c.start = time.Now()
	jobs := make(chan frontier.Lease, c.opts.Workers)
	// Workers finish their current page with a context that outlives ctx by a bounded grace
	// period, so a shutdown flushes instead of dropping work.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	// The keeper extends held leases, so a page slower than the lease is not reaped and
	// fetched again by another worker while this one still works on it.
	keep := newKeeper(c.deps.Frontier, c.opts.Lease, c.log)
	stopKeep := make(chan struct{})
	var keepWG sync.WaitGroup
	keepWG.Go(func() { keep.run(workCtx, stopKeep) })
	defer func() { close(stopKeep); keepWG.Wait() }()
	wake := func() {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	// The acker settles finished pages in batches (see acker); it stops after the workers,
	// once it has settled everything they handed it, and before the keeper.
	acks := newAcker(c.deps.Frontier, keep, c.log, wake)
	var ackWG sync.WaitGroup
	ackWG.Go(func() { acks.run(workCtx) })
	var wg sync.WaitGroup
	for range c.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			settled := make(chan struct{}, 1)
			c.idle.Add(1)
			defer c.idle.Add(-1)  // a worker that has stopped is not idle (Run may be called again)
			for l := range jobs { // the dispatcher counted this worker busy when it sent l
				if keep.usable(workCtx, l) {
					acks.busy.Add(1)
					r := c.process(workCtx, l)
					r.done = settled
					acks.busy.Add(-1)
					acks.in <- r // the acker releases l from the keeper once settled
					<-settled
				} else {
					c.log.Debug("lease_lost_before_fetch", "market", l.Market, "url", l.URL)
					keep.release(l)
				}
				c.idle.Add(1)
				wake()
			}
		}()
	}
	err := c.dispatch(ctx, jobs, keep)
	close(jobs)
	done := make(chan struct{})
	go func() { wg.Wait(); close(acks.in); ackWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(c.opts.FetchTimeout + 10*time.Second):
		cancelWork()
		<-done
	}
	return err
}

// dispatch leases URLs and feeds the workers until it is time to stop.
func (c *Crawler) dispatch(ctx context.Context, jobs chan<- frontier.Lease, keep *keeper) error {
	idle := 20 * time.Millisecond
	lastReap, lastSweep := time.Now(), time.Now()
	for {
		if ctx.Err() != nil {
			return nil
		}
		if c.opts.MaxPages > 0 && c.fetched.Load() >= int64(c.opts.MaxPages) {
			return nil
		}
		if time.Since(lastReap) > c.opts.Lease/2 {
			if n, err := c.deps.Frontier.Reap(ctx); err == nil && n > 0 {
				c.log.Info("leases_reaped", "count", n)
			}
			lastReap = time.Now()
		}
		// Lease only for idle workers: a lease waiting in a buffer holds one of its host's
		// in-flight slots, and processes sharing a frontier would starve each other (one
		// holding every slot of a small market while another's workers sit idle). A worker
		// counts as busy from the moment a lease is sent to it (below) until it is done.
		free := int(c.idle.Load())
		if c.opts.MaxPages > 0 {
			free = min(free, c.opts.MaxPages-int(c.fetched.Load()))
		}
		var leases []frontier.Lease
		if free > 0 {
			var err error
			leases, err = c.deps.Frontier.Lease(ctx, free, c.opts.Lease)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				c.log.Warn("lease_failed", "err", err)
			}
		}
		if len(leases) == 0 {
			if c.opts.Once && len(jobs) == 0 && c.idle.Load() == int64(c.opts.Workers) && c.runnableDone(ctx) {
				// The navigation pages are done: bring back the listings that vanished
				// from every card or whose card could not vouch for them.
				if !c.swept {
					c.swept = true
					if n := c.sweep(ctx, c.start); n > 0 {
						c.log.Info("refresh_sweep", "listings", n)
						continue
					}
				}
				return nil
			}
			if !c.opts.Once && c.opts.Recrawl > 0 && time.Since(lastSweep) > max(c.opts.Recrawl/4, time.Second) {
				// Between scheduled recrawls a listing whose card was not seen for two
				// rounds has vanished.
				c.sweep(ctx, time.Now().Add(-2*c.opts.Recrawl))
				lastSweep = time.Now()
			}
			select {
			case <-ctx.Done():
				return nil
			case <-c.wake:
			case <-time.After(idle):
			}
			idle = min(idle*2, 500*time.Millisecond)
			continue
		}
		idle = 20 * time.Millisecond
		for _, l := range leases {
			c.fetched.Add(1)
			keep.hold(l)
			c.idle.Add(-1)
			select {
			case jobs <- l:
			case <-ctx.Done():
				// Not started: hand it back at once rather than waiting for the lease to expire.
				c.idle.Add(1)
				_ = c.deps.Frontier.Ack(context.WithoutCancel(ctx), l, frontier.Result{Status: frontier.Release})
				keep.release(l)
			}
		}
	}
}

// runnableDone reports that the frontier holds no work this crawl can do: nothing queued,
// delayed or in flight outside paused markets (those wait for a renewed session). It logs
// what it saw when it says so (the end of a --once crawl).
func (c *Crawler) runnableDone(ctx context.Context) bool {
	if drained, err := c.deps.Frontier.Drained(ctx); err == nil && drained {
		c.log.Info("once_done", "reason", "drained", "fetched", c.fetched.Load())
		return true
	}
	st, err := c.deps.Frontier.Stats(ctx)
	if err != nil {
		return false
	}
	var paused []string
	for name, m := range st.Markets {
		if m.Paused == "" && m.Queued+m.Delayed+m.InFlight > 0 {
			return false
		}
		if m.Paused != "" && m.Queued+m.Delayed+m.InFlight > 0 {
			paused = append(paused, name)
		}
	}
	slices.Sort(paused)
	c.log.Info("once_done", "reason", "only paused markets have work", "paused", paused, "fetched", c.fetched.Load(),
		"queued", st.Queued, "delayed", st.Delayed, "in_flight", st.InFlight)
	return true
}

// fetchResult is one HTTP exchange.
type fetchResult struct {
	status    int
	header    http.Header
	body      []byte
	finalURL  string
	truncated bool
	elapsed   time.Duration
}

// errContentType marks a response whose type is not in the allow-list.
var errContentType = errors.New("content type not allowed")

// process fetches, captures, extracts and stores one page and returns how to settle its
// lease (with the page's new links, enqueued before the ack). Everything it returns is
// already durable: the WARC record (capture.Write syncs) and the records (Sink.Put).
func (c *Crawler) process(ctx context.Context, l frontier.Lease) ackReq {
	m, ok := c.markets[l.Market]
	log := c.log.With("market", l.Market, "url", l.URL)
	if !ok {
		return ackReq{l: l, res: frontier.Result{Status: frontier.Drop, Err: "market no longer configured"}}
	}
	pu, err := url.Parse(l.URL)
	if err != nil {
		return ackReq{l: l, res: frontier.Result{Status: frontier.Drop, Err: "unparseable URL"}}
	}
	pat := patternOf(pu)
	verdict := m.learn.verdict(pat)
	if why := c.waits(ctx, l); why != "" {
		// Its cards tell whether it changed (cards.go): keep its schedule.
		c.skip(l.Market, why)
		return ackReq{l: l, res: frontier.Result{Status: frontier.Done, Recrawl: c.recrawlOf(l)}}
	}
	if verdict != "" {
		// Learnt during this crawl: not fetched, not dead-lettered.
		c.skip(l.Market, verdict)
		return ackReq{l: l, res: frontier.Result{Status: frontier.Done}}
	}
	// Navigational pages (seeds and patterns that gave pages) speak for the market; an
	// interstitial elsewhere is that page's problem.
	nav := l.Kind == frontier.KindSeed || l.Depth == 0 || m.learn.known(pat)
	fr, err := c.fetch(ctx, m, l.URL)
	if errors.Is(err, errLoginRedirect) {
		return ackReq{l: l, res: c.loginOnly(ctx, m, l, pat, nav)}
	}
	if err != nil {
		c.stats.Errors.Add(1)
		res := c.classify(err)
		c.opts.Metrics.fetchError(l.Market, res)
		log.Debug("fetch_failed", "err", err, "attempt", l.Attempt, "status", res.Status.String())
		return ackReq{l: l, res: res}
	}
	c.stats.Pages.Add(1)
	c.opts.Metrics.page(l.Market, fr)
	if fr.truncated {
		log.Warn("body_truncated", "bytes", len(fr.body))
	}
	switch {
	case fr.status == http.StatusTooManyRequests || fr.status == http.StatusServiceUnavailable:
		return ackReq{l: l, res: frontier.Result{Status: frontier.HostDown, Failure: frontier.FailSoon, Err: fmt.Sprint("HTTP ", fr.status)}}
	case fr.status >= 500:
		if m.learn.serverError(pat) {
			// The same server error across the pattern: deterministic, not worth a retry.
			log.Info("dead_pattern", "pattern", pat, "status", fr.status)
			c.skip(l.Market, SkipDeadPattern)
			return ackReq{l: l, res: frontier.Result{Status: frontier.Done}}
		}
		return ackReq{l: l, res: frontier.Result{Status: frontier.Retry, Err: fmt.Sprint("HTTP ", fr.status)}}
	}
	// Ack(Done) marks the host up in the same atomic step; no HostOK round trip here.

	ref := extract.Capture{Time: time.Now().UTC()}
	if c.deps.Capture != nil {
		r, err := c.deps.Capture.Write(capture.Response{URL: l.URL, Method: http.MethodGet, Status: fr.status,
			Header: fr.header, Body: fr.body, Truncated: fr.truncated, FetchedAt: ref.Time})
		if err != nil {
			// Evidence is part of the job: without it the page is retried, not indexed.
			log.Error("capture_failed", "err", err)
			return ackReq{l: l, res: frontier.Result{Status: frontier.Retry, Err: "capture: " + err.Error()}}
		}
		ref = extract.Capture{WARC: r.WARC, RecordID: r.RecordID, SHA256: r.SHA256, Time: r.Time}
	}
	body, err := extract.DecodeBody(fr.body, fr.header.Get("Content-Type"))
	if err != nil {
		body = fr.body
	}
	res, err := c.deps.Extractor.Extract(extract.Page{URL: l.URL, Market: l.Market, Body: body,
		ContentType: fr.header.Get("Content-Type"), Status: fr.status, FetchedAt: ref.Time, Capture: &ref}, m.Profile)
	if err != nil {
		// A page the extractor cannot read is still captured; count it and move on.
		log.Warn("extract_failed", "err", err)
		c.opts.Metrics.extractError(l.Market)
	}
	if res.Kind == extract.KindInterstitial && res.Interstitial != nil {
		kind := res.Interstitial.Type
		switch {
		case !nav && kind == extract.InterstitialCaptcha && isActionForm(body):
			return ackReq{l: l, res: c.actionForm(m, l, pat)}
		case kind == extract.InterstitialLogin:
			return ackReq{l: l, res: c.loginOnly(ctx, m, l, pat, nav)}
		case kind == extract.InterstitialBlocked:
			return ackReq{l: l, res: c.blocked(ctx, m, l, pat, nav)}
		}
		return ackReq{l: l, res: c.interstitial(ctx, m, l, kind, nav)}
	}
	if !nav && len(res.Listings) == 0 && len(res.Vendors) == 0 && isActionForm(body) {
		return ackReq{l: l, res: c.actionForm(m, l, pat)}
	}
	m.walls.Store(0)
	if fr.status < 400 {
		m.learn.good(pat)
	}
	if err := c.deps.Sink.Put(ctx, Page{Market: l.Market, URL: l.URL, Status: fr.status, Result: res, Capture: ref}); err != nil {
		log.Error("sink_failed", "err", err)
		return ackReq{l: l, res: frontier.Result{Status: frontier.Retry, Err: "sink: " + err.Error()}}
	}
	nl, nv := c.stats.stored(l.Market, res.Kind, res.Listings, res.Vendors)
	c.opts.Metrics.records(l.Market, len(res.Listings), len(res.Vendors), nl, nv)
	c.book(ctx, m, l, fr.status, res)
	var links []frontier.Item
	if fr.status < 400 {
		// A listing's tab sub-pages (parts) are fetched only when its record lacks what
		// they carry (extract.NeededLinks); the sink merges them into that record.
		links = c.follow(m, l, extract.NeededLinks(res, l.URL))
	}
	result := frontier.Result{Status: frontier.Done}
	// Every page comes back (navigation too: that is where new listings show up), so a
	// recrawl, or a RecrawlNow refresh, sees the market as it is now.
	if fr.status < 400 {
		result.Recrawl = c.recrawlOf(l)
	}
	return ackReq{l: l, res: result, links: links}
}

// Interstitial policy: a login wall pauses the market at once (only a renewed session cookie
// helps). CAPTCHA and DDoS-queue pages are often transient (a queue clears, a new circuit
// gets no CAPTCHA): the URL backs off and is retried, on a fresh circuit for a CAPTCHA, and
// the market is paused only when they keep coming.
const (
	maxCaptchasInRow = 3
	maxQueuesInRow   = 10
)

// interstitial handles an interstitial page and returns the lease's result. Only those of
// navigational pages (nav) count towards pausing the market.
func (c *Crawler) interstitial(ctx context.Context, m *marketState, l frontier.Lease, kind string, nav bool) frontier.Result {
	c.opts.Metrics.event(Event{Kind: "interstitial", Market: l.Market, Reason: kind})
	n := 0
	if nav {
		n = int(m.walls.Add(1))
	}
	switch {
	case nav && (kind == extract.InterstitialLogin ||
		kind == extract.InterstitialCaptcha && n >= maxCaptchasInRow ||
		n >= maxQueuesInRow):
		return c.pause(ctx, l, kind)
	case kind == extract.InterstitialCaptcha && c.deps.NewCircuit != nil:
		if err := c.deps.NewCircuit(ctx, l.Market); err != nil {
			c.log.Warn("new_circuit_failed", "market", l.Market, "err", err)
		}
	}
	return frontier.Result{Status: frontier.HostDown, Failure: frontier.FailSoon, Err: "interstitial: " + kind}
}

// pause stops a market that shows a login wall (or keeps showing CAPTCHA or queue pages).
// The URL goes back to the queue; the market resumes when its cookie is renewed.
func (c *Crawler) pause(ctx context.Context, l frontier.Lease, kind string) frontier.Result {
	if err := c.deps.Frontier.PauseMarket(ctx, l.Market, kind); err != nil {
		c.log.Error("pause_failed", "market", l.Market, "err", err)
	}
	c.event(Event{Kind: "market_paused", Market: l.Market, Reason: kind, URL: l.URL})
	return frontier.Result{Status: frontier.HostDown, Failure: frontier.FailSoon, Err: "interstitial: " + kind}
}

func (c *Crawler) event(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	c.log.Warn(e.Kind, "market", e.Market, "reason", e.Reason, "url", e.URL)
	c.opts.Metrics.event(e)
	if c.opts.OnEvent != nil {
		c.opts.OnEvent(e)
	}
}

// follow canonicalises, scopes and caps the page's links and returns the items to enqueue.
func (c *Crawler) follow(m *marketState, l frontier.Lease, links []extract.Link) []frontier.Item {
	if l.Depth+1 > c.opts.MaxDepth {
		return nil
	}
	base, err := url.Parse(l.URL)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var items []frontier.Item
	for i, ln := range links {
		if len(items) >= c.opts.MaxLinksPerPage {
			c.stats.skip("links_per_page", int64(len(links)-i))
			c.opts.Metrics.skip(l.Market, "links_per_page")
			break
		}
		u, err := Canonical(base, ln.URL)
		if err == nil {
			err = m.scope.Check(u)
		}
		if err != nil {
			c.skip(l.Market, skipReason(err))
			continue
		}
		s := u.String()
		if seen[s] {
			continue
		}
		seen[s] = true
		if r := linkVerdict(u); r != "" {
			c.skip(l.Market, r)
			continue
		}
		if m.learn.any() {
			if r := m.learn.verdict(patternOf(u)); r != "" {
				c.skip(l.Market, r)
				continue
			}
		}
		kind, prio := frontier.KindNav, prioNav
		switch ln.Kind {
		case extract.LinkListing, extract.LinkPart:
			kind, prio = frontier.KindListing, prioListing
		case extract.LinkVendor:
			kind, prio = frontier.KindVendor, prioVendor
		case extract.LinkNext:
			prio = prioNext
		}
		items = append(items, frontier.Item{URL: s, Market: l.Market, Host: u.Host, Depth: l.Depth + 1, Kind: kind, Priority: prio})
	}
	return items
}

func skipReason(err error) string {
	switch {
	case errors.Is(err, ErrOffSite):
		return "offsite"
	case errors.Is(err, ErrTrap):
		return "trap"
	case errors.Is(err, ErrExcluded):
		return "excluded"
	case errors.Is(err, ErrTooLong):
		return "too_long"
	case errors.Is(err, ErrScheme):
		return "scheme"
	}
	return "unparseable"
}

// classify maps a fetch error to the frontier's policy, driven by the typed Tor errors.
func (c *Crawler) classify(err error) frontier.Result {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	switch {
	case errors.Is(err, errContentType):
		return frontier.Result{Status: frontier.Drop, Err: msg}
	case errors.Is(err, errRedirect):
		return frontier.Result{Status: frontier.Drop, Err: msg}
	}
	if errors.Is(err, tor.ErrNoProxy) {
		return frontier.Result{Status: frontier.Drop, Err: msg}
	}
	switch tor.PolicyOf(err) {
	case tor.PolicyHostDown:
		return frontier.Result{Status: frontier.HostDown, Failure: frontier.FailDown, Err: msg}
	case tor.PolicyRetrySoon:
		return frontier.Result{Status: frontier.HostDown, Failure: frontier.FailSoon, Err: msg}
	case tor.PolicyDrop:
		return frontier.Result{Status: frontier.Drop, Err: msg}
	case tor.PolicyAuthRequired:
		return frontier.Result{Status: frontier.Drop, Err: "onion client authorization required: " + msg}
	}
	return frontier.Result{Status: frontier.Retry, Err: msg}
}

var errRedirect = errors.New("redirect refused")

// collector builds the Colly collector of one fetch, on the fetch's context: Colly keeps one
// context per collector (StdlibContext), so a collector is never shared between fetches
// (the transport, and its connections, is). Building one is cheap next to a fetch.
func (c *Crawler) collector(ctx context.Context, m *marketState) *colly.Collector {
	col := colly.NewCollector(
		colly.UserAgent(tor.UserAgent),
		colly.AllowURLRevisit(),
		colly.MaxBodySize(int(c.opts.MaxBody)+1), // one more byte tells a cut body from an exact fit
		colly.ParseHTTPErrorResponse(),
		colly.IgnoreRobotsTxt(),
		colly.StdlibContext(tor.WithMarket(ctx, m.Name)),
	)
	col.WithTransport(c.deps.Transport)
	col.SetRequestTimeout(c.opts.FetchTimeout)
	col.DisableCookies() // cookies come from the market's session only, set per request
	col.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) > c.opts.MaxRedirects {
			return fmt.Errorf("%w: more than %d redirects", errRedirect, c.opts.MaxRedirects)
		}
		u, err := Canonical(nil, req.URL.String())
		if err != nil {
			return fmt.Errorf("%w: %v", errRedirect, err)
		}
		if err := m.scope.Check(u); err != nil {
			return fmt.Errorf("%w: to %s: %v", errRedirect, req.URL.Host, err)
		}
		if isLoginURL(u) {
			// The chain ends on the login page: the hop is not taken (loginOnly decides).
			if len(via) > 0 {
				if o, err := Canonical(nil, via[0].URL.String()); err == nil {
					m.loginHops.Store(o.String(), true)
				}
			}
			return errLoginRedirect
		}
		c.stats.Requests.Add(1)
		c.opts.Metrics.request(m.Name)
		if ck := m.sessionCookies(); ck != "" {
			req.Header.Set("Cookie", ck)
		}
		return nil
	})
	allowed := c.opts.ContentTypes
	col.OnResponseHeaders(func(r *colly.Response) {
		ct := r.Headers.Get("Content-Type")
		if ct == "" {
			return
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || !contains(allowed, mt) {
			r.Ctx.Put("content_type_refused", ct)
			r.Request.Abort()
			return
		}
		// Colly converts a body whose Content-Type names a charset other than UTF-8 to
		// UTF-8. The capture must hold the bytes as served, and extract.DecodeBody decodes
		// them (a second conversion turned windows-1251 pages into mojibake). Colly does
		// not see the charset; fetch puts the header back.
		if params["charset"] != "" {
			r.Ctx.Put("content_type", ct)
			r.Headers.Set("Content-Type", mt)
		}
	})
	col.OnResponse(func(r *colly.Response) {
		r.Ctx.Put("response", r)
	})
	col.OnError(func(r *colly.Response, err error) {
		if r != nil && r.StatusCode != 0 {
			r.Ctx.Put("response", r)
		}
	})
	return col
}

func (m *marketState) sessionCookies() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cookies
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// fetch GETs one URL through the market's collector.
func (c *Crawler) fetch(ctx context.Context, m *marketState, rawURL string) (fetchResult, error) {
	col := c.collector(ctx, m)
	cctx := colly.NewContext()
	hdr := http.Header{}
	if ck := m.sessionCookies(); ck != "" {
		hdr.Set("Cookie", ck)
	}
	start := time.Now()
	c.stats.Requests.Add(1)
	c.opts.Metrics.request(m.Name)
	err := col.Request(http.MethodGet, rawURL, nil, cctx, hdr)
	if _, hop := m.loginHops.LoadAndDelete(rawURL); hop || errors.Is(err, errLoginRedirect) {
		return fetchResult{}, errLoginRedirect
	}
	if ct, ok := cctx.GetAny("content_type_refused").(string); ok {
		return fetchResult{}, fmt.Errorf("%w: %q", errContentType, ct)
	}
	r, _ := cctx.GetAny("response").(*colly.Response)
	if r == nil {
		if err == nil {
			err = errors.New("no response")
		}
		return fetchResult{}, err
	}
	fr := fetchResult{status: r.StatusCode, body: r.Body, finalURL: r.Request.URL.String(), elapsed: time.Since(start)}
	if r.Headers != nil {
		fr.header = r.Headers.Clone()
	} else {
		fr.header = http.Header{}
	}
	if ct, ok := cctx.GetAny("content_type").(string); ok {
		fr.header.Set("Content-Type", ct)
	}
	if int64(len(fr.body)) > c.opts.MaxBody {
		fr.body = fr.body[:c.opts.MaxBody]
		fr.truncated = true
	}
	return fr, nil
}
