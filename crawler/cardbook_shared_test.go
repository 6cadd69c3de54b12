package crawler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// TestRefreshSeveralProcesses: several crawl processes share one frontier (as with the Redis
// frontier), each with its own card book. Process A crawled day 1; on day 2 A and a new
// process B (a fresh machine: an empty card book) refresh together. A card B's book does not
// know brings its listing back (not_in_book), so no change is missed whichever process sees
// which card: every listing the truth says changed price or is gone is fetched on day 2.
func TestRefreshSeveralProcesses(t *testing.T) {
	r := newTwoDays(t, testbed.Options{Seed: 3, Markets: 4, Listings: 60, Traps: true})
	bookA, bookB := r.book(t, "a"), r.book(t, "b")
	fr := r.fr
	process := func(cards crawler.Cards, refresh bool) *crawler.Crawler {
		cr, err := crawler.New(crawler.Options{Markets: r.markets, Workers: 2, Once: true, Refresh: refresh, Recrawl: 24 * time.Hour,
			Lease: 30 * time.Second, FetchTimeout: 30 * time.Second},
			crawler.Deps{Frontier: fr, Transport: r.tr, Extractor: r.x, Sink: newMemSink(), Cards: cards})
		if err != nil {
			t.Fatal(err)
		}
		return cr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	a1 := process(bookA, false)
	if err := a1.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a1.Run(ctx); err != nil {
		t.Fatal(err)
	}
	day1 := r.w1.Stats().Requests

	r.tr.w.Store(r.w2)
	if _, err := fr.RecrawlNow(ctx); err != nil { // crawl --refresh
		t.Fatal(err)
	}
	a2, b2 := process(bookA, true), process(bookB, true)
	var wg sync.WaitGroup
	for _, cr := range []*crawler.Crawler{a2, b2} {
		wg.Go(func() {
			if err := cr.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("day 2 did not finish")
	}
	changes := r.checkChangesFetched(t)
	st2 := r.w2.Stats()
	ra, rb := a2.Stats().Refetches(), b2.Stats().Refetches()
	t.Logf("day 1 %d requests (process A); day 2 %d requests (A and B): ratio %.3f; %d changes in the truth; A refetched %v, skipped %v; B refetched %v, skipped %v",
		day1, st2.Requests, float64(st2.Requests)/float64(day1), changes, ra, a2.Stats().Skips(), rb, b2.Stats().Skips())
	if rb[crawler.RefetchNotInBook] == 0 {
		t.Errorf("process B (empty card book) brought nothing back as not_in_book: %v", rb)
	}
}
