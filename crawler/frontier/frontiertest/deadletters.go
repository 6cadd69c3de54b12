package frontiertest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// deadLetters returns the frontier's frontier.DeadLetters or fails the test.
func (e *env) deadLetters() frontier.DeadLetters {
	e.t.Helper()
	d, ok := e.f.(frontier.DeadLetters)
	if !ok {
		e.t.Fatalf("%T does not implement frontier.DeadLetters", e.f)
	}
	return d
}

func (e *env) dead(market string, limit int) []frontier.DeadLetter {
	e.t.Helper()
	ds, err := e.deadLetters().Dead(e.ctx, market, limit)
	if err != nil {
		e.t.Fatalf("Dead(%q, %d): %v", market, limit, err)
	}
	return ds
}

func (e *env) requeue(market string, urls []string, want int) {
	e.t.Helper()
	n, err := e.deadLetters().RequeueDead(e.ctx, market, urls)
	if err != nil {
		e.t.Fatalf("RequeueDead(%q, %v): %v", market, urls, err)
	}
	if n != want {
		e.t.Fatalf("RequeueDead(%q, %v) = %d, want %d", market, urls, n, want)
	}
}

func (e *env) requeueAll(market string, want int) {
	e.t.Helper()
	n, err := e.deadLetters().RequeueAllDead(e.ctx, market)
	if err != nil {
		e.t.Fatalf("RequeueAllDead(%q): %v", market, err)
	}
	if n != want {
		e.t.Fatalf("RequeueAllDead(%q) = %d, want %d", market, n, want)
	}
}

// counts checks the queued and dead counts of the frontier and of each given market.
func (e *env) counts(queued, dead int64, perMarket map[string][2]int64) {
	e.t.Helper()
	st := e.stats()
	if st.Queued != queued || st.Dead != dead {
		e.t.Fatalf("counts %+v, want queued %d dead %d", st.Counts, queued, dead)
	}
	for m, qd := range perMarket {
		if c := st.Markets[m].Counts; c.Queued != qd[0] || c.Dead != qd[1] {
			e.t.Fatalf("market %s counts %+v, want queued %d dead %d", m, c, qd[0], qd[1])
		}
	}
}

func deadURLs(ds []frontier.DeadLetter) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.URL)
	}
	return out
}

// deadFixture dead-letters three URLs, one minute apart: m1 a.onion/1 dropped ("404",
// attempt 1), m1 a.onion/2 retried MaxAttempts=2 times ("timeout", attempt 2), m2
// c.onion/3 dropped ("410"); b.onion/4 of m1 stays queued. It returns the dead letters
// in Dead's order (newest first).
func deadFixture(t *testing.T, open Opener) (*env, []frontier.DeadLetter) {
	e := setup(t, open, frontier.Options{MaxAttempts: 2, BackoffBase: 10 * time.Second, BackoffMax: time.Minute})
	mk := func(market, host string, i, depth, prio int, kind string) frontier.Item {
		it := item(market, host, i)
		it.Depth, it.Priority, it.Kind = depth, prio, kind
		return it
	}
	a1 := mk("m1", "a.onion", 1, 2, 30, frontier.KindListing)
	a2 := mk("m1", "a.onion", 2, 3, 0, frontier.KindNav)
	c3 := mk("m2", "c.onion", 3, 1, 20, frontier.KindVendor)
	b4 := item("m1", "b.onion", 4)
	e.add(1, a1)
	e.ack(e.leaseN(1, 1)[0], frontier.Result{Status: frontier.Drop, Err: "404"})
	at1 := e.clock.Now()

	e.clock.Advance(time.Minute)
	e.add(1, a2)
	e.ack(e.leaseN(1, 1)[0], frontier.Result{Status: frontier.Retry, Err: "reset"})
	e.clock.Advance(time.Minute) // past the retry backoff (at most 10s)
	e.ack(e.leaseN(1, 1)[0], frontier.Result{Status: frontier.Retry, Err: "timeout"})
	at2 := e.clock.Now()

	e.clock.Advance(time.Minute)
	e.add(1, c3)
	e.ack(e.leaseN(1, 1)[0], frontier.Result{Status: frontier.Drop, Err: "410"})
	at3 := e.clock.Now()
	e.add(1, b4)

	dead := func(it frontier.Item, attempt int, err string, at time.Time) frontier.DeadLetter {
		it.Attempt = attempt
		return frontier.DeadLetter{Item: it, Err: err, At: at}
	}
	return e, []frontier.DeadLetter{dead(c3, 1, "410", at3), dead(a2, 2, "timeout", at2), dead(a1, 1, "404", at1)}
}

// testDeadList: dead letters of Drop and of MaxAttempts Retry results, with their item,
// error and time, newest first, by market, limited.
func testDeadList(t *testing.T, open Opener) {
	e, want := deadFixture(t, open)
	e.counts(1, 3, map[string][2]int64{"m1": {1, 2}, "m2": {0, 1}})
	for _, tc := range []struct {
		market string
		limit  int
		want   []frontier.DeadLetter
	}{
		{"", 0, want},
		{"", -1, want},
		{"", 10, want},
		{"", 1, want[:1]},
		{"", 2, want[:2]},
		{"m1", 0, want[1:]},
		{"m1", 1, want[1:2]},
		{"m2", 0, want[:1]},
		{"nosuch", 0, nil},
	} {
		got := e.dead(tc.market, tc.limit)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Dead(%q, %d) (-want +got):\n%s", tc.market, tc.limit, diff)
		}
	}
}

// testRequeueOne: one URL back in the queue with attempt 0; unknown and pending URLs
// are skipped; it stays seen; failing again dead-letters it again.
func testRequeueOne(t *testing.T, open Opener) {
	e, dead := deadFixture(t, open)
	e.drained(false) // b.onion/4 is queued: lease and settle it first
	e.ack(e.leaseN(1, 1)[0], frontier.Result{Status: frontier.Done})
	e.drained(true)
	e.counts(0, 3, nil)

	a2 := dead[1].Item
	e.requeue("", nil, 0)
	e.requeue("", []string{"http://nosuch.onion/x"}, 0)
	e.requeue("m2", []string{a2.URL}, 0) // another market's
	e.requeue("", []string{a2.URL, a2.URL}, 1)
	e.counts(1, 2, map[string][2]int64{"m1": {1, 1}, "m2": {0, 1}})
	e.drained(false)
	if got := deadURLs(e.dead("", 0)); !slices.Equal(got, []string{dead[0].URL, dead[2].URL}) {
		t.Fatalf("Dead after requeue = %v, want %v", got, []string{dead[0].URL, dead[2].URL})
	}
	e.requeue("m1", []string{a2.URL}, 0) // pending now
	e.add(0, a2)                         // still seen

	l := e.leaseN(10, 1)[0]
	want := a2
	want.Attempt = 0
	if diff := cmp.Diff(want, l.Item); diff != "" {
		t.Fatalf("leased after requeue (-want +got):\n%s", diff)
	}
	e.counts(0, 2, nil)
	e.requeue("", []string{a2.URL}, 0) // leased

	e.clock.Advance(time.Minute)
	e.ack(l, frontier.Result{Status: frontier.Drop, Err: "gone"})
	e.counts(0, 3, nil)
	e.drained(true)
	got := e.dead("", 1)
	wantDead := []frontier.DeadLetter{{Item: a2, Err: "gone", At: e.clock.Now()}}
	wantDead[0].Attempt = 1
	if diff := cmp.Diff(wantDead, got); diff != "" {
		t.Fatalf("dead-lettered again (-want +got):\n%s", diff)
	}
}

// testRequeueAll: every dead letter of one market, then of every market; all leasable
// at once with attempt 0.
func testRequeueAll(t *testing.T, open Opener) {
	e, dead := deadFixture(t, open)
	e.requeueAll("nosuch", 0)
	e.requeueAll("m1", 2)
	e.counts(3, 1, map[string][2]int64{"m1": {3, 0}, "m2": {0, 1}})
	e.requeueAll("m1", 0)
	e.requeueAll("", 1)
	e.counts(4, 0, map[string][2]int64{"m1": {3, 0}, "m2": {1, 0}})
	if got := e.dead("", 0); len(got) != 0 {
		t.Fatalf("Dead after requeue all = %v, want none", deadURLs(got))
	}
	e.requeueAll("", 0)
	e.drained(false)

	ls := e.lease(10, time.Minute) // a.onion: the in-flight cap (2) holds both
	var got, want []string
	for _, l := range ls {
		if l.Attempt != 0 {
			t.Errorf("leased %s with Attempt %d, want 0", l.URL, l.Attempt)
		}
		got = append(got, l.URL)
		e.ack(l, frontier.Result{Status: frontier.Done})
	}
	want = append(deadURLs(dead), "http://b.onion/p/4")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("leased %v after requeue all, want %v", got, want)
	}
	e.counts(0, 0, nil)
	e.drained(true)
}

// testRequeueMany: more dead letters than one step of the implementations handles, some
// by URL and the rest by market, with two RequeueAllDead calls racing: each requeued
// exactly once and the counts exact.
func testRequeueMany(t *testing.T, open Opener) {
	const n = 1300
	e := setup(t, open, frontier.Options{HostMaxInFlight: 2 * n})
	var items []frontier.Item
	for i := range n {
		items = append(items, item("m1", fmt.Sprintf("h%d.onion", i%7), i))
	}
	e.add(n, items...)
	ls := e.leaseN(2*n, n)
	outs := make([]frontier.Outcome, len(ls))
	for i, l := range ls {
		outs[i] = frontier.Outcome{Lease: l, Result: frontier.Result{Status: frontier.Drop, Err: "404"}}
	}
	if err := e.f.AckMany(e.ctx, outs); err != nil {
		t.Fatal(err)
	}
	e.counts(0, n, nil)
	if got := len(e.dead("m1", 0)); got != n {
		t.Fatalf("Dead lists %d, want %d", got, n)
	}

	var some []string
	for _, it := range items[:700] {
		some = append(some, it.URL)
	}
	e.requeue("m1", some, 700)
	e.counts(700, n-700, nil)

	var wg sync.WaitGroup
	res := make([]int, 2)
	errs := make([]error, 2)
	for i := range res {
		wg.Go(func() { res[i], errs[i] = e.deadLetters().RequeueAllDead(e.ctx, "") })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if res[0]+res[1] != n-700 {
		t.Fatalf("racing RequeueAllDead requeued %d + %d, want %d in all", res[0], res[1], n-700)
	}
	e.counts(n, 0, nil)
	ls = e.leaseN(2*n, n)
	seen := map[string]bool{}
	for _, l := range ls {
		if seen[l.URL] || l.Attempt != 0 {
			t.Fatalf("lease %s (attempt %d) twice or with attempts", l.URL, l.Attempt)
		}
		seen[l.URL] = true
	}
}

// testRequeuePausedAndHostDown: a requeued URL waits while its market is paused and while
// its host is in liveness backoff, like any queued URL.
func testRequeuePausedAndHostDown(t *testing.T, open Opener) {
	e := setup(t, open, frontier.Options{HostBackoffBase: time.Minute, HostBackoffMax: time.Minute})
	a, b := item("m1", "a.onion", 1), item("m2", "b.onion", 2)
	e.add(2, a, b)
	for _, l := range e.leaseN(10, 2) {
		e.ack(l, frontier.Result{Status: frontier.Drop, Err: "404"})
	}
	if err := e.f.PauseMarket(e.ctx, "m1", "captcha"); err != nil {
		t.Fatal(err)
	}
	if err := e.f.HostFailed(e.ctx, "m2", "b.onion", frontier.FailDown); err != nil {
		t.Fatal(err)
	}
	e.requeueAll("", 2)
	e.counts(2, 0, nil)
	e.drained(false)
	e.leaseN(10, 0)
	if err := e.f.ResumeMarket(e.ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if got := urls(e.leaseN(10, 1)); got[0] != a.URL {
		t.Fatalf("leased %v after resume, want %s", got, a.URL)
	}
	e.clock.Advance(time.Minute) // host backoff over: one probe lease
	if got := urls(e.leaseN(10, 1)); got[0] != b.URL {
		t.Fatalf("leased %v after the host backoff, want %s", got, b.URL)
	}
}
