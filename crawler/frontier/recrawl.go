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

var (
	_ Recrawler = (*Bolt)(nil)
	_ Recrawler = (*Redis)(nil)
)

// RecrawlNow implements Recrawler.
func (b *Bolt) RecrawlNow(ctx context.Context) (int, error) {
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return 0, err
	}
	n := 0
	var ops []func(*bolt.Tx) error
	for _, m := range b.markets {
		var due []*bentry
		for _, e := range m.timed {
			if e.state == stRecrawl {
				due = append(due, e)
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
