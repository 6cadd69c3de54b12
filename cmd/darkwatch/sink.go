package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
)

// indexSink hands each page's records to the index (and to the alert engine when alerts are
// configured). Put returns only when the store accepted them durably.
type indexSink struct {
	store index.Store
	log   *slog.Logger
	// observers see every stored page (alerts); each returns only when its own state is durable.
	observers []pageObserver
}

// pageObserver is what the alert engine implements to see stored pages and operator events.
type pageObserver interface {
	ObservePage(ctx context.Context, p crawler.Page) error
	OperatorEvent(ctx context.Context, e crawler.Event)
	Flush(ctx context.Context) error
	Close() error
}

// observerFactories are filled by other files of cmd (alerts) at init.
var observerFactories []func(ctx context.Context, cfg *config.Config, store index.Store, log *slog.Logger) (pageObserver, error)

func newIndexSink(ctx context.Context, cfg *config.Config, store index.Store, log *slog.Logger) (*indexSink, error) {
	s := &indexSink{store: store, log: log}
	for _, f := range observerFactories {
		o, err := f(ctx, cfg, store, log)
		if err != nil {
			return nil, err
		}
		if o != nil {
			s.observers = append(s.observers, o)
		}
	}
	return s, nil
}

// Put stamps the records with the capture time and reference and stores them.
func (s *indexSink) Put(ctx context.Context, p crawler.Page) error {
	at := p.Capture.Time
	if at.IsZero() {
		at = time.Now().UTC()
	}
	ref := p.Capture
	ls := make([]extract.Listing, len(p.Result.Listings))
	for i, l := range p.Result.Listings {
		if l.Market == "" {
			l.Market = p.Market
		}
		if l.FirstSeen.IsZero() {
			l.FirstSeen = at
		}
		if l.LastSeen.IsZero() {
			l.LastSeen = at
		}
		if l.Capture == nil {
			l.Capture = &ref
		}
		ls[i] = l
	}
	// Listings read from cards on category, search and vendor pages are partial (title,
	// price, link; no description, vendor or offers on most markets). They are stored
	// marked as such (index.ToStore): the store's merge takes only their title, price
	// and status, never clearing the content of a full record read from the listing page,
	// and a listing whose own page is never fetched is still indexed from its card.
	stored := index.ToStore(p.Result.Kind, p.URL, ls)
	vs := make([]extract.Vendor, len(p.Result.Vendors))
	for i, v := range p.Result.Vendors {
		if v.Market == "" {
			v.Market = p.Market
		}
		if v.FirstSeen.IsZero() {
			v.FirstSeen = at
		}
		if v.LastSeen.IsZero() {
			v.LastSeen = at
		}
		if v.Capture == nil {
			v.Capture = &ref
		}
		vs[i] = v
	}
	if len(vs) > 0 {
		if err := s.store.PutVendors(ctx, vs); err != nil {
			return fmt.Errorf("store vendors: %w", err)
		}
	}
	if len(stored) > 0 {
		if err := s.store.PutListings(ctx, stored); err != nil {
			return fmt.Errorf("store listings: %w", err)
		}
	}
	// Observers see every listing, as read (cards unmarked, including those not stored);
	// a listing's tab sub-page (part) holds no listing of its own for them.
	p.Result.Listings, p.Result.Vendors = ls, vs
	if p.Result.Kind == extract.KindPart {
		p.Result.Listings = nil
	}
	for _, o := range s.observers {
		if err := o.ObservePage(ctx, p); err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
	}
	return nil
}

// Event passes operator events to the observers (the crawler has logged them already).
func (s *indexSink) Event(e crawler.Event) {
	for _, o := range s.observers {
		o.OperatorEvent(context.Background(), e)
	}
}

// Flush makes everything durable and visible: the store first (with Elasticsearch it
// replays its spool, records and the deferred alert observations in order), then the
// observers (the alerts those raised are delivered too).
func (s *indexSink) Flush(ctx context.Context) error {
	errs := []error{s.store.Flush(ctx)}
	for _, o := range s.observers {
		errs = append(errs, o.Flush(ctx))
	}
	return errors.Join(errs...)
}

// Close closes the observers (not the store).
func (s *indexSink) Close() error {
	for _, o := range s.observers {
		_ = o.Close()
	}
	return nil
}

// startProgress prints a progress line on w every second while the crawl runs, when w is a
// terminal (or mode is "on"). It returns a function that stops it.
func startProgress(ctx context.Context, mode string, w io.Writer, cr *crawler.Crawler, fr frontier.Frontier) func() {
	on := mode == "on"
	if mode == "auto" {
		if f, ok := w.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				on = true
			}
		}
	}
	if !on {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				fmt.Fprintln(w)
				return
			case <-t.C:
				st, _ := fr.Stats(ctx)
				s := cr.Stats()
				fmt.Fprintf(w, "\r\033[Krequests %d  listings %d  vendors %d  errors %d  queued %d  in-flight %d  dead %d",
					s.Requests.Load(), s.DistinctListings(), s.DistinctVendors(), s.Errors.Load(), st.Queued, st.InFlight, st.Dead)
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

func printCrawlSummary(w io.Writer, cr *crawler.Crawler, fr frontier.Frontier, took time.Duration, cfgPath string) {
	s := cr.Stats()
	nl, nv, req := s.DistinctListings(), s.DistinctVendors(), s.Requests.Load()
	perListing := "-"
	if nl > 0 {
		perListing = fmt.Sprintf("%.2f", float64(req)/float64(nl))
	}
	fmt.Fprintf(w, "crawl finished in %s: %d listings and %d vendors stored, %d requests (%s per listing), %d pages, %d fetch errors\n",
		took.Round(time.Second), nl, nv, req, perListing, s.Pages.Load(), s.Errors.Load())
	fmt.Fprintf(w, "  sightings (a listing on several pages counts on each): %d listings, %d vendors\n", s.Listings.Load(), s.Vendors.Load())
	if skips := s.Skips(); len(skips) > 0 {
		fmt.Fprintf(w, "  not fetched, by reason:%s\n", byReason(skips))
	}
	if rf := s.Refetches(); len(rf) > 0 {
		fmt.Fprintf(w, "  listing pages refetched by the refresh, by reason:%s\n", byReason(rf))
	}
	if st, err := fr.Stats(context.Background()); err == nil {
		names := make([]string, 0, len(st.Markets))
		for n := range st.Markets {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			m := st.Markets[n]
			paused := ""
			switch {
			case m.Paused == extract.InterstitialBlocked:
				paused = "  PAUSED: blocked (a ban or strike notice on a navigational page: wait it out, or renew the session cookie, then SIGHUP or re-run)"
			case m.Paused != "":
				paused = "  PAUSED: " + m.Paused + " (renew the session cookie, then SIGHUP or re-run)"
			}
			fmt.Fprintf(w, "  %-24s seen %6d  queued %5d  in-flight %3d  dead %4d%s\n", n, m.Seen, m.Queued, m.InFlight, m.Dead, paused)
		}
	}
	cf := ""
	if cfgPath != "" {
		cf = " -config " + cfgPath
	}
	fmt.Fprintf(w, "next: darkwatch search%s --substance fentanyl   |   darkwatch search%s --family nitazene --json   |   darkwatch serve%s\n", cf, cf, cf)
}

// byReason formats counts by reason as " a 1 b 2", reasons sorted.
func byReason(counts map[string]int64) string {
	var b strings.Builder
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, " %s %d", r, counts[r])
	}
	return b.String()
}
