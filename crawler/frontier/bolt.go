package frontier

import (
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var _ Frontier = (*Bolt)(nil)

// Bolt is the embedded frontier: all state in memory, every change written
// to a bbolt file before the call returns (group commit: concurrent calls
// share one transaction and one fsync, in call order). Leases are not
// written: a lease only lives in this process, so when the process dies
// its leased items are simply "queued" on disk and come back at the next
// OpenBolt (attempt not counted). bbolt holds an exclusive file lock, so
// one process owns a Bolt file at a time.
type Bolt struct {
	opts Options
	db   *bolt.DB

	mu      sync.Mutex
	markets map[string]*bmarket
	seq     uint64
	closed  bool

	// pending holds the commits not yet taken by the writer, in order, under mu: submit
	// never blocks while mu is held, and wcond (on mu) wakes the writer.
	pending  []*commit
	wcond    *sync.Cond
	werr     error // sticky write error, under mu
	writerWG sync.WaitGroup
}

var (
	bktSeen   = []byte("seen")
	bktItems  = []byte("items")
	bktDead   = []byte("dead")
	bktHosts  = []byte("hosts")
	bktPaused = []byte("paused")
)

type entryState uint8

const (
	stQueued entryState = iota
	stDelayed
	stRecrawl
	stLeased
)

type bentry struct {
	it       Item
	fp       uint64
	state    entryState
	seq      uint64
	idx      int // index in ready or timed heap
	token    string
	deadline time.Time
}

type bhost struct {
	name     string
	ready    readyHeap
	inflight int
	next     time.Time
	down     time.Time
	fails    int
	hist     []HostEvent
}

type bmarket struct {
	name    string
	seen    map[uint64]struct{}
	items   map[uint64]*bentry
	hosts   map[string]*bhost
	timed   timedHeap
	paused  string
	deadfp  map[uint64]struct{} // dead letters (their records are only in the file)
	queued  int64
	delayed int64
	recrawl int64
	leased  int64
}

// itemRec is an item as stored in the items bucket.
type itemRec struct {
	Item
	Recrawl bool `json:"r,omitempty"`
}

type deadRec struct {
	Item
	Err string    `json:"err,omitempty"`
	At  time.Time `json:"at"`
}

type hostRec struct {
	Fails   int         `json:"fails"`
	Down    time.Time   `json:"down,omitzero"`
	History []HostEvent `json:"hist,omitempty"`
}

type commit struct {
	ops  []func(*bolt.Tx) error
	done chan error
}

// OpenBolt opens (or creates) the frontier file at path. Items that were
// leased when the previous owner died are queued again. A file another
// process holds (a running crawl) fails with ErrLocked after 5 s.
func OpenBolt(path string, opts Options) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open frontier %s: %w (waited 5s)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open frontier %s: %w", path, err)
	}
	b := &Bolt{opts: opts.withDefaults(), db: db, markets: map[string]*bmarket{}}
	b.wcond = sync.NewCond(&b.mu)
	if err := b.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("load frontier %s: %w", path, err)
	}
	b.writerWG.Add(1)
	go b.writer()
	return b, nil
}

func bkey(market string, fp uint64) []byte {
	k := make([]byte, len(market)+1+8)
	copy(k, market)
	binary.BigEndian.PutUint64(k[len(market)+1:], fp)
	return k
}

func splitKey(k []byte) (string, []byte) {
	for i, c := range k {
		if c == 0 {
			return string(k[:i]), k[i+1:]
		}
	}
	return string(k), nil
}

func (b *Bolt) load() error {
	now := b.opts.Clock()
	return b.db.Update(func(tx *bolt.Tx) error {
		for _, n := range [][]byte{bktSeen, bktItems, bktDead, bktHosts, bktPaused} {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bktSeen).ForEach(func(k, _ []byte) error {
			m, rest := splitKey(k)
			if len(rest) != 8 {
				return fmt.Errorf("bad seen key %q", k)
			}
			b.market(m).seen[binary.BigEndian.Uint64(rest)] = struct{}{}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bktHosts).ForEach(func(k, v []byte) error {
			m, h := splitKey(k)
			var r hostRec
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("host %q: %w", k, err)
			}
			hq := b.market(m).host(string(h))
			hq.fails, hq.down, hq.hist = r.Fails, r.Down, r.History
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bktItems).ForEach(func(k, v []byte) error {
			var r itemRec
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("item %q: %w", k, err)
			}
			m := b.market(r.Market)
			e := &bentry{it: r.Item, fp: Fingerprint(r.URL)}
			m.items[e.fp] = e
			switch {
			case r.Recrawl:
				b.toTimed(m, e, stRecrawl)
			case r.NotBefore.After(now):
				b.toTimed(m, e, stDelayed)
			default:
				b.toReady(m, e)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bktDead).ForEach(func(k, _ []byte) error {
			m, rest := splitKey(k)
			if len(rest) != 8 {
				return fmt.Errorf("bad dead key %q", k)
			}
			b.market(m).deadfp[binary.BigEndian.Uint64(rest)] = struct{}{}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bktPaused).ForEach(func(k, v []byte) error {
			b.market(string(k)).paused = string(v)
			return nil
		})
	})
}

// writer applies commits in order, many per transaction (at most 512), until Close and
// the last pending commit are done. It is owned by the Bolt: started by OpenBolt (with the
// file it writes), stopped and waited for by Close.
func (b *Bolt) writer() {
	defer b.writerWG.Done()
	for {
		b.mu.Lock()
		for len(b.pending) == 0 && !b.closed {
			b.wcond.Wait()
		}
		batch := b.pending
		b.pending = nil
		b.mu.Unlock()
		if len(batch) == 0 {
			return // closed and drained
		}
		for len(batch) > 0 {
			n := min(len(batch), 512)
			b.apply(batch[:n])
			batch = batch[n:]
		}
	}
}

// apply writes a batch of commits in one transaction and tells each its outcome.
func (b *Bolt) apply(batch []*commit) {
	err := b.db.Update(func(tx *bolt.Tx) error {
		for _, c := range batch {
			for _, op := range c.ops {
				if err := op(tx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("frontier write: %w", err)
		b.mu.Lock()
		b.werr = err
		b.mu.Unlock()
	}
	for _, c := range batch {
		c.done <- err
	}
}

// submit queues ops for the writer; call with b.mu held (keeps disk order equal to memory
// order). It never blocks. Wait on the returned channel after unlocking.
func (b *Bolt) submit(ops []func(*bolt.Tx) error) chan error {
	if len(ops) == 0 {
		return nil
	}
	c := &commit{ops: ops, done: make(chan error, 1)}
	if b.closed {
		c.done <- ErrClosed
		return c.done
	}
	b.pending = append(b.pending, c)
	b.wcond.Signal()
	return c.done
}

// wait waits for a submitted write to be durable, or for ctx. The write is ordered and
// applied in memory already: a caller that gives up gets an error saying its durability is
// not confirmed, and the writer still writes it.
func wait(ctx context.Context, done chan error) error {
	if done == nil {
		return nil
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("frontier write not confirmed durable: %w", ctx.Err())
	}
}

func putOp(bkt, k []byte, v any) func(*bolt.Tx) error {
	var data []byte
	switch v := v.(type) {
	case []byte:
		data = v
	case string:
		data = []byte(v)
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			return func(*bolt.Tx) error { return err }
		}
	}
	return func(tx *bolt.Tx) error { return tx.Bucket(bkt).Put(k, data) }
}

func delOp(bkt, k []byte) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket(bkt).Delete(k) }
}

func (b *Bolt) market(name string) *bmarket {
	m := b.markets[name]
	if m == nil {
		m = &bmarket{name: name, seen: map[uint64]struct{}{}, items: map[uint64]*bentry{}, hosts: map[string]*bhost{}, deadfp: map[uint64]struct{}{}}
		b.markets[name] = m
	}
	return m
}

func (m *bmarket) host(name string) *bhost {
	h := m.hosts[name]
	if h == nil {
		h = &bhost{name: name}
		m.hosts[name] = h
	}
	return h
}

func (b *Bolt) toReady(m *bmarket, e *bentry) {
	b.seq++
	e.seq = b.seq
	e.state = stQueued
	e.it.NotBefore = time.Time{}
	heap.Push(&m.host(e.it.Host).ready, e)
	m.queued++
}

func (b *Bolt) toTimed(m *bmarket, e *bentry, st entryState) {
	e.state = st
	heap.Push(&m.timed, e)
	if st == stRecrawl {
		m.recrawl++
	} else {
		m.delayed++
	}
}

func (b *Bolt) promote(m *bmarket, now time.Time) {
	for m.timed.Len() > 0 && !m.timed[0].it.NotBefore.After(now) {
		e := heap.Pop(&m.timed).(*bentry)
		if e.state == stRecrawl {
			m.recrawl--
		} else {
			m.delayed--
		}
		b.toReady(m, e)
	}
}

func (b *Bolt) check() error {
	if b.closed {
		return ErrClosed
	}
	return b.werr
}

// Add implements Frontier.
func (b *Bolt) Add(ctx context.Context, items ...Item) (int, error) {
	return b.AddAckMany(ctx, items, nil)
}

// AddAckMany is Add(items...) followed by AckMany(outs) in one transaction (one fsync):
// the crawler enqueues the links of a batch of pages and settles their leases at once. The
// items are stored before, or with, the acks; an invalid item fails the call before
// anything changes. The error joins the failed outcomes as AckMany's does.
func (b *Bolt) AddAckMany(ctx context.Context, items []Item, outs []Outcome) (int, error) {
	for _, it := range items {
		if err := validate(it); err != nil {
			return 0, err
		}
	}
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return 0, err
	}
	added, ops := b.add(items)
	aops, errs := b.ack(outs)
	done := b.submit(append(ops, aops...))
	b.mu.Unlock()
	if err := wait(ctx, done); err != nil {
		return 0, errors.Join(append(errs, err)...)
	}
	return added, errors.Join(errs...)
}

// add applies items in memory and returns the count added and the writes; call with b.mu
// held and the items validated.
func (b *Bolt) add(items []Item) (int, []func(*bolt.Tx) error) {
	added := 0
	var ops []func(*bolt.Tx) error
	for _, it := range items {
		m := b.market(it.Market)
		fp := Fingerprint(it.URL)
		if _, ok := m.seen[fp]; ok {
			continue
		}
		if b.opts.MaxPagesPerMarket > 0 && len(m.seen) >= b.opts.MaxPagesPerMarket {
			continue
		}
		m.seen[fp] = struct{}{}
		e := &bentry{it: it, fp: fp}
		m.items[fp] = e
		k := bkey(it.Market, fp)
		ops = append(ops, putOp(bktSeen, k, []byte{}), putOp(bktItems, k, itemRec{Item: it}))
		if it.NotBefore.After(b.opts.Clock()) {
			b.toTimed(m, e, stDelayed)
		} else {
			b.toReady(m, e)
		}
		added++
	}
	return added, ops
}

func newToken() string {
	var buf [12]byte
	_, _ = rand.Read(buf[:])
	return hex.EncodeToString(buf[:])
}

// eligible reports whether h may get a lease now, and how many.
func (b *Bolt) capacity(h *bhost, now time.Time) int {
	if h.ready.Len() == 0 || h.next.After(now) {
		return 0
	}
	if !h.down.IsZero() {
		if h.down.After(now) || h.inflight > 0 {
			return 0
		}
		return 1 // resurrection probe
	}
	c := b.opts.HostMaxInFlight - h.inflight
	if c > 0 && b.opts.HostDelay > 0 {
		c = 1
	}
	return max(c, 0)
}

// Lease implements Frontier.
func (b *Bolt) Lease(ctx context.Context, maxN int, ttl time.Duration) ([]Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(); err != nil {
		return nil, err
	}
	now := b.opts.Clock()
	type cand struct {
		m *bmarket
		h *bhost
		n int
	}
	var out []Lease
	for len(out) < maxN {
		var cands []cand
		for _, m := range b.markets {
			if m.paused != "" {
				continue
			}
			b.promote(m, now)
			if m.queued == 0 {
				continue
			}
			for _, h := range m.hosts {
				if n := b.capacity(h, now); n > 0 {
					cands = append(cands, cand{m, h, n})
				}
			}
		}
		if len(cands) == 0 {
			break
		}
		sort.Slice(cands, func(i, j int) bool { return cands[i].h.ready.less(cands[i].h.ready[0], cands[j].h.ready[0]) })
		for _, c := range cands {
			for i := 0; i < c.n && c.h.ready.Len() > 0 && len(out) < maxN; i++ {
				e := heap.Pop(&c.h.ready).(*bentry)
				c.m.queued--
				c.m.leased++
				c.h.inflight++
				e.state = stLeased
				e.token = newToken()
				e.deadline = now.Add(ttl)
				out = append(out, Lease{Item: e.it, Token: e.token, Deadline: e.deadline})
			}
			if b.opts.HostDelay > 0 {
				c.h.next = now.Add(b.opts.HostDelay)
			}
			if len(out) >= maxN {
				break
			}
		}
	}
	return out, nil
}

func (b *Bolt) leased(l Lease) (*bmarket, *bentry, error) {
	m := b.markets[l.Market]
	if m == nil {
		return nil, nil, ErrLeaseLost
	}
	e := m.items[Fingerprint(l.URL)]
	if e == nil || e.state != stLeased || e.token != l.Token {
		return nil, nil, ErrLeaseLost
	}
	return m, e, nil
}

func (b *Bolt) release(m *bmarket, e *bentry) {
	m.leased--
	m.host(e.it.Host).inflight--
	e.token = ""
}

// Ack implements Frontier.
func (b *Bolt) Ack(ctx context.Context, l Lease, res Result) error {
	return b.AckMany(ctx, []Outcome{{Lease: l, Result: res}})
}

// AckMany implements Frontier. Each outcome is applied independently; the
// error joins the failures (errors.Is(err, ErrLeaseLost) works).
func (b *Bolt) AckMany(ctx context.Context, outs []Outcome) error {
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return err
	}
	ops, errs := b.ack(outs)
	done := b.submit(ops)
	b.mu.Unlock()
	if err := wait(ctx, done); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ack applies outcomes in memory and returns the writes and the failed outcomes; call with
// b.mu held.
func (b *Bolt) ack(outs []Outcome) ([]func(*bolt.Tx) error, []error) {
	now := b.opts.Clock()
	var ops []func(*bolt.Tx) error
	var errs []error
	for _, o := range outs {
		m, e, err := b.leased(o.Lease)
		if err != nil {
			errs = append(errs, fmt.Errorf("ack %s: %w", o.Lease.URL, err))
			continue
		}
		st, err := b.opts.Settle(e.it, o.Result, now, b.opts.Rand())
		if err != nil {
			errs = append(errs, fmt.Errorf("ack %s: %w", o.Lease.URL, err))
			continue
		}
		b.release(m, e)
		k := bkey(m.name, e.fp)
		if st.HostUp {
			if op := b.hostOK(m, e.it.Host, now); op != nil {
				ops = append(ops, op)
			}
		}
		switch st.Action {
		case ActForget:
			delete(m.items, e.fp)
			ops = append(ops, delOp(bktItems, k))
		case ActRecrawl, ActDelay:
			e.it = st.Item
			state := stDelayed
			if st.Action == ActRecrawl {
				state = stRecrawl
			}
			b.toTimed(m, e, state)
			ops = append(ops, putOp(bktItems, k, itemRec{Item: e.it, Recrawl: st.Action == ActRecrawl}))
		case ActDead:
			delete(m.items, e.fp)
			m.deadfp[e.fp] = struct{}{}
			ops = append(ops, delOp(bktItems, k), putOp(bktDead, k, deadRec{Item: st.Item, Err: st.Err, At: now}))
		case ActRequeue:
			b.toReady(m, e) // leases are not stored: nothing to write for the item
		}
		if st.HostDown != nil {
			ops = append(ops, b.hostFailed(m, e.it.Host, st.Failure, st.HostDown, now))
		}
	}
	return ops, errs
}

// Extend implements Frontier.
func (b *Bolt) Extend(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(); err != nil {
		return l, err
	}
	_, e, err := b.leased(l)
	if err != nil {
		return l, fmt.Errorf("extend %s: %w", l.URL, err)
	}
	e.deadline = b.opts.Clock().Add(ttl)
	l.Deadline = e.deadline
	return l, nil
}

// Reap implements Frontier.
func (b *Bolt) Reap(ctx context.Context) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(); err != nil {
		return 0, err
	}
	now := b.opts.Clock()
	n := 0
	for _, m := range b.markets {
		if m.leased == 0 {
			continue
		}
		for _, e := range m.items {
			if e.state == stLeased && !e.deadline.After(now) {
				b.release(m, e)
				b.toReady(m, e)
				n++
			}
		}
	}
	return n, nil
}

func (b *Bolt) hostFailed(m *bmarket, host string, kind FailureKind, down HostBackoff, now time.Time) func(*bolt.Tx) error {
	h := m.host(host)
	h.fails++
	h.down = down.Until(h.fails)
	h.hist = appendHist(h.hist, HostEvent{At: now, Up: false, Kind: kind.String()}, b.opts.HistoryLen)
	return putOp(bktHosts, bkey2(m.name, host), hostRec{Fails: h.fails, Down: h.down, History: h.hist})
}

func appendHist(h []HostEvent, ev HostEvent, n int) []HostEvent {
	h = append(h, ev)
	if len(h) > n {
		h = slices.Clone(h[len(h)-n:])
	}
	return h
}

func bkey2(market, host string) []byte { return []byte(market + "\x00" + host) }

// HostFailed implements Frontier.
func (b *Bolt) HostFailed(ctx context.Context, market, host string, kind FailureKind) error {
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return err
	}
	now := b.opts.Clock()
	op := b.hostFailed(b.market(market), host, kind, b.opts.hostBackoff(kind, now, b.opts.Rand()), now)
	done := b.submit([]func(*bolt.Tx) error{op})
	b.mu.Unlock()
	return wait(ctx, done)
}

// HostOK implements Frontier. It writes only when the host was failing.
func (b *Bolt) HostOK(ctx context.Context, market, host string) error {
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return err
	}
	op := b.hostOK(b.market(market), host, b.opts.Clock())
	if op == nil {
		b.mu.Unlock()
		return nil
	}
	done := b.submit([]func(*bolt.Tx) error{op})
	b.mu.Unlock()
	return wait(ctx, done)
}

// hostOK marks a failing host up; nil when it was up (nothing to write).
func (b *Bolt) hostOK(m *bmarket, host string, now time.Time) func(*bolt.Tx) error {
	h := m.host(host)
	if h.fails == 0 && h.down.IsZero() {
		return nil
	}
	h.fails, h.down = 0, time.Time{}
	h.hist = appendHist(h.hist, HostEvent{At: now, Up: true}, b.opts.HistoryLen)
	return putOp(bktHosts, bkey2(m.name, host), hostRec{History: h.hist})
}

// PauseMarket implements Frontier.
func (b *Bolt) PauseMarket(ctx context.Context, market, reason string) error {
	if reason == "" {
		reason = "paused"
	}
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return err
	}
	b.market(market).paused = reason
	done := b.submit([]func(*bolt.Tx) error{putOp(bktPaused, []byte(market), reason)})
	b.mu.Unlock()
	return wait(ctx, done)
}

// ResumeMarket implements Frontier.
func (b *Bolt) ResumeMarket(ctx context.Context, market string) error {
	b.mu.Lock()
	if err := b.check(); err != nil {
		b.mu.Unlock()
		return err
	}
	b.market(market).paused = ""
	done := b.submit([]func(*bolt.Tx) error{delOp(bktPaused, []byte(market))})
	b.mu.Unlock()
	return wait(ctx, done)
}

// Paused implements Frontier.
func (b *Bolt) Paused(ctx context.Context) (map[string]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range b.markets {
		if m.paused != "" {
			out[m.name] = m.paused
		}
	}
	return out, nil
}

// Stats implements Frontier.
func (b *Bolt) Stats(ctx context.Context) (Stats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(); err != nil {
		return Stats{}, err
	}
	now := b.opts.Clock()
	st := Stats{Markets: map[string]MarketStats{}}
	for _, m := range b.markets {
		b.promote(m, now)
		ms := MarketStats{
			Counts: Counts{Queued: m.queued, Delayed: m.delayed, Recrawl: m.recrawl, InFlight: m.leased, Seen: int64(len(m.seen)), Dead: int64(len(m.deadfp))},
			Paused: m.paused,
			Hosts:  map[string]HostStats{},
		}
		for _, h := range m.hosts {
			ms.Hosts[h.name] = HostStats{Queued: int64(h.ready.Len()), InFlight: int64(h.inflight), Failures: h.fails, DownUntil: h.down, History: slices.Clone(h.hist)}
		}
		st.addMarket(m.name, ms)
	}
	return st, nil
}

// Drained implements Frontier.
func (b *Bolt) Drained(ctx context.Context) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(); err != nil {
		return false, err
	}
	for _, m := range b.markets {
		if m.queued+m.delayed+m.leased > 0 {
			return false, nil
		}
	}
	return true, nil
}

// Close implements Frontier; it waits for pending writes. Idempotent.
func (b *Bolt) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.wcond.Broadcast()
	b.mu.Unlock()
	b.writerWG.Wait()
	return b.db.Close()
}

// readyHeap orders a host's due items: higher priority, then FIFO.
type readyHeap []*bentry

func (h readyHeap) less(a, b *bentry) bool {
	if a.it.Priority != b.it.Priority {
		return a.it.Priority > b.it.Priority
	}
	return a.seq < b.seq
}
func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h.less(h[i], h[j]) }
func (h readyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *readyHeap) Push(x any)        { e := x.(*bentry); e.idx = len(*h); *h = append(*h, e) }
func (h *readyHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// timedHeap orders delayed and recrawl items by NotBefore.
type timedHeap []*bentry

func (h timedHeap) Len() int           { return len(h) }
func (h timedHeap) Less(i, j int) bool { return h[i].it.NotBefore.Before(h[j].it.NotBefore) }
func (h timedHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *timedHeap) Push(x any)        { e := x.(*bentry); e.idx = len(*h); *h = append(*h, e) }
func (h *timedHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
