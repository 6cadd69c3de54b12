package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/extract"
)

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
