package crawler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// keeper extends the leases this process holds (waiting in the job queue or being
// processed) every ttl/3, so a page slower than the lease TTL (a big page over a slow
// circuit, a loaded machine) is not reaped and handed to another worker while it is still
// being fetched. Without it such a page is fetched twice at once, and one that is always
// slower than the TTL is fetched forever: every Ack comes too late.
type keeper struct {
	f   Frontier
	ttl time.Duration
	log *slog.Logger

	mu   sync.Mutex
	held map[string]frontier.Lease // by token
	lost map[string]bool           // held leases the frontier no longer knows
}

func newKeeper(f Frontier, ttl time.Duration, log *slog.Logger) *keeper {
	return &keeper{f: f, ttl: ttl, log: log, held: map[string]frontier.Lease{}, lost: map[string]bool{}}
}

func (k *keeper) hold(l frontier.Lease) {
	k.mu.Lock()
	k.held[l.Token] = l
	k.mu.Unlock()
}

// release forgets l (after its Ack). It reports whether l was lost while held.
func (k *keeper) release(l frontier.Lease) (lost bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	lost = k.lost[l.Token]
	delete(k.held, l.Token)
	delete(k.lost, l.Token)
	return lost
}

// usable reports whether a worker may still process l: it was not reaped while it waited
// in the job queue (someone else may fetch it now), checked with the frontier when its last
// known deadline has passed.
func (k *keeper) usable(ctx context.Context, l frontier.Lease) bool {
	k.mu.Lock()
	lost, cur := k.lost[l.Token], k.held[l.Token]
	k.mu.Unlock()
	if lost {
		return false
	}
	if time.Now().Before(cur.Deadline) {
		return true
	}
	nl, err := k.f.Extend(ctx, l, k.ttl)
	if errors.Is(err, frontier.ErrLeaseLost) {
		return false
	}
	if err == nil {
		k.update(nl)
	}
	return true
}

// update records an extended deadline of a held lease.
func (k *keeper) update(l frontier.Lease) {
	k.mu.Lock()
	if _, ok := k.held[l.Token]; ok && !k.lost[l.Token] {
		k.held[l.Token] = l
	}
	k.mu.Unlock()
}

// run extends the held leases until stop is closed.
func (k *keeper) run(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(max(k.ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		k.mu.Lock()
		ls := make([]frontier.Lease, 0, len(k.held))
		for tok, l := range k.held {
			if !k.lost[tok] {
				ls = append(ls, l)
			}
		}
		k.mu.Unlock()
		for _, l := range ls {
			nl, err := k.f.Extend(ctx, l, k.ttl)
			switch {
			case err == nil:
				k.update(nl)
			case errors.Is(err, frontier.ErrLeaseLost):
				k.mu.Lock()
				if _, ok := k.held[l.Token]; ok { // not acked meanwhile
					k.lost[l.Token] = true
				}
				k.mu.Unlock()
			case err != nil && ctx.Err() == nil:
				k.log.Warn("lease_extend_failed", "market", l.Market, "url", l.URL, "err", err)
			}
		}
	}
}

// ackReq is a finished page: how to settle its lease, and the new links to enqueue first.
type ackReq struct {
	l     frontier.Lease
	res   frontier.Result
	links []frontier.Item
	done  chan<- struct{} // receives once the lease is settled (nil: nobody waits)
}

// Ack batching. Workers do not settle their leases one by one: they hand the outcome to
// the acker and wait for it. The acker enqueues the links of a whole batch with one
// Frontier.Add and then settles the batch with one Frontier.AckMany: with the embedded
// frontier that is two transactions and two fsyncs per batch instead of two per page (an
// fdatasync costs ~90 us of CPU on a VM disk, as much as a third of a page's CPU), with
// Redis two round trips per batch. A batch closes when it holds ackBatchMax pages, when no
// worker is processing a page (nothing more would come soon), or ackWindow after its first
// page. Guarantees are those of one Ack per page: a page reaches the acker only after its
// WARC record and its records are durable, and its lease is settled only after its links
// are (Add returns once they are stored); the keeper extends the lease until then. A worker
// takes its next page only once its last one is settled, so a crash (SIGKILL) leaves at
// most one fetched but unsettled page per worker to be fetched again, as without batching.
const (
	ackBatchMax = 64
	ackWindow   = 3 * time.Millisecond
)

type acker struct {
	f    Frontier
	keep *keeper
	log  *slog.Logger
	in   chan ackReq
	busy atomic.Int64 // workers processing a page (each sends one ackReq when done)
	// settled is called after each batch (the crawler wakes its dispatcher: host slots are
	// free and new links may be due).
	settled func()
}

func newAcker(f Frontier, keep *keeper, log *slog.Logger, settled func()) *acker {
	return &acker{f: f, keep: keep, log: log, in: make(chan ackReq, ackBatchMax), settled: settled}
}

// run settles batches until in is closed and drained.
func (a *acker) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var last time.Time
	gap := ackWindow // running mean of the time between pages handed in
	arrived := func() {
		now := time.Now()
		if !last.IsZero() {
			gap = (7*gap + now.Sub(last)) / 8
		}
		last = now
	}
	for first := range a.in {
		arrived()
		batch := []ackReq{first}
		// Wait for more only when pages come faster than the window (no latency, many
		// workers); on slow pages (Tor) a wait would only delay every ack. Pages already
		// handed in join the batch either way.
		var expired <-chan time.Time
		if gap < ackWindow {
			timer.Reset(ackWindow)
			expired = timer.C
		}
	collect:
		for len(batch) < ackBatchMax && a.busy.Load() > 0 {
			select {
			case r, ok := <-a.in:
				if !ok {
					break collect
				}
				arrived()
				batch = append(batch, r)
				continue
			default:
			}
			if expired == nil {
				break
			}
			select {
			case r, ok := <-a.in:
				if !ok {
					break collect
				}
				arrived()
				batch = append(batch, r)
			case <-expired:
				break collect
			}
		}
		timer.Stop()
		a.settle(ctx, batch)
		if a.settled != nil {
			a.settled()
		}
	}
}

// settle enqueues the batch's links, then acks its leases. A page whose links could not be
// stored is retried rather than acked Done (its links would be lost).
func (a *acker) settle(ctx context.Context, batch []ackReq) {
	var items []frontier.Item
	for _, r := range batch {
		items = append(items, r.links...)
	}
	outcomes := func() []frontier.Outcome {
		outs := make([]frontier.Outcome, len(batch))
		for i, r := range batch {
			outs[i] = frontier.Outcome{Lease: r.l, Result: r.res}
		}
		return outs
	}
	if aa, ok := a.f.(AddAcker); ok {
		_, err := aa.AddAckMany(ctx, items, outcomes())
		if err == nil || !errors.Is(err, frontier.ErrInvalid) {
			a.done(batch, err)
			return
		}
		// An invalid link fails the call before anything changes (the outcomes' statuses
		// are all valid, so ErrInvalid is a link's): fall back to one Add per page below,
		// so that only the page with the bad link is retried.
	}
	if len(items) > 0 {
		if _, err := a.f.Add(ctx, items...); err != nil {
			// One page's bad link must not fail the others: enqueue page by page.
			for i := range batch {
				if len(batch[i].links) == 0 {
					continue
				}
				if _, err := a.f.Add(ctx, batch[i].links...); err != nil {
					a.log.Error("enqueue_failed", "market", batch[i].l.Market, "url", batch[i].l.URL, "err", err)
					batch[i].res = frontier.Result{Status: frontier.Retry, Err: "enqueue: " + err.Error()}
				}
			}
		}
	}
	a.done(batch, a.f.AckMany(ctx, outcomes()))
}

// done logs the failures of a settled batch (a lease lost to the reaper is not one: its
// page is someone else's now) and stops extending its leases.
func (a *acker) done(batch []ackReq, err error) {
	if err != nil {
		for _, e := range unjoin(err) {
			if !errors.Is(e, frontier.ErrLeaseLost) {
				a.log.Error("ack_failed", "pages", len(batch), "err", e)
			}
		}
	}
	for _, r := range batch {
		a.keep.release(r.l)
		if r.done != nil {
			r.done <- struct{}{}
		}
	}
}

// unjoin splits an errors.Join error.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
