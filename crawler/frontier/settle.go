package frontier

import (
	"fmt"
	"time"
)

// Action is what settling a lease does with its item.
type Action int

const (
	// ActForget: the item is done; it leaves the queue (its URL stays in the seen set).
	ActForget Action = iota
	// ActRecrawl: the item is done and comes back at Settlement.Item.NotBefore.
	ActRecrawl
	// ActDelay: the item is retried at Settlement.Item.NotBefore (Attempt counted).
	ActDelay
	// ActDead: the item is dead-lettered with Settlement.Err.
	ActDead
	// ActRequeue: the item is queued again now, as it was (no attempt counted).
	ActRequeue
)

func (a Action) String() string {
	switch a {
	case ActForget:
		return "forget"
	case ActRecrawl:
		return "recrawl"
	case ActDelay:
		return "delay"
	case ActDead:
		return "dead"
	case ActRequeue:
		return "requeue"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Settlement is the transition of one lease outcome: what happens to the item and to its
// host. Both frontiers apply it as given (Bolt in memory and in bbolt, Redis by passing
// its fields to the ack script), so the policy (retry, drop, max attempts, backoff,
// recrawl, dead letter, host liveness) is written once, in Settle.
type Settlement struct {
	Action Action
	// Item is the item to store: Attempt and NotBefore as they are after the transition
	// (NotBefore is the due time for ActRecrawl and ActDelay, zero otherwise).
	Item Item
	Err  string // ActDead: the reason kept with the dead letter
	// HostUp: the host answered; a failing host is marked up.
	HostUp bool
	// HostDown: the host failed; its down-until time is HostDown.Until(consecutive
	// failures, counting this one). Nil otherwise.
	HostDown HostBackoff
	Failure  FailureKind // with HostDown: the kind recorded in the host's history
}

// HostBackoff is a failing host's down-until time by its number of consecutive failures:
// entry i for i+1 failures, the last entry for any more (the doubling reached its cap).
// It is precomputed from one jitter draw so that a frontier that keeps the failure count
// elsewhere (Redis) only looks the deadline up.
type HostBackoff []time.Time

// Until is the down-until time after fails consecutive failures (fails >= 1).
func (h HostBackoff) Until(fails int) time.Time {
	if len(h) == 0 {
		return time.Time{}
	}
	return h[min(max(fails, 1), len(h))-1]
}

// hostBackoff is the HostBackoff of a host failure of kind at now, with jitter r in [0,1):
// base*2^(n-1) capped at max, "equal jitter" (the delay lies in [d/2, d]).
func (o Options) hostBackoff(kind FailureKind, now time.Time, r float64) HostBackoff {
	base, mx := o.HostBackoffBase, o.HostBackoffMax
	if kind == FailSoon {
		base, mx = o.BackoffBase, o.BackoffMax
	}
	var h HostBackoff
	for n, d := 1, base; ; n, d = n+1, d*2 {
		h = append(h, now.Add(backoff(base, mx, n, r)))
		if d >= mx || n >= 64 {
			return h
		}
	}
}

// Settle is the transition of a lease of it with result res at now; r in [0,1) is the
// jitter of any backoff. It is a pure function of its arguments (zero fields of o mean
// their defaults). An unknown status is an ErrInvalid error.
//
//   - Done: the host is up; the item is forgotten, or with res.Recrawl > 0 comes back
//     after it with its attempts reset.
//   - Retry: Attempt+1; after o.MaxAttempts attempts the item is dead-lettered, else it
//     comes back after the retry backoff of its attempt count.
//   - Drop: Attempt+1 and dead-lettered now.
//   - HostDown: queued again as it was; the host gets a failure of kind res.Failure.
//   - Release: queued again as it was; the host is untouched.
func (o Options) Settle(it Item, res Result, now time.Time, r float64) (Settlement, error) {
	o = o.withDefaults()
	s := Settlement{Item: it}
	s.Item.NotBefore = time.Time{}
	switch res.Status {
	case Done:
		s.HostUp = true
		if res.Recrawl <= 0 {
			s.Action = ActForget
			return s, nil
		}
		s.Action = ActRecrawl
		s.Item.Attempt = 0
		s.Item.NotBefore = now.Add(res.Recrawl)
	case Retry, Drop:
		s.Item.Attempt++
		if res.Status == Drop || s.Item.Attempt >= o.MaxAttempts {
			s.Action, s.Err = ActDead, res.Err
			return s, nil
		}
		s.Action = ActDelay
		s.Item.NotBefore = now.Add(backoff(o.BackoffBase, o.BackoffMax, s.Item.Attempt, r))
	case HostDown:
		s.Action = ActRequeue
		s.HostDown, s.Failure = o.hostBackoff(res.Failure, now, r), res.Failure
	case Release:
		s.Action = ActRequeue
	default:
		return s, fmt.Errorf("%w: status %v", ErrInvalid, res.Status)
	}
	return s, nil
}

// backoff is base*2^(n-1) capped at max, with "equal jitter": the result
// lies in [d/2, d].
func backoff(base, max time.Duration, n int, r float64) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(r*float64(d/2))
}
