package crawler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/deploy/testenv"
)

// sharedFrontier is what the test needs of a frontier several processes share.
type sharedFrontier interface {
	crawler.Frontier
	frontier.Recrawler
}

// TestRefreshSeveralProcesses: several crawl processes share one frontier. Process A crawled
// day 1; on day 2 A and a new process B (a fresh machine) refresh together. Every listing
// the truth says changed price or is gone is fetched on day 2, whichever process sees which
// card:
//   - each with its own card book (B's is empty): a card B's book has no fetch for brings
//     its listing back (not_in_book), a listing whose cards B saw comes back in A as
//     vanished: more fetches, never a missed change;
//   - one card book beside the Redis frontier (SharedCards, as `darkwatch crawl` uses with
//     frontier.backend redis): the day-2 refresh costs what one process's does.
func TestRefreshSeveralProcesses(t *testing.T) {
	cases := []struct {
		name     string
		shared   bool
		maxRatio float64 // day-2 requests / day 1's
	}{
		{"per-process books, embedded frontier", false, 1.5},
		{"shared book, Redis frontier", true, 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newTwoDays(t, testbed.Options{Seed: 3, Markets: 4, Listings: 60, Traps: true})
			var fr sharedFrontier = r.fr
			var bookA, bookB crawler.Cards = r.book(t, "a"), r.book(t, "b")
			if tc.shared {
				ro, err := redis.ParseURL(testenv.RedisURL(t))
				if err != nil {
					t.Fatal(err)
				}
				client := redis.NewClient(ro)
				t.Cleanup(func() { client.Close() })
				rf, err := frontier.NewRedis(client, childFrontierOptions(uniqueRedisPrefix(t, client)))
				if err != nil {
					t.Fatal(err)
				}
				fr = rf
				bookA = crawler.NewSharedCards(rf)
				bookB = bookA
			}
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
			ratio := float64(r.w2.Stats().Requests) / float64(day1)
			ra, rb := a2.Stats().Refetches(), b2.Stats().Refetches()
			t.Logf("day 1 %d requests (process A); day 2 %d requests (A and B): ratio %.3f; %d changes in the truth; A refetched %v, skipped %v; B refetched %v, skipped %v",
				day1, r.w2.Stats().Requests, ratio, changes, ra, a2.Stats().Skips(), rb, b2.Stats().Skips())
			if !tc.shared && rb[crawler.RefetchNotInBook] == 0 {
				t.Errorf("process B (empty card book) brought nothing back as not_in_book: %v", rb)
			}
			if ratio > tc.maxRatio {
				t.Errorf("day 2 sent %.3f of day 1's requests, want <= %.2f", ratio, tc.maxRatio)
			}
		})
	}
}
