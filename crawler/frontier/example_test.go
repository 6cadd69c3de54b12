package frontier_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// The crawl loop in miniature: add seeds, lease, fetch, add links, ack.
func Example() {
	dir, _ := os.MkdirTemp("", "frontier-example")
	defer os.RemoveAll(dir)
	f, err := frontier.OpenBolt(filepath.Join(dir, "frontier.db"), frontier.Options{HostDelay: 0, HostMaxInFlight: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	ctx := context.Background()

	seed := frontier.Item{URL: "http://abc.onion/", Market: "abc", Host: "abc.onion", Kind: frontier.KindSeed, Priority: 5}
	f.Add(ctx, seed)
	for {
		ls, _ := f.Lease(ctx, 8, time.Minute)
		if len(ls) == 0 {
			if done, _ := f.Drained(ctx); done {
				break
			}
			continue // real loop: wait a little, Reap now and then
		}
		for _, l := range ls {
			// fetch l.URL ... hand records to the sink durably, then:
			if l.Kind == frontier.KindSeed {
				f.Add(ctx, frontier.Item{URL: "http://abc.onion/listing/1", Market: l.Market, Host: l.Host,
					Depth: l.Depth + 1, Kind: frontier.KindListing, Priority: 30})
			}
			fmt.Println("fetched", l.URL)
			f.Ack(ctx, l, frontier.Result{Status: frontier.Done})
		}
	}
	// Output:
	// fetched http://abc.onion/
	// fetched http://abc.onion/listing/1
}
