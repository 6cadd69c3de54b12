package frontier_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

func TestSettle(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opts := frontier.Options{
		MaxAttempts: 3, BackoffBase: 10 * time.Second, BackoffMax: 40 * time.Second,
		HostBackoffBase: time.Minute, HostBackoffMax: 5 * time.Minute,
	}
	it := frontier.Item{URL: "http://a.onion/x", Market: "m", Host: "a.onion", Priority: 20, Attempt: 1,
		NotBefore: now.Add(-time.Hour)}
	with := func(f func(*frontier.Item)) frontier.Item { c := it; c.NotBefore = time.Time{}; f(&c); return c }
	at := func(ds ...time.Duration) frontier.HostBackoff {
		var h frontier.HostBackoff
		for _, d := range ds {
			h = append(h, now.Add(d))
		}
		return h
	}
	tests := []struct {
		name string
		it   frontier.Item
		res  frontier.Result
		r    float64
		want frontier.Settlement
	}{
		{"done_forgets_and_marks_host_up", it, frontier.Result{Status: frontier.Done}, 0,
			frontier.Settlement{Action: frontier.ActForget, Item: with(func(*frontier.Item) {}), HostUp: true}},
		{"done_recrawl_resets_attempts", it, frontier.Result{Status: frontier.Done, Recrawl: time.Hour}, 0,
			frontier.Settlement{Action: frontier.ActRecrawl, HostUp: true,
				Item: with(func(i *frontier.Item) { i.Attempt = 0; i.NotBefore = now.Add(time.Hour) })}},
		// attempt 2 after 1 failed: base*2 = 20s, equal jitter r=0 -> 10s, r=1 -> 20s.
		{"retry_backs_off_low_jitter", it, frontier.Result{Status: frontier.Retry, Err: "503"}, 0,
			frontier.Settlement{Action: frontier.ActDelay,
				Item: with(func(i *frontier.Item) { i.Attempt = 2; i.NotBefore = now.Add(10 * time.Second) })}},
		{"retry_backs_off_high_jitter", it, frontier.Result{Status: frontier.Retry}, 0.5,
			frontier.Settlement{Action: frontier.ActDelay,
				Item: with(func(i *frontier.Item) { i.Attempt = 2; i.NotBefore = now.Add(15 * time.Second) })}},
		{"retry_backoff_capped", with(func(i *frontier.Item) { i.Attempt = 0 }), frontier.Result{Status: frontier.Retry}, 0,
			frontier.Settlement{Action: frontier.ActDelay,
				Item: with(func(i *frontier.Item) { i.Attempt = 1; i.NotBefore = now.Add(5 * time.Second) })}},
		{"retry_at_max_attempts_dead_letters", with(func(i *frontier.Item) { i.Attempt = 2 }),
			frontier.Result{Status: frontier.Retry, Err: "timeout"}, 0,
			frontier.Settlement{Action: frontier.ActDead, Err: "timeout", Item: with(func(i *frontier.Item) { i.Attempt = 3 })}},
		{"drop_dead_letters_at_once", with(func(i *frontier.Item) { i.Attempt = 0 }),
			frontier.Result{Status: frontier.Drop, Err: "404"}, 0,
			frontier.Settlement{Action: frontier.ActDead, Err: "404", Item: with(func(i *frontier.Item) { i.Attempt = 1 })}},
		// FailDown: 1m, 2m, 4m, then capped at 5m; r=0 halves each.
		{"host_down_requeues_with_host_backoff", it, frontier.Result{Status: frontier.HostDown, Failure: frontier.FailDown}, 0,
			frontier.Settlement{Action: frontier.ActRequeue, Item: with(func(*frontier.Item) {}), Failure: frontier.FailDown,
				HostDown: at(30*time.Second, time.Minute, 2*time.Minute, 150*time.Second)}},
		// FailSoon uses the retry backoff: 10s, 20s, 40s (= max).
		{"host_soon_uses_retry_backoff", it, frontier.Result{Status: frontier.HostDown, Failure: frontier.FailSoon}, 0.5,
			frontier.Settlement{Action: frontier.ActRequeue, Item: with(func(*frontier.Item) {}), Failure: frontier.FailSoon,
				HostDown: at(7500*time.Millisecond, 15*time.Second, 30*time.Second)}},
		{"release_requeues_untouched", it, frontier.Result{Status: frontier.Release}, 0,
			frontier.Settlement{Action: frontier.ActRequeue, Item: with(func(*frontier.Item) {})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := opts.Settle(tt.it, tt.res, now, tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Settle (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown_status_is_invalid", func(t *testing.T) {
		if _, err := opts.Settle(it, frontier.Result{Status: frontier.Status(99)}, now, 0); !errors.Is(err, frontier.ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
}

func TestHostBackoffUntil(t *testing.T) {
	t0 := time.Unix(0, 0)
	h := frontier.HostBackoff{t0.Add(1), t0.Add(2), t0.Add(3)}
	for _, tt := range []struct {
		fails int
		want  time.Time
	}{{0, t0.Add(1)}, {1, t0.Add(1)}, {2, t0.Add(2)}, {3, t0.Add(3)}, {9, t0.Add(3)}} {
		if got := h.Until(tt.fails); !got.Equal(tt.want) {
			t.Errorf("Until(%d) = %v, want %v", tt.fails, got, tt.want)
		}
	}
	if got := (frontier.HostBackoff)(nil).Until(1); !got.IsZero() {
		t.Errorf("nil Until = %v, want zero", got)
	}
}
