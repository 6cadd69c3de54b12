// Package frontiertest is the conformance suite every frontier.Frontier
// implementation must pass. It drives time with a fake clock
// (frontier.Options.Clock), so it never sleeps.
package frontiertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// Opener returns a fresh, empty frontier built with opts (Clock and Rand
// are set by the suite). It should register cleanup with t.Cleanup.
type Opener func(t *testing.T, opts frontier.Options) frontier.Frontier

// Clock is a fake clock safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

// Now returns the fake time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     *testing.T
	ctx   context.Context
	clock *Clock
	f     frontier.Frontier
}

func setup(t *testing.T, open Opener, opts frontier.Options) *env {
	t.Helper()
	c := NewClock()
	opts.Clock = c.Now
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 }
	}
	return &env{t: t, ctx: t.Context(), clock: c, f: open(t, opts)}
}

func item(market, host string, i int) frontier.Item {
	return frontier.Item{URL: fmt.Sprintf("http://%s/p/%d", host, i), Market: market, Host: host, Kind: frontier.KindNav}
}

func (e *env) add(want int, items ...frontier.Item) {
	e.t.Helper()
	n, err := e.f.Add(e.ctx, items...)
	if err != nil {
		e.t.Fatalf("Add: %v", err)
	}
	if n != want {
		e.t.Fatalf("Add added %d, want %d", n, want)
	}
}

func (e *env) lease(max int, ttl time.Duration) []frontier.Lease {
	e.t.Helper()
	ls, err := e.f.Lease(e.ctx, max, ttl)
	if err != nil {
		e.t.Fatalf("Lease: %v", err)
	}
	if len(ls) > max {
		e.t.Fatalf("Lease(%d) returned %d", max, len(ls))
	}
	return ls
}

func (e *env) leaseN(max int, want int) []frontier.Lease {
	e.t.Helper()
	ls := e.lease(max, time.Minute)
	if len(ls) != want {
		e.t.Fatalf("Lease(%d) got %d leases %v, want %d", max, len(ls), urls(ls), want)
	}
	return ls
}

func (e *env) ack(l frontier.Lease, r frontier.Result) {
	e.t.Helper()
	if err := e.f.Ack(e.ctx, l, r); err != nil {
		e.t.Fatalf("Ack %s %v: %v", l.URL, r.Status, err)
	}
}

func (e *env) stats() frontier.Stats {
	e.t.Helper()
	st, err := e.f.Stats(e.ctx)
	if err != nil {
		e.t.Fatalf("Stats: %v", err)
	}
	return st
}

func (e *env) drained(want bool) {
	e.t.Helper()
	got, err := e.f.Drained(e.ctx)
	if err != nil {
		e.t.Fatalf("Drained: %v", err)
	}
	if got != want {
		e.t.Fatalf("Drained = %v, want %v (stats %+v)", got, want, e.stats().Counts)
	}
}

func urls(ls []frontier.Lease) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.URL)
	}
	return out
}

// Run runs the conformance suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Dedup", testDedup},
		{"InvalidItem", testInvalid},
		{"ConcurrentAddLeaseExactlyOnce", testConcurrent},
		{"PriorityOrder", testPriority},
		{"HostDelayAndInFlightCap", testPoliteness},
		{"InFlightCapNoDelay", testCapNoDelay},
		{"LeaseExpiryReap", testReap},
		{"Extend", testExtend},
		{"RetryBackoffDeadLetter", testRetry},
		{"DropDeadLetters", testDrop},
		{"HostFailedBackoffProbe", testHostFailed},
		{"HostDownResult", testHostDownResult},
		{"PauseMarket", testPause},
		{"Recrawl", testRecrawl},
		{"Drained", testDrained},
		{"MaxPagesPerMarket", testMaxPages},
		{"Stats", testStats},
		{"AckManyMixed", testAckMany},
		{"AckManyHostOrder", testAckManyHostOrder},
		{"Release", testRelease},
		{"DeadLettersList", testDeadList},
		{"DeadLettersRequeueOne", testRequeueOne},
		{"DeadLettersRequeueAll", testRequeueAll},
		{"DeadLettersRequeueMany", testRequeueMany},
		{"DeadLettersRequeuePausedHostDown", testRequeuePausedAndHostDown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

func testDedup(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	a := item("m1", "a.onion", 1)
	e.add(1, a, a)
	e.add(0, a)
	// Same URL in another market is a different item.
	b := a
	b.Market = "m2"
	e.add(1, b)
	ls := e.leaseN(10, 2)
	for _, l := range ls {
		e.ack(l, frontier.Result{Status: frontier.Done})
	}
	// Done URLs stay seen.
	e.add(0, a, b)
	if st := e.stats(); st.Seen != 2 {
		t.Fatalf("Seen = %d, want 2", st.Seen)
	}
}

func testInvalid(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	for _, it := range []frontier.Item{
		{URL: "", Market: "m", Host: "h"},
		{URL: "u", Market: "", Host: "h"},
		{URL: "u", Market: "m{x}", Host: "h"},
		{URL: "u", Market: "m", Host: ""},
	} {
		if _, err := e.f.Add(e.ctx, it); !errors.Is(err, frontier.ErrInvalid) {
			t.Errorf("Add(%+v) err = %v, want ErrInvalid", it, err)
		}
	}
}

func testConcurrent(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostMaxInFlight: 1000})
	const n, workers = 400, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := range workers {
		wg.Go(func() {
			var its []frontier.Item
			for i := range 200 { // overlapping windows over [0,n)
				k := (g*50 + i) % n
				its = append(its, item([]string{"m1", "m2"}[k%2], fmt.Sprintf("h%d.onion", k%7), k))
			}
			got, err := e.f.Add(e.ctx, its...)
			if err != nil {
				t.Errorf("Add: %v", err)
			}
			mu.Lock()
			total += got
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != n {
		t.Fatalf("total added %d, want %d", total, n)
	}
	leased := map[string]int{}
	for range workers {
		wg.Go(func() {
			for range 1000 {
				ls, err := e.f.Lease(e.ctx, 7, time.Minute)
				if err != nil {
					t.Errorf("Lease: %v", err)
					return
				}
				if len(ls) == 0 {
					if d, _ := e.f.Drained(e.ctx); d {
						return
					}
					continue
				}
				mu.Lock()
				for _, l := range ls {
					leased[l.URL]++
				}
				mu.Unlock()
				outs := make([]frontier.Outcome, len(ls))
				for i, l := range ls {
					outs[i] = frontier.Outcome{Lease: l, Result: frontier.Result{Status: frontier.Done}}
				}
				if err := e.f.AckMany(e.ctx, outs); err != nil {
					t.Errorf("AckMany: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if len(leased) != n {
		t.Fatalf("leased %d distinct URLs, want %d", len(leased), n)
	}
	for u, c := range leased {
		if c != 1 {
			t.Errorf("%s leased %d times, want 1", u, c)
		}
	}
	e.drained(true)
}

func testPriority(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostMaxInFlight: 100})
	var its []frontier.Item
	prio := map[string]int{frontier.KindNav: 0, frontier.KindVendor: 5, frontier.KindListing: 10}
	kinds := []string{frontier.KindNav, frontier.KindListing, frontier.KindVendor}
	for i := range 9 {
		it := item("m1", "a.onion", i)
		it.Kind = kinds[i%3]
		it.Priority = prio[it.Kind]
		its = append(its, it)
	}
	e.add(9, its...)
	var got []string
	for _, l := range e.leaseN(100, 9) {
		got = append(got, l.URL)
	}
	var want []string
	for _, i := range []int{1, 4, 7, 2, 5, 8, 0, 3, 6} {
		want = append(want, its[i].URL)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("lease order\n got %v\nwant %v", got, want)
	}
}

func testPoliteness(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostDelay: 10 * time.Second, HostMaxInFlight: 2})
	for i := range 5 {
		e.add(2, item("m1", "a.onion", i), item("m1", "b.onion", i))
	}
	hosts := func(ls []frontier.Lease) []string {
		var hs []string
		for _, l := range ls {
			hs = append(hs, l.Host)
		}
		slices.Sort(hs)
		return hs
	}
	first := e.leaseN(10, 2)
	if h := hosts(first); !slices.Equal(h, []string{"a.onion", "b.onion"}) {
		t.Fatalf("first lease hosts %v, want one per host", h)
	}
	e.leaseN(10, 0) // delay not elapsed
	e.clock.Advance(9 * time.Second)
	e.leaseN(10, 0)
	e.clock.Advance(time.Second)
	e.leaseN(10, 2) // in flight now 2 per host
	e.clock.Advance(10 * time.Second)
	e.leaseN(10, 0) // in-flight cap
	var a frontier.Lease
	for _, l := range first {
		if l.Host == "a.onion" {
			a = l
		}
	}
	e.ack(a, frontier.Result{Status: frontier.Done})
	got := e.leaseN(10, 1)
	if got[0].Host != "a.onion" {
		t.Fatalf("after ack got host %s, want a.onion", got[0].Host)
	}
}

func testCapNoDelay(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostMaxInFlight: 3})
	for i := range 10 {
		e.add(1, item("m1", "a.onion", i))
	}
	e.add(1, item("m1", "b.onion", 0))
	ls := e.leaseN(100, 4)
	per := map[string]int{}
	for _, l := range ls {
		per[l.Host]++
	}
	if per["a.onion"] != 3 || per["b.onion"] != 1 {
		t.Fatalf("per host %v, want a:3 b:1", per)
	}
	e.leaseN(100, 0)
	if st := e.stats(); st.InFlight != 4 || st.Queued != 7 {
		t.Fatalf("in flight %d queued %d, want 4 and 7", st.InFlight, st.Queued)
	}
}

func testReap(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	e.add(1, item("m1", "a.onion", 1))
	l := e.lease(1, 30*time.Second)
	if len(l) != 1 {
		t.Fatalf("got %d leases, want 1", len(l))
	}
	e.clock.Advance(10 * time.Second)
	if n, err := e.f.Reap(e.ctx); err != nil || n != 0 {
		t.Fatalf("Reap before deadline = %d, %v; want 0", n, err)
	}
	e.clock.Advance(21 * time.Second)
	if n, err := e.f.Reap(e.ctx); err != nil || n != 1 {
		t.Fatalf("Reap after deadline = %d, %v; want 1", n, err)
	}
	l2 := e.leaseN(1, 1)
	if l2[0].URL != l[0].URL || l2[0].Token == l[0].Token || l2[0].Attempt != 0 {
		t.Fatalf("re-lease %+v, want same URL, new token, attempt 0 (old %+v)", l2[0], l[0])
	}
	if err := e.f.Ack(e.ctx, l[0], frontier.Result{Status: frontier.Done}); !errors.Is(err, frontier.ErrLeaseLost) {
		t.Fatalf("Ack of reaped lease err = %v, want ErrLeaseLost", err)
	}
	e.ack(l2[0], frontier.Result{Status: frontier.Done})
	if err := e.f.Ack(e.ctx, l2[0], frontier.Result{Status: frontier.Done}); !errors.Is(err, frontier.ErrLeaseLost) {
		t.Fatalf("second Ack err = %v, want ErrLeaseLost", err)
	}
	e.drained(true)
}

func testExtend(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	e.add(1, item("m1", "a.onion", 1))
	l := e.lease(1, 30*time.Second)[0]
	e.clock.Advance(20 * time.Second)
	l2, err := e.f.Extend(e.ctx, l, 30*time.Second)
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if want := e.clock.Now().Add(30 * time.Second); !l2.Deadline.Equal(want) {
		t.Fatalf("extended deadline %v, want %v", l2.Deadline, want)
	}
	e.clock.Advance(20 * time.Second) // past the old deadline
	if n, _ := e.f.Reap(e.ctx); n != 0 {
		t.Fatalf("Reap after extend = %d, want 0", n)
	}
	e.clock.Advance(11 * time.Second)
	if n, _ := e.f.Reap(e.ctx); n != 1 {
		t.Fatalf("Reap after extended deadline = %d, want 1", n)
	}
	if _, err := e.f.Extend(e.ctx, l2, time.Minute); !errors.Is(err, frontier.ErrLeaseLost) {
		t.Fatalf("Extend of reaped lease err = %v, want ErrLeaseLost", err)
	}
}

func testRetry(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{MaxAttempts: 3, BackoffBase: 10 * time.Second, BackoffMax: time.Minute})
	e.add(1, item("m1", "a.onion", 1))
	l := e.leaseN(1, 1)[0]
	for attempt := 1; attempt < 3; attempt++ {
		e.ack(l, frontier.Result{Status: frontier.Retry, Err: "timeout"})
		if st := e.stats(); st.Delayed != 1 || st.InFlight != 0 {
			t.Fatalf("after retry %d: delayed %d in flight %d, want 1, 0", attempt, st.Delayed, st.InFlight)
		}
		e.drained(false)
		// Backoff for attempt n is in [base*2^(n-1)/2, base*2^(n-1)].
		d := 10 * time.Second << (attempt - 1)
		e.clock.Advance(d/2 - time.Second)
		e.leaseN(1, 0)
		e.clock.Advance(d/2 + time.Second)
		l = e.leaseN(1, 1)[0]
		if l.Attempt != attempt {
			t.Fatalf("Attempt = %d, want %d", l.Attempt, attempt)
		}
	}
	e.ack(l, frontier.Result{Status: frontier.Retry, Err: "timeout"})
	st := e.stats()
	if st.Dead != 1 || st.Delayed != 0 || st.Queued != 0 {
		t.Fatalf("after max attempts: %+v, want dead 1", st.Counts)
	}
	e.clock.Advance(time.Hour)
	e.leaseN(1, 0)
	e.drained(true)
}

func testDrop(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	e.add(1, item("m1", "a.onion", 1))
	e.ack(e.leaseN(1, 1)[0], frontier.Result{Status: frontier.Drop, Err: "404"})
	if st := e.stats(); st.Dead != 1 {
		t.Fatalf("Dead = %d, want 1", st.Dead)
	}
	e.drained(true)
}

func testHostFailed(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostBackoffBase: time.Minute, HostBackoffMax: time.Hour, HostMaxInFlight: 2})
	for i := range 3 {
		e.add(1, item("m1", "a.onion", i))
	}
	e.add(1, item("m1", "b.onion", 0))
	if err := e.f.HostOK(e.ctx, "m1", "a.onion"); err != nil { // up already: no history entry
		t.Fatal(err)
	}
	if err := e.f.HostFailed(e.ctx, "m1", "a.onion", frontier.FailDown); err != nil {
		t.Fatal(err)
	}
	ls := e.leaseN(10, 1)
	if ls[0].Host != "b.onion" {
		t.Fatalf("leased %s while a.onion is down", ls[0].Host)
	}
	e.clock.Advance(29 * time.Second) // backoff is in [30s, 60s]
	e.leaseN(10, 0)
	e.clock.Advance(31 * time.Second)
	probe := e.leaseN(10, 1) // resurrection probe: one lease only
	if probe[0].Host != "a.onion" {
		t.Fatalf("probe host %s", probe[0].Host)
	}
	e.leaseN(10, 0)
	e.ack(probe[0], frontier.Result{Status: frontier.HostDown, Failure: frontier.FailDown})
	// Second failure: backoff in [60s, 120s]; the item was requeued, attempt unchanged.
	e.clock.Advance(59 * time.Second)
	e.leaseN(10, 0)
	e.clock.Advance(61 * time.Second)
	probe = e.leaseN(10, 1)
	if probe[0].Attempt != 0 {
		t.Fatalf("HostDown counted an attempt: %d", probe[0].Attempt)
	}
	e.ack(probe[0], frontier.Result{Status: frontier.Done})
	if hs := e.stats().Markets["m1"].Hosts["a.onion"]; hs.Failures != 0 || !hs.DownUntil.IsZero() {
		t.Fatalf("host after a Done probe: %+v, want up", hs)
	}
	if err := e.f.HostOK(e.ctx, "m1", "a.onion"); err != nil { // no-op when up
		t.Fatal(err)
	}
	e.leaseN(10, 2) // up again: normal cap
	hs := e.stats().Markets["m1"].Hosts["a.onion"]
	if hs.Failures != 0 || !hs.DownUntil.IsZero() {
		t.Fatalf("host after OK: %+v", hs)
	}
	var hist []bool
	for _, ev := range hs.History {
		hist = append(hist, ev.Up)
	}
	if !slices.Equal(hist, []bool{false, false, true}) {
		t.Fatalf("history up flags %v, want [false false true]", hist)
	}
	// FailSoon uses the short BackoffBase (10s default).
	e.ack(ls[0], frontier.Result{Status: frontier.Done})
	if err := e.f.HostFailed(e.ctx, "m1", "b.onion", frontier.FailSoon); err != nil {
		t.Fatal(err)
	}
	e.add(1, item("m1", "b.onion", 1))
	e.leaseN(10, 0)
	e.clock.Advance(10 * time.Second)
	e.leaseN(10, 1)
}

func testHostDownResult(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HistoryLen: 2})
	e.add(1, item("m1", "a.onion", 1))
	for range 3 {
		l := e.leaseN(1, 1)[0]
		e.ack(l, frontier.Result{Status: frontier.HostDown, Failure: frontier.FailSoon})
		e.clock.Advance(time.Hour)
	}
	hs := e.stats().Markets["m1"].Hosts["a.onion"]
	if hs.Failures != 3 || len(hs.History) != 2 {
		t.Fatalf("failures %d history %d, want 3 and 2 (bounded)", hs.Failures, len(hs.History))
	}
}

func testPause(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	e.add(2, item("m1", "a.onion", 1), item("m2", "b.onion", 1))
	if err := e.f.PauseMarket(e.ctx, "m1", "captcha"); err != nil {
		t.Fatal(err)
	}
	ls := e.leaseN(10, 1)
	if ls[0].Market != "m2" {
		t.Fatalf("leased from %s while m1 paused", ls[0].Market)
	}
	p, err := e.f.Paused(e.ctx)
	if err != nil || len(p) != 1 || p["m1"] != "captcha" {
		t.Fatalf("Paused = %v, %v; want m1: captcha", p, err)
	}
	e.drained(false) // paused items still count
	if err := e.f.ResumeMarket(e.ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if ls := e.leaseN(10, 1); ls[0].Market != "m1" {
		t.Fatalf("after resume leased %s", ls[0].Market)
	}
	if p, _ := e.f.Paused(e.ctx); len(p) != 0 {
		t.Fatalf("Paused after resume = %v", p)
	}
}

func testRecrawl(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	it := item("m1", "a.onion", 1)
	it.Kind, it.Priority = frontier.KindListing, 10
	e.add(1, it)
	l := e.leaseN(1, 1)[0]
	e.ack(l, frontier.Result{Status: frontier.Done, Recrawl: time.Hour})
	e.drained(true)
	if st := e.stats(); st.Recrawl != 1 {
		t.Fatalf("Recrawl = %d, want 1", st.Recrawl)
	}
	e.add(0, it)
	e.clock.Advance(59 * time.Minute)
	e.leaseN(1, 0)
	e.clock.Advance(time.Minute)
	l2 := e.leaseN(1, 1)[0]
	if l2.URL != it.URL || l2.Kind != frontier.KindListing {
		t.Fatalf("recrawl leased %+v", l2)
	}
	e.ack(l2, frontier.Result{Status: frontier.Done})
	e.clock.Advance(2 * time.Hour)
	e.leaseN(1, 0)
	if st := e.stats(); st.Recrawl != 0 {
		t.Fatalf("Recrawl = %d after final done, want 0", st.Recrawl)
	}
}

func testDrained(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{})
	e.drained(true)
	e.add(1, item("m1", "a.onion", 1))
	e.drained(false)
	l := e.leaseN(1, 1)[0]
	e.drained(false)
	e.ack(l, frontier.Result{Status: frontier.Done})
	e.drained(true)
}

func testMaxPages(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{MaxPagesPerMarket: 5})
	var its []frontier.Item
	for i := range 10 {
		its = append(its, item("m1", "a.onion", i))
	}
	e.add(5, its...)
	e.add(0, item("m1", "a.onion", 99))
	e.add(3, item("m2", "a.onion", 1), item("m2", "a.onion", 2), item("m2", "a.onion", 3))
	st := e.stats()
	if st.Markets["m1"].Seen != 5 || st.Markets["m2"].Seen != 3 {
		t.Fatalf("seen m1 %d m2 %d, want 5, 3", st.Markets["m1"].Seen, st.Markets["m2"].Seen)
	}
}

func testStats(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostMaxInFlight: 10})
	for i := range 4 {
		e.add(1, item("m1", "a.onion", i))
	}
	e.add(2, item("m1", "b.onion", 0), item("m2", "c.onion", 0))
	ls := e.leaseN(2, 2)
	_ = ls
	st := e.stats()
	if st.Seen != 6 || st.Queued != 4 || st.InFlight != 2 || st.Dead != 0 {
		t.Fatalf("totals %+v, want seen 6 queued 4 in flight 2", st.Counts)
	}
	var q, inf int64
	for _, ms := range st.Markets {
		for _, h := range ms.Hosts {
			q += h.Queued
			inf += h.InFlight
		}
	}
	if q != 4 || inf != 2 {
		t.Fatalf("host sums queued %d in flight %d, want 4, 2", q, inf)
	}
	if st.Markets["m1"].Seen != 5 || st.Markets["m2"].Seen != 1 {
		t.Fatalf("per market seen %d/%d, want 5/1", st.Markets["m1"].Seen, st.Markets["m2"].Seen)
	}
}

// testRelease: a lease handed back unused is queued again as it was (no attempt, no
// backoff) and its host is not penalised.
func testRelease(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostMaxInFlight: 2})
	it := item("m1", "a.onion", 1)
	it.Priority, it.Depth = 7, 2
	e.add(1, it)
	l := e.leaseN(1, 1)[0]
	e.ack(l, frontier.Result{Status: frontier.Release})
	st := e.stats()
	hs := st.Markets["m1"].Hosts["a.onion"]
	if st.Queued != 1 || st.InFlight != 0 || st.Delayed != 0 || hs.Failures != 0 || !hs.DownUntil.IsZero() {
		t.Fatalf("after release: %+v, host %+v; want queued 1, in flight 0, host untouched", st.Counts, hs)
	}
	again := e.leaseN(1, 1)[0] // at once: no backoff
	if again.URL != it.URL || again.Attempt != 0 || again.Priority != 7 || again.Depth != 2 || again.Token == l.Token {
		t.Fatalf("leased again %+v, want %s as it was with a new token", again, it.URL)
	}
	if err := e.f.Ack(e.ctx, l, frontier.Result{Status: frontier.Release}); !errors.Is(err, frontier.ErrLeaseLost) {
		t.Fatalf("second release of the old lease: %v, want ErrLeaseLost", err)
	}
}

// testAckManyHostOrder checks that AckMany applies a host's outcomes in order, as Acks one
// by one would: the last of a success and a host-down decides whether the host is down.
func testAckManyHostOrder(t *testing.T, open Opener) {
	for _, downLast := range []bool{true, false} {
		t.Run(fmt.Sprintf("down_last=%v", downLast), func(t *testing.T) {
			e := setup(t, open, frontier.Options{HostMaxInFlight: 3})
			e.add(4, item("m1", "a.onion", 1), item("m1", "a.onion", 2), item("m1", "a.onion", 3), item("m1", "a.onion", 4))
			ls := e.leaseN(3, 3)
			done := frontier.Outcome{Lease: ls[0], Result: frontier.Result{Status: frontier.Done}}
			down := frontier.Outcome{Lease: ls[1], Result: frontier.Result{Status: frontier.HostDown, Failure: frontier.FailDown}}
			done2 := frontier.Outcome{Lease: ls[2], Result: frontier.Result{Status: frontier.Done}}
			outs := []frontier.Outcome{done, down, done2}
			if downLast {
				outs = []frontier.Outcome{done, done2, down}
			}
			if err := e.f.AckMany(e.ctx, outs); err != nil {
				t.Fatal(err)
			}
			hs := e.stats().Markets["m1"].Hosts["a.onion"]
			if isDown := !hs.DownUntil.IsZero(); isDown != downLast {
				t.Fatalf("host down until %v (failures %d) after %v; want down=%v", hs.DownUntil, hs.Failures, outs, downLast)
			}
		})
	}
}

func testAckMany(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostMaxInFlight: 10})
	e.add(3, item("m1", "a.onion", 1), item("m1", "a.onion", 2), item("m2", "b.onion", 1))
	ls := e.leaseN(10, 3)
	stale := ls[0]
	stale.Token = "bogus"
	outs := []frontier.Outcome{
		{Lease: ls[0], Result: frontier.Result{Status: frontier.Done}},
		{Lease: ls[1], Result: frontier.Result{Status: frontier.Drop}},
		{Lease: stale, Result: frontier.Result{Status: frontier.Done}},
		{Lease: ls[2], Result: frontier.Result{Status: frontier.Retry}},
	}
	err := e.f.AckMany(e.ctx, outs)
	if !errors.Is(err, frontier.ErrLeaseLost) {
		t.Fatalf("AckMany err = %v, want ErrLeaseLost for the stale one", err)
	}
	st := e.stats()
	if st.InFlight != 0 || st.Dead != 1 || st.Delayed != 1 {
		t.Fatalf("after AckMany %+v, want in flight 0, dead 1, delayed 1", st.Counts)
	}
}
