package frontier

import (
	"container/heap"
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
)

// Recrawler is implemented by frontiers that can bring every page scheduled for a recrawl
// back now (`darkwatch crawl --refresh`: a new day's crawl of the same markets).
type Recrawler interface {
	// RecrawlNow makes every item waiting for its recrawl due now (paused markets and
	// host backoff still apply) and returns how many it moved.
	RecrawlNow(ctx context.Context) (int, error)
}

// Refresher is implemented by frontiers that can bring chosen pages scheduled for a recrawl
// back now: a change-driven refresh fetches a listing page only when its card changed (or it
// vanished from every card).
type Refresher interface {
	// RecrawlURLs makes these URLs of market due now when they wait for their recrawl, and
	// returns how many it moved (URLs queued, leased, unknown or forgotten are left alone).
	RecrawlURLs(ctx context.Context, market string, urls []string) (int, error)
}

var (
	_ Recrawler = (*Bolt)(nil)
	_ Recrawler = (*Redis)(nil)
	_ Refresher = (*Bolt)(nil)
	_ Refresher = (*Redis)(nil)
)

// RecrawlNow implements Recrawler.
func (b *Bolt) RecrawlNow(ctx context.Context) (int, error) {
	return b.recrawlNow(ctx, nil)
}

// RecrawlURLs implements Refresher.
func (b *Bolt) RecrawlURLs(ctx context.Context, market string, urls []string) (int, error) {
	return b.recrawlNow(ctx, func(m *bmarket) []*bentry {
		var out []*bentry
		if m.name != market {
			return out
		}
		for _, u := range urls {
			if e := m.items[Fingerprint(u)]; e != nil && e.state == stRecrawl && e.it.URL == u {
				out = append(out, e)
			}
		}
		return out
	})
}

// recrawlNow makes recrawl entries due now: those pick returns (nil pick: every one).
func (b *Bolt) recrawlNow(ctx context.Context, pick func(*bmarket) []*bentry) (int, error) {
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return 0, err
	}
	n := 0
	var ops []func(*bolt.Tx) error
	for _, m := range b.markets {
		var due []*bentry
		if pick != nil {
			due = pick(m)
		} else {
			for _, e := range m.timed {
				if e.state == stRecrawl {
					due = append(due, e)
				}
			}
		}
		for _, e := range due {
			heap.Remove(&m.timed, e.idx)
			m.recrawl--
			b.toReady(m, e)
			ops = append(ops, putOp(bktItems, bkey(m.name, e.fp), itemRec{Item: e.it}))
			n++
		}
	}
	done := b.submit(ops)
	b.mu.Unlock()
	if err := wait(ctx, done); err != nil {
		return 0, fmt.Errorf("recrawl now: %w", err)
	}
	return n, nil
}

// luaRecrawlNow moves every recrawl entry of one market (KEYS[2]) into its timed set
// (KEYS[1]) with score 0: counted as pending by Drained, promoted by the next Lease.
var luaRecrawlNow = redis.NewScript(`
local n = redis.call('ZCARD', KEYS[2])
if n > 0 then
  redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[2], 'WEIGHTS', 1, 0, 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[2])
end
return n
`)

// RecrawlNow implements Recrawler.
func (r *Redis) RecrawlNow(ctx context.Context) (int, error) {
	markets, err := r.c.SMembers(ctx, r.marketsKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("recrawl now: %w", err)
	}
	total := 0
	for _, m := range markets {
		n, err := luaRecrawlNow.Run(ctx, r.c, []string{r.mkey(m) + "timed", r.mkey(m) + "recrawl"}).Int()
		if err != nil {
			return total, fmt.Errorf("recrawl now %s: %w", m, err)
		}
		total += n
	}
	return total, nil
}

// luaRecrawlURLs moves the recrawl entries ARGV (fingerprints) of one market (KEYS[2]) into
// its timed set (KEYS[1]) with score 0.
var luaRecrawlURLs = redis.NewScript(`
local n = 0
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[1], 0, ARGV[i])
    n = n + 1
  end
end
return n
`)

// RecrawlURLs implements Refresher.
func (r *Redis) RecrawlURLs(ctx context.Context, market string, urls []string) (int, error) {
	if len(urls) == 0 {
		return 0, nil
	}
	args := make([]any, 0, len(urls))
	for _, u := range urls {
		args = append(args, fpBytes(u))
	}
	n, err := luaRecrawlURLs.Run(ctx, r.c, []string{r.mkey(market) + "timed", r.mkey(market) + "recrawl"}, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("recrawl %s: %w", market, err)
	}
	return n, nil
}
