package crawler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// keeper extends the leases this process holds (waiting in the job queue or being
// processed) every ttl/3, so a page slower than the lease TTL (a big page over a slow
// circuit, a loaded machine) is not reaped and handed to another worker while it is still
// being fetched. Without it such a page is fetched twice at once, and one that is always
// slower than the TTL is fetched forever: every Ack comes too late.
type keeper struct {
	f   frontier.Frontier
	ttl time.Duration
	log *slog.Logger

	mu   sync.Mutex
	held map[string]frontier.Lease // by token
	lost map[string]bool           // held leases the frontier no longer knows
}

func newKeeper(f frontier.Frontier, ttl time.Duration, log *slog.Logger) *keeper {
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
