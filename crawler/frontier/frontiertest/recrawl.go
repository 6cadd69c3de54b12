package frontiertest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// RunRecrawlNow checks frontier.Recrawler: pages done with a recrawl schedule come back at
// once after RecrawlNow (the frontier is no longer drained), pages done without one do not,
// and a second RecrawlNow after they are done again brings them back again.
func RunRecrawlNow(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	r, ok := e.f.(frontier.Recrawler)
	if !ok {
		t.Fatalf("%T does not implement frontier.Recrawler", e.f)
	}
	items := []frontier.Item{item("m1", "a.onion", 1), item("m1", "b.onion", 2), item("m2", "c.onion", 3)}
	e.add(3, items...)
	ls := e.lease(10, time.Minute)
	if len(ls) != 3 {
		t.Fatalf("leased %d, want 3", len(ls))
	}
	var want []string
	for _, l := range ls {
		res := frontier.Result{Status: frontier.Done, Recrawl: 24 * time.Hour}
		if l.URL == items[1].URL {
			res.Recrawl = 0 // done for good
		} else {
			want = append(want, l.URL)
		}
		if err := e.f.Ack(e.ctx, l, res); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(want)
	for round := range 2 {
		if d := drained(t, e.ctx, e.f); !d {
			t.Fatalf("round %d: not drained before RecrawlNow", round)
		}
		n, err := r.RecrawlNow(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Fatalf("round %d: RecrawlNow moved %d, want %d", round, n, len(want))
		}
		if d := drained(t, e.ctx, e.f); d {
			t.Fatalf("round %d: drained right after RecrawlNow", round)
		}
		e.clock.Advance(time.Minute) // politeness delay of the hosts
		ls := e.lease(10, time.Minute)
		var got []string
		for _, l := range ls {
			got = append(got, l.URL)
			if err := e.f.Ack(e.ctx, l, frontier.Result{Status: frontier.Done, Recrawl: 24 * time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: leased %v after RecrawlNow, want %v", round, got, want)
		}
	}
	st, err := e.f.Stats(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Recrawl != int64(len(want)) {
		t.Errorf("Stats.Recrawl = %d, want %d", st.Recrawl, len(want))
	}
}

func drained(t *testing.T, ctx context.Context, f frontier.Frontier) bool {
	t.Helper()
	d, err := f.Drained(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// RunRefresh checks frontier.Refresher: RecrawlURLs brings back exactly the scheduled URLs
// named (in their market), and leaves the others, queued and unknown URLs alone.
func RunRefresh(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	r, ok := e.f.(frontier.Refresher)
	if !ok {
		t.Fatalf("%T does not implement frontier.Refresher", e.f)
	}
	nav, l1, l2, other := item("m1", "a.onion", 1), item("m1", "b.onion", 2), item("m1", "c.onion", 3), item("m2", "d.onion", 4)
	nav.Kind, l1.Kind, l2.Kind, other.Kind = frontier.KindNav, frontier.KindListing, frontier.KindListing, frontier.KindListing
	e.add(4, nav, l1, l2, other)
	ls := e.lease(10, time.Minute)
	if len(ls) != 4 {
		t.Fatalf("leased %d, want 4", len(ls))
	}
	for _, l := range ls {
		if err := e.f.Ack(e.ctx, l, frontier.Result{Status: frontier.Done, Recrawl: 24 * time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	leaseAll := func() []string {
		e.clock.Advance(time.Minute)
		var got []string
		for _, l := range e.lease(10, time.Minute) {
			got = append(got, l.URL)
			if err := e.f.Ack(e.ctx, l, frontier.Result{Status: frontier.Done, Recrawl: 24 * time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(got)
		return got
	}
	n, err := r.RecrawlURLs(e.ctx, "m1", []string{l2.URL, other.URL, "http://unknown.onion/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := leaseAll(); n != 1 || !slices.Equal(got, []string{l2.URL}) {
		t.Fatalf("RecrawlURLs(m1, ...) moved %d, leased %v; want 1, [%s]", n, got, l2.URL)
	}
	if d := drained(t, e.ctx, e.f); !d {
		t.Fatal("not drained after the refresh")
	}
}
