package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/spool"
	"github.com/darkwatch/darkwatch/internal/runonce"
)

// Options configures a Sink. Zero values mean defaults.
type Options struct {
	Logger *slog.Logger     // nil: discard
	Now    func() time.Time // stamps records of a page without a capture time [time.Now]
}

// Alerts is what the pipeline needs of the alert engine (*alert.Engine).
type Alerts interface {
	ObservePage(ctx context.Context, p alert.Page) error
	// Flush delivers what is due.
	Flush(ctx context.Context) error
	// Run delivers in the background until ctx ends.
	Run(ctx context.Context) error
}

// Outage is the outage path of a store (*spool.Store in front of Elasticsearch): work that
// needs the backend is deferred durably, in order with the records, while it is unreachable.
type Outage interface {
	Defer(ctx context.Context, kind string, data any, direct func(context.Context) error) error
	Handle(kind string, h spool.Handler)
	// Run replays in the background until ctx ends.
	Run(ctx context.Context) error
}

// Deps are the parts a Sink joins. Store is required.
type Deps struct {
	Store index.Store
	// Outage is the store's outage path; nil when the store has none (embedded index).
	Outage Outage
	// Alerts sees every page after its records are stored; nil without alert rules.
	Alerts Alerts
}

// deferredAlertPage is the spool's kind for a page's deferred alert observation. It is
// written to spool files: it must not change.
const deferredAlertPage = "alert_page"

// Sink hands each page's records to the store and the page to the alert engine.
type Sink struct {
	opts Options
	deps Deps
	log  *slog.Logger

	run runonce.Guard
}

var _ crawler.Sink = (*Sink)(nil)

// New checks deps and registers the alert engine as the handler of its deferred
// observations. It starts nothing.
func New(opts Options, deps Deps) (*Sink, error) {
	if deps.Store == nil {
		return nil, errors.New("pipeline: Deps.Store is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sink{opts: opts, deps: deps, log: log}
	if deps.Outage != nil && deps.Alerts != nil {
		deps.Outage.Handle(deferredAlertPage, func(ctx context.Context, data json.RawMessage) error {
			var p alert.Page
			if err := json.Unmarshal(data, &p); err != nil {
				return fmt.Errorf("deferred alert page: %w", err)
			}
			return deps.Alerts.ObservePage(ctx, p)
		})
	}
	return s, nil
}

// Put stamps the page's records with the market, the capture time and reference, stores
// them (cards and parts as partial records, see index.ToStore) and shows the page to the
// alert engine. It returns nil only once all of it is durable.
func (s *Sink) Put(ctx context.Context, p crawler.Page) error {
	at := p.Capture.Time
	if at.IsZero() {
		at = s.opts.Now().UTC()
	}
	ref := p.Capture
	ls := make([]record.Listing, len(p.Result.Listings))
	for i, l := range p.Result.Listings {
		stamp(&l.Market, &l.FirstSeen, &l.LastSeen, &l.Capture, p.Market, at, &ref)
		ls[i] = l
	}
	// Listings read from cards on category, search and vendor pages are partial (title,
	// price, link; no description, vendor or offers on most markets). They are stored
	// marked as such (index.ToStore): the store's merge takes only their title, price
	// and status, never clearing the content of a full record read from the listing page,
	// and a listing whose own page is never fetched is still indexed from its card.
	stored := index.ToStore(p.Result.Kind, p.URL, ls)
	vs := make([]record.Vendor, len(p.Result.Vendors))
	for i, v := range p.Result.Vendors {
		stamp(&v.Market, &v.FirstSeen, &v.LastSeen, &v.Capture, p.Market, at, &ref)
		vs[i] = v
	}
	if len(vs) > 0 {
		if err := s.deps.Store.PutVendors(ctx, vs); err != nil {
			return fmt.Errorf("store vendors: %w", err)
		}
	}
	if len(stored) > 0 {
		if err := s.deps.Store.PutListings(ctx, stored); err != nil {
			return fmt.Errorf("store listings: %w", err)
		}
	}
	if s.deps.Alerts == nil {
		return nil
	}
	// The engine sees every listing as read (cards unmarked, including those not stored);
	// a listing's tab sub-page (part) holds no listing of its own for it.
	ap := alert.Page{Market: p.Market, URL: p.URL, Status: p.Status,
		NotFound: p.Result.Kind == record.KindNotFound, Cards: index.CardPage(p.Result.Kind),
		Listings: ls, Vendors: vs, Capture: p.Capture}
	if p.Result.Kind == record.KindPart {
		ap.Listings = nil
	}
	observe := func(ctx context.Context) error { return s.deps.Alerts.ObservePage(ctx, ap) }
	var err error
	if s.deps.Outage == nil {
		err = observe(ctx)
	} else {
		// Through the outage path: while the backend is unreachable the page's novelty
		// checks wait on disk behind its records, instead of failing the page.
		err = s.deps.Outage.Defer(ctx, deferredAlertPage, ap, observe)
	}
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	return nil
}

// stamp fills a record's empty market, sighting times and capture from its page.
func stamp(market *string, first, last *time.Time, capt **record.Capture, pageMarket string, at time.Time, ref *record.Capture) {
	if *market == "" {
		*market = pageMarket
	}
	if first.IsZero() {
		*first = at
	}
	if last.IsZero() {
		*last = at
	}
	if *capt == nil {
		*capt = ref
	}
}

// Run runs the background work of the pipeline's parts (the outage path's replay, the alert
// engine's deliveries) until ctx ends or Close is called. It returns when all of it has
// stopped, with their errors joined. Run may be called once.
func (s *Sink) Run(ctx context.Context) error {
	ctx, done, err := s.run.Start(ctx)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	defer done()

	var runs []func(context.Context) error
	if s.deps.Outage != nil {
		runs = append(runs, s.deps.Outage.Run)
	}
	if s.deps.Alerts != nil {
		runs = append(runs, s.deps.Alerts.Run)
	}
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i, run := range runs {
		wg.Go(func() { errs[i] = run(ctx) })
	}
	wg.Wait()
	<-ctx.Done()
	return errors.Join(errs...)
}

// Flush makes everything durable and visible: the store first (with Elasticsearch it
// replays its spool, records and the deferred alert observations in order), then the alert
// engine (the alerts those raised are delivered).
func (s *Sink) Flush(ctx context.Context) error {
	errs := []error{s.deps.Store.Flush(ctx)}
	if s.deps.Alerts != nil {
		errs = append(errs, s.deps.Alerts.Flush(ctx))
	}
	return errors.Join(errs...)
}

// Close stops a running Run and waits for it. It does not close the store or the alert
// engine. Idempotent.
func (s *Sink) Close() error {
	s.run.Stop()
	return nil
}
