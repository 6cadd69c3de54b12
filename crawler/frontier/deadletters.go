package frontier

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
)

// DeadLetter is an item the frontier gave up on (Result Drop, or Retry for the
// Options.MaxAttempts-th time). Item.Attempt is the failed attempts counted when it
// died (a Drop counts one).
type DeadLetter struct {
	Item
	Err string    // Result.Err of the last attempt
	At  time.Time // when it was dead-lettered
}

// DeadLetters is implemented by frontiers whose dead letters can be listed and put back in
// the queue (`darkwatch frontier dead` and `darkwatch frontier requeue`).
//
// A requeued URL is queued again with Attempt 0 and no due time: it can be leased at once,
// subject to host politeness, host liveness backoff and market pause, and it counts in
// Counts.Queued (no longer in Dead); Drained is false until it is settled. It stays in the
// seen set (Add still refuses it). If it fails again it is dead-lettered again.
type DeadLetters interface {
	// Dead lists the dead letters of market ("" = every market), newest first (ties by
	// market, then URL), at most limit of them (limit <= 0: all).
	Dead(ctx context.Context, market string, limit int) ([]DeadLetter, error)
	// RequeueDead requeues the dead letters of these URLs (exact, canonical strings as
	// Dead lists them) in market ("" = in any market) and returns how many it requeued.
	// A URL that is not dead-lettered (unknown, pending, done, already requeued) is
	// skipped, not an error. No URLs: nothing is requeued.
	RequeueDead(ctx context.Context, market string, urls []string) (int, error)
	// RequeueAllDead requeues every dead letter of market ("" = of every market) and
	// returns how many it requeued.
	RequeueAllDead(ctx context.Context, market string) (int, error)
}

var (
	_ DeadLetters = (*Bolt)(nil)
	_ DeadLetters = (*Redis)(nil)
)

// deadChunk bounds the dead letters read and requeued per step (Bolt: per read
// transaction and commit; Redis: per script call) when a whole market is requeued.
const deadChunk = 512

// deadBefore is the order of Dead: newest first, then market, then URL.
func deadBefore(a, b DeadLetter) bool {
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	if a.Market != b.Market {
		return a.Market < b.Market
	}
	return a.URL < b.URL
}

// deadTop keeps the first limit dead letters in deadBefore order (all when limit <= 0)
// without holding more than limit of them.
type deadTop struct {
	limit int
	h     deadHeap // with a limit: a heap whose root is the last kept in order
}

type deadHeap []DeadLetter

func (h deadHeap) Len() int           { return len(h) }
func (h deadHeap) Less(i, j int) bool { return deadBefore(h[j], h[i]) }
func (h deadHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadHeap) Push(x any)        { *h = append(*h, x.(DeadLetter)) }
func (h *deadHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	return d
}

func (t *deadTop) add(d DeadLetter) {
	if t.limit <= 0 {
		t.h = append(t.h, d)
		return
	}
	if len(t.h) < t.limit {
		heap.Push(&t.h, d)
		return
	}
	if deadBefore(d, t.h[0]) {
		t.h[0] = d
		heap.Fix(&t.h, 0)
	}
}

func (t *deadTop) sorted() []DeadLetter {
	out := []DeadLetter(t.h)
	slices.SortFunc(out, func(a, b DeadLetter) int {
		switch {
		case deadBefore(a, b):
			return -1
		case deadBefore(b, a):
			return 1
		}
		return 0
	})
	return out
}

// decodeDead decodes a stored deadRec of market's.
func decodeDead(v []byte, market string) (DeadLetter, error) {
	var r deadRec
	if err := json.Unmarshal(v, &r); err != nil {
		return DeadLetter{}, fmt.Errorf("decode dead letter: %w", err)
	}
	if r.URL == "" {
		return DeadLetter{}, fmt.Errorf("decode dead letter: no URL in %.80q", v)
	}
	r.Market, r.NotBefore = market, time.Time{}
	if r.Host == "" {
		r.Host, _ = payloadHost(r.URL)
	}
	return DeadLetter(r), nil
}

// requeued is the item a dead letter becomes: attempts forgotten, due now.
func requeued(it Item) Item {
	it.Attempt, it.NotBefore = 0, time.Time{}
	return it
}

// Dead implements DeadLetters. It reads the file (the dead letters are not kept in
// memory), concurrently with the frontier's writes: every call that returned before is
// seen.
func (b *Bolt) Dead(ctx context.Context, market string, limit int) ([]DeadLetter, error) {
	b.mu.Lock()
	err := b.check()
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	top := deadTop{limit: limit}
	err = b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bktDead).Cursor()
		var prefix []byte
		if market != "" {
			prefix = []byte(market + "\x00")
		}
		n := 0
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			m, _ := splitKey(k)
			d, err := decodeDead(v, m)
			if err != nil {
				return fmt.Errorf("%q: %w", k, err)
			}
			top.add(d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	return top.sorted(), nil
}

// keyedDead is a dead letter read from the dead bucket with its key.
type keyedDead struct {
	key []byte
	d   DeadLetter
}

// RequeueDead implements DeadLetters.
func (b *Bolt) RequeueDead(ctx context.Context, market string, urls []string) (int, error) {
	if len(urls) == 0 {
		return 0, nil
	}
	// The keys of the URLs that are dead now; their records are read from the file and
	// checked again by requeue (a concurrent call may requeue them first).
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return 0, err
	}
	var keys [][]byte
	for _, m := range b.markets {
		if market != "" && m.name != market {
			continue
		}
		for _, u := range urls {
			fp := Fingerprint(u)
			if _, ok := m.deadfp[fp]; ok {
				keys = append(keys, bkey(m.name, fp))
			}
		}
	}
	b.mu.Unlock()
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)
	var recs []keyedDead
	err := b.db.View(func(tx *bolt.Tx) error {
		bkt := tx.Bucket(bktDead)
		for _, k := range keys {
			v := bkt.Get(k)
			if v == nil {
				continue // dead-lettered by a write still in flight: requeued as it was not there yet
			}
			m, _ := splitKey(k)
			d, err := decodeDead(v, m)
			if err != nil {
				return fmt.Errorf("%q: %w", k, err)
			}
			recs = append(recs, keyedDead{key: k, d: d})
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("requeue dead: %w", err)
	}
	return b.requeueDead(ctx, recs)
}

// RequeueAllDead implements DeadLetters: deadChunk dead letters per read and commit.
func (b *Bolt) RequeueAllDead(ctx context.Context, market string) (int, error) {
	var prefix []byte
	if market != "" {
		prefix = []byte(market + "\x00")
	}
	from := prefix
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		b.mu.Lock()
		err := b.check()
		b.mu.Unlock()
		if err != nil {
			return total, err
		}
		var recs []keyedDead
		err = b.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bktDead).Cursor()
			for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, prefix) && len(recs) < deadChunk; k, v = c.Next() {
				m, _ := splitKey(k)
				d, err := decodeDead(v, m)
				if err != nil {
					return fmt.Errorf("%q: %w", k, err)
				}
				recs = append(recs, keyedDead{key: slices.Clone(k), d: d})
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("requeue dead: %w", err)
		}
		if len(recs) == 0 {
			return total, nil
		}
		n, err := b.requeueDead(ctx, recs)
		total += n
		if err != nil {
			return total, err
		}
		// Next: the first key after the last one read.
		from = append(slices.Clone(recs[len(recs)-1].key), 0)
	}
}

// requeueDead queues the records that are still dead in memory, in one commit.
func (b *Bolt) requeueDead(ctx context.Context, recs []keyedDead) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return 0, err
	}
	n := 0
	var ops []func(*bolt.Tx) error
	for _, r := range recs {
		name, rest := splitKey(r.key)
		m := b.markets[name]
		if m == nil || len(rest) != 8 {
			continue
		}
		fp := binary.BigEndian.Uint64(rest)
		if _, ok := m.deadfp[fp]; !ok {
			continue // requeued meanwhile
		}
		if _, ok := m.items[fp]; ok {
			continue // cannot happen: a dead letter is not pending
		}
		delete(m.deadfp, fp)
		e := &bentry{it: requeued(r.d.Item), fp: fp}
		m.items[fp] = e
		b.toReady(m, e)
		ops = append(ops, delOp(bktDead, r.key), putOp(bktItems, r.key, itemRec{Item: e.it}))
		n++
	}
	done := b.submit(ops)
	b.mu.Unlock()
	if err := wait(ctx, done); err != nil {
		return 0, fmt.Errorf("requeue dead: %w", err)
	}
	return n, nil
}

// luaRequeueDead: ARGV[6..] = groups (fp, host, prio, payload), payload being the item
// with Attempt 0. Each fp still in the dead hash (and not pending) is removed from it,
// stored in items and queued, in one atomic step. Returns the number requeued.
var luaRequeueDead = redis.NewScript(luaCommon + `
local n, ibuf, hosts = 0, {}, {}
for i = 6, #ARGV, 4 do
  local fp, host = ARGV[i], ARGV[i + 1]
  if redis.call('HEXISTS', P .. 'items', fp) == 0 and redis.call('HDEL', P .. 'dead', fp) == 1 then
    ibuf[#ibuf + 1] = fp
    ibuf[#ibuf + 1] = ARGV[i + 3]
    enqueue(fp, host, tonumber(ARGV[i + 2]))
    hosts[#hosts + 1] = host
    n = n + 1
  end
end
if n > 0 then
  bulk('HSET', P .. 'items', ibuf, 2000)
  bulk('SADD', P .. 'hostset', hosts, 2000)
end
flush()
return n
`)

// Dead implements DeadLetters: HSCAN of each market's dead hash.
func (r *Redis) Dead(ctx context.Context, market string, limit int) ([]DeadLetter, error) {
	markets, err := r.deadMarkets(ctx, market)
	if err != nil {
		return nil, err
	}
	top := deadTop{limit: limit}
	for _, m := range markets {
		seen := map[string]bool{} // HSCAN may return a field twice
		err := r.scanDead(ctx, m, func(fields, vals []string) error {
			for i, f := range fields {
				if seen[f] {
					continue
				}
				seen[f] = true
				d, err := decodeDead([]byte(vals[i]), m)
				if err != nil {
					return fmt.Errorf("%x: %w", f, err)
				}
				top.add(d)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("dead letters %s: %w", m, err)
		}
	}
	return top.sorted(), nil
}

// RequeueDead implements DeadLetters: one HMGET per market reads the records, then one
// script call per market and chunk requeues those still dead.
func (r *Redis) RequeueDead(ctx context.Context, market string, urls []string) (int, error) {
	if len(urls) == 0 {
		return 0, nil
	}
	markets, err := r.deadMarkets(ctx, market)
	if err != nil {
		return 0, err
	}
	var fps []string
	for _, u := range urls {
		fps = append(fps, fpBytes(u))
	}
	slices.Sort(fps)
	fps = slices.Compact(fps)
	cmds := make([]*redis.SliceCmd, len(markets))
	if _, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range markets {
			cmds[i] = p.HMGet(ctx, r.mkey(m)+"dead", fps...)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("requeue dead: %w", err)
	}
	now := r.opts.Clock()
	var calls []call
	for i, m := range markets {
		var fields, vals []string
		for j, v := range cmds[i].Val() {
			if s, ok := v.(string); ok {
				fields, vals = append(fields, fps[j]), append(vals, s)
			}
		}
		for start := 0; start < len(fields); start += deadChunk {
			end := min(start+deadChunk, len(fields))
			c, err := r.requeueCall(m, now, fields[start:end], vals[start:end])
			if err != nil {
				return 0, err
			}
			calls = append(calls, c)
		}
	}
	return r.runRequeue(ctx, calls)
}

// RequeueAllDead implements DeadLetters: per market, each HSCAN page of the dead hash is
// requeued by one script call.
func (r *Redis) RequeueAllDead(ctx context.Context, market string) (int, error) {
	markets, err := r.deadMarkets(ctx, market)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, m := range markets {
		err := r.scanDead(ctx, m, func(fields, vals []string) error {
			c, err := r.requeueCall(m, r.opts.Clock(), fields, vals)
			if err != nil {
				return err
			}
			n, err := r.runRequeue(ctx, []call{c})
			total += n
			return err
		})
		if err != nil {
			return total, fmt.Errorf("requeue dead %s: %w", m, err)
		}
	}
	return total, nil
}

// deadMarkets is []string{market}, or every market when market is "".
func (r *Redis) deadMarkets(ctx context.Context, market string) ([]string, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	if market != "" {
		return []string{market}, nil
	}
	ms, err := r.c.SMembers(ctx, r.marketsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("markets: %w", err)
	}
	slices.Sort(ms)
	return ms, nil
}

// scanDead calls fn with each HSCAN page (up to deadChunk fields) of market's dead hash.
func (r *Redis) scanDead(ctx context.Context, market string, fn func(fields, vals []string) error) error {
	key := r.mkey(market) + "dead"
	var cursor uint64
	for {
		kv, next, err := r.c.HScan(ctx, key, cursor, "", deadChunk).Result()
		if err != nil {
			return err
		}
		if len(kv) > 0 {
			fields := make([]string, 0, len(kv)/2)
			vals := make([]string, 0, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				fields, vals = append(fields, kv[i]), append(vals, kv[i+1])
			}
			if err := fn(fields, vals); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// requeueCall is the luaRequeueDead call for dead records (fields fp, values JSON) of
// market's.
func (r *Redis) requeueCall(market string, now time.Time, fields, vals []string) (call, error) {
	args := make([]any, 0, 4*len(fields))
	for i, f := range fields {
		d, err := decodeDead([]byte(vals[i]), market)
		if err != nil {
			return call{}, fmt.Errorf("requeue dead %x: %w", f, err)
		}
		it := requeued(d.Item)
		p, err := redisPayload(it)
		if err != nil {
			return call{}, fmt.Errorf("requeue dead %s: %w", it.URL, err)
		}
		args = append(args, f, it.Host, it.Priority, p)
	}
	return r.newCall(luaRequeueDead, market, now, args...), nil
}

func (r *Redis) runRequeue(ctx context.Context, calls []call) (int, error) {
	if len(calls) == 0 {
		return 0, nil
	}
	cmds, err := r.run(ctx, calls, nil)
	if err != nil {
		return 0, fmt.Errorf("requeue dead: %w", err)
	}
	total := 0
	for _, c := range cmds {
		n, err := c.Int()
		if err != nil {
			return total, fmt.Errorf("requeue dead: %w", err)
		}
		total += n
	}
	return total, nil
}
