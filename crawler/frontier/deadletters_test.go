package frontier_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

func TestBoltDeadLettersSurviveReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "frontier.db")
	open := func() *frontier.Bolt {
		t.Helper()
		f, err := frontier.OpenBolt(path, frontier.Options{HostMaxInFlight: 10})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	counts := func(f *frontier.Bolt, queued, dead int64) {
		t.Helper()
		st, err := f.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Queued != queued || st.Dead != dead {
			t.Fatalf("counts %+v, want queued %d dead %d", st.Counts, queued, dead)
		}
	}
	f := open()
	var urls []string
	for i, m := range []string{"m1", "m1", "m2"} {
		it := frontier.Item{URL: "http://a.onion/" + string(rune('a'+i)), Market: m, Host: "a.onion", Priority: 20, Depth: 1, Kind: frontier.KindListing}
		urls = append(urls, it.URL)
		if _, err := f.Add(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	ls, err := f.Lease(ctx, 10, time.Minute)
	if err != nil || len(ls) != 3 {
		t.Fatalf("Lease: %d leases, %v; want 3", len(ls), err)
	}
	for _, l := range ls {
		if err := f.Ack(ctx, l, frontier.Result{Status: frontier.Drop, Err: "404"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.RequeueDead(ctx, "", urls[:1]); n != 1 || err != nil {
		t.Fatalf("RequeueDead = %d, %v; want 1", n, err)
	}
	counts(f, 1, 2)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	f = open()
	counts(f, 1, 2)
	ds, err := f.Dead(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.URL)
	}
	slices.Sort(got)
	if !slices.Equal(got, urls[1:]) {
		t.Fatalf("Dead after reopen = %v, want %v", got, urls[1:])
	}
	if n, err := f.RequeueDead(ctx, "", urls[:1]); n != 0 || err != nil {
		t.Fatalf("RequeueDead of a requeued URL after reopen = %d, %v; want 0", n, err)
	}
	if n, err := f.RequeueAllDead(ctx, "m1"); n != 1 || err != nil {
		t.Fatalf("RequeueAllDead(m1) = %d, %v; want 1", n, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	f = open()
	defer f.Close()
	counts(f, 2, 1)
	ls, err = f.Lease(ctx, 10, time.Minute)
	if err != nil || len(ls) != 2 {
		t.Fatalf("Lease after reopen: %d leases, %v; want 2", len(ls), err)
	}
	for _, l := range ls {
		if l.Attempt != 0 || l.Market != "m1" || l.Priority != 20 || l.Depth != 1 || l.Kind != frontier.KindListing {
			t.Errorf("lease after reopen %+v, want m1 attempt 0 priority 20 depth 1 listing", l.Item)
		}
	}
}

func TestBoltLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "frontier.db")
	f, err := frontier.OpenBolt(path, frontier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	g, err := frontier.OpenBolt(path, frontier.Options{})
	if err == nil {
		g.Close()
		t.Fatal("second OpenBolt of a held file succeeded")
	}
	if !errors.Is(err, frontier.ErrLocked) {
		t.Fatalf("second OpenBolt: %v, want ErrLocked", err)
	}
	t.Logf("refused after %v: %v", time.Since(start).Round(time.Millisecond), err)
}
