package frontier

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

var _ Frontier = (*Redis)(nil)

// Redis is the shared frontier: every operation is one Lua script per
// market (atomic, no check-then-set), so any number of crawl processes can
// use one Redis. Calls that span markets send one pipeline. The clock of
// the calling process (Options.Clock) is the time base, so processes
// sharing a frontier need roughly synchronised clocks (NTP).
type Redis struct {
	c    redis.UniversalClient
	opts Options

	mu          sync.Mutex
	markets     []string // cached market list
	marketsAt   time.Time
	knownMarket map[string]bool
	rr          atomic.Uint64
	closed      atomic.Bool
	layoutOK    atomic.Bool
}

// layoutVersion names the key layout of redis_lua.go. A frontier written
// by a build with another layout is refused rather than misread.
const layoutVersion = "2"

var errLayout = errors.New("frontier: key layout mismatch")

// checkLayout records this build's layout under <prefix>:layout on first
// use, and refuses a prefix that holds a frontier of another layout
// (including one from before the layout was recorded).
func (r *Redis) checkLayout(ctx context.Context) error {
	if r.layoutOK.Load() {
		return nil
	}
	key := r.opts.Prefix + ":layout"
	v, err := r.c.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		n, err := r.c.Exists(ctx, r.marketsKey()).Result()
		if err != nil {
			return fmt.Errorf("redis frontier: %w", err)
		}
		// A build of this layout records it before it writes anything else, so markets
		// without a layout key mean an older build, unless a concurrent process of this
		// layout recorded it since the GET above: look again.
		if n > 0 {
			v, err = r.c.Get(ctx, key).Result()
		}
		if n > 0 && errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: prefix %q holds a frontier written by an older darkwatch (no %s key); finish it with that version, use another frontier.redis.prefix, or delete the keys '%s:*' to start afresh (docs/operations.md, Upgrading a Redis frontier)", errLayout, r.opts.Prefix, key, r.opts.Prefix)
		}
		if n == 0 {
			if err := r.c.SetNX(ctx, key, layoutVersion, 0).Err(); err != nil {
				return fmt.Errorf("redis frontier: %w", err)
			}
			v, err = r.c.Get(ctx, key).Result()
		}
		if err != nil {
			return fmt.Errorf("redis frontier: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("redis frontier: %w", err)
	}
	if v != layoutVersion {
		return fmt.Errorf("%w: prefix %q holds key layout %q, this build writes %q; use the darkwatch version that wrote it, or another frontier prefix", errLayout, r.opts.Prefix, v, layoutVersion)
	}
	r.layoutOK.Store(true)
	return nil
}

// addChunk bounds the items per script call (keeps scripts short so one
// call does not block Redis for long).
const addChunk = 512

// NewRedis returns a frontier on client. It does no I/O. Close does not
// close the client.
func NewRedis(client redis.UniversalClient, opts Options) (*Redis, error) {
	if client == nil {
		return nil, errors.New("frontier: nil redis client")
	}
	opts = opts.withDefaults()
	if opts.SeenBuckets > 65536 || opts.SeenBuckets&(opts.SeenBuckets-1) != 0 {
		return nil, fmt.Errorf("frontier: SeenBuckets %d is not a power of two <= 65536", opts.SeenBuckets)
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("frontier: prefix %q must not contain braces", opts.Prefix)
	}
	return &Redis{c: client, opts: opts, knownMarket: map[string]bool{}}, nil
}

func (r *Redis) mkey(market string) string { return r.opts.Prefix + ":{" + market + "}:" }
func (r *Redis) marketsKey() string        { return r.opts.Prefix + ":markets" }
func (r *Redis) pausedKey() string         { return r.opts.Prefix + ":paused" }

func fpBytes(url string) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], Fingerprint(url))
	return string(b[:])
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// call is one script invocation.
type call struct {
	s    *redis.Script
	keys []string
	args []any
}

func (r *Redis) common(market string, now time.Time) []any {
	return []any{r.mkey(market), now.UnixMilli(), r.opts.HostMaxInFlight, ms(r.opts.HostDelay), r.opts.HistoryLen}
}

func (r *Redis) newCall(s *redis.Script, market string, now time.Time, extra ...any) call {
	return call{s: s, keys: []string{r.mkey(market) + "n"}, args: append(r.common(market, now), extra...)}
}

// run executes calls in one pipeline (EVALSHA, loading scripts once on
// NOSCRIPT; a NOSCRIPT call was not executed, so re-running it is safe).
func (r *Redis) run(ctx context.Context, calls []call, extra func(redis.Pipeliner)) ([]*redis.Cmd, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	if err := r.checkLayout(ctx); err != nil {
		return nil, err
	}
	cmds := make([]*redis.Cmd, len(calls))
	exec := func(idx []int, withExtra bool) error {
		_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range idx {
				cmds[i] = calls[i].s.EvalSha(ctx, p, calls[i].keys, calls[i].args...)
			}
			if withExtra && extra != nil {
				extra(p)
			}
			return nil
		})
		return err
	}
	all := make([]int, len(calls))
	for i := range all {
		all[i] = i
	}
	err := exec(all, true)
	if err != nil {
		var retry []int
		for i, c := range cmds {
			if c != nil && redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				retry = append(retry, i)
			}
		}
		if len(retry) > 0 {
			for _, s := range allScripts {
				if err := s.Load(ctx, r.c).Err(); err != nil {
					return nil, fmt.Errorf("load scripts: %w", err)
				}
			}
			err = exec(retry, false)
		}
	}
	if err != nil {
		return cmds, fmt.Errorf("redis frontier: %w", err)
	}
	return cmds, nil
}

// Add implements Frontier.
func (r *Redis) Add(ctx context.Context, items ...Item) (int, error) {
	now := r.opts.Clock()
	byMarket := map[string][]Item{}
	var order []string
	for _, it := range items {
		if err := validate(it); err != nil {
			return 0, err
		}
		if _, ok := byMarket[it.Market]; !ok {
			order = append(order, it.Market)
		}
		byMarket[it.Market] = append(byMarket[it.Market], it)
	}
	var calls []call
	var newMarkets []any
	r.mu.Lock()
	for _, m := range order {
		if !r.knownMarket[m] {
			newMarkets = append(newMarkets, m)
		}
	}
	r.mu.Unlock()
	for _, m := range order {
		its := byMarket[m]
		for start := 0; start < len(its); start += addChunk {
			args, err := addArgs(its[start:min(start+addChunk, len(its))], r.opts.MaxPagesPerMarket, r.opts.SeenBuckets)
			if err != nil {
				return 0, err
			}
			calls = append(calls, r.newCall(luaAdd, m, now, args...))
		}
	}
	cmds, err := r.run(ctx, calls, func(p redis.Pipeliner) {
		if len(newMarkets) > 0 {
			p.SAdd(ctx, r.marketsKey(), newMarkets...)
		}
	})
	if err != nil {
		return 0, fmt.Errorf("add: %w", err)
	}
	r.mu.Lock()
	for _, m := range newMarkets {
		r.knownMarket[m.(string)] = true
		if !slices.Contains(r.markets, m.(string)) {
			r.markets = append(r.markets, m.(string))
		}
	}
	r.mu.Unlock()
	added := 0
	for _, c := range cmds {
		n, err := c.Int()
		if err != nil {
			return added, fmt.Errorf("add: %w", err)
		}
		added += n
	}
	return added, nil
}

// addArgs encodes items for luaAdd: items that share host, priority and
// due time become one group (host, prio, notBefore, k, then k
// fingerprint/payload pairs; groups in order of first appearance, items in
// order within a group), so most URLs cost two arguments.
func addArgs(chunk []Item, maxPages, buckets int) ([]any, error) {
	type key struct {
		host string
		prio int
		nb   int64
	}
	groups := map[key][]any{}
	var order []key
	for _, it := range chunk {
		k := key{it.Host, it.Priority, toMs(it.NotBefore)}
		payload, err := redisPayload(it)
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", it.URL, err)
		}
		g, ok := groups[k]
		if !ok {
			order = append(order, k)
		}
		groups[k] = append(g, fpBytes(it.URL), payload)
	}
	args := make([]any, 0, 2+4*len(order)+2*len(chunk))
	args = append(args, maxPages, buckets)
	for _, k := range order {
		g := groups[k]
		args = append(args, k.host, k.prio, k.nb, len(g)/2)
		args = append(args, g...)
	}
	return args, nil
}

// marketList returns the known markets, refreshed from Redis every second.
func (r *Redis) marketList(ctx context.Context) ([]string, error) {
	r.mu.Lock()
	if time.Since(r.marketsAt) < time.Second {
		ms := slices.Clone(r.markets)
		r.mu.Unlock()
		return ms, nil
	}
	r.mu.Unlock()
	ms, err := r.c.SMembers(ctx, r.marketsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("markets: %w", err)
	}
	slices.Sort(ms)
	r.mu.Lock()
	r.markets, r.marketsAt = ms, time.Now()
	for _, m := range ms {
		r.knownMarket[m] = true
	}
	r.mu.Unlock()
	return slices.Clone(ms), nil
}

// Lease implements Frontier. Markets are visited round-robin, one script
// call each, until max leases are collected.
func (r *Redis) Lease(ctx context.Context, maxN int, ttl time.Duration) ([]Lease, error) {
	markets, err := r.marketList(ctx)
	if err != nil {
		return nil, err
	}
	var out []Lease
	if len(markets) == 0 || maxN <= 0 {
		return nil, nil
	}
	start := int(r.rr.Add(1))
	for i := range markets {
		if len(out) >= maxN {
			break
		}
		m := markets[(start+i)%len(markets)]
		now := r.opts.Clock()
		deadline := now.Add(ttl)
		tokp := newLeaseToken()
		c := r.newCall(luaLease, m, now, maxN-len(out), deadline.UnixMilli(), tokp)
		cmds, err := r.run(ctx, []call{c}, nil)
		if err != nil {
			return out, fmt.Errorf("lease %s: %w", m, err)
		}
		vals, err := cmds[0].StringSlice()
		if err != nil {
			return out, fmt.Errorf("lease %s: %w", m, err)
		}
		for j, payload := range vals {
			it, err := fromRedisPayload(payload, m)
			if err != nil {
				return out, fmt.Errorf("lease %s: %w", m, err)
			}
			out = append(out, Lease{Item: it, Token: tokp + strconv.Itoa(j+1), Deadline: fromMs(deadline.UnixMilli())})
		}
	}
	return out, nil
}

// Ack implements Frontier.
func (r *Redis) Ack(ctx context.Context, l Lease, res Result) error {
	return r.AckMany(ctx, []Outcome{{Lease: l, Result: res}})
}

// AckMany implements Frontier: one script call per market, one pipeline.
// The error joins per-outcome failures (errors.Is(err, ErrLeaseLost)).
func (r *Redis) AckMany(ctx context.Context, outs []Outcome) error {
	now := r.opts.Clock()
	var errs []error
	// Per market, records in outcome order: plain Done outcomes of one host gather in one
	// 'D' record (the common case, one argument each) until another outcome of that host
	// comes, so a host's outcomes keep their order (the last of a success and a host-down
	// decides whether the host is down, as with Acks one by one).
	type rec struct {
		host string
		outs []Outcome
		args []any // nil for a 'D' record
	}
	type group struct {
		recs  []rec
		openD map[string]int // host -> index of its open 'D' record
	}
	groups := map[string]*group{}
	var order []string
	for _, o := range outs {
		l, res := o.Lease, o.Result
		g := groups[l.Market]
		if g == nil {
			g = &group{openD: map[string]int{}}
			groups[l.Market] = g
			order = append(order, l.Market)
		}
		if res.Status == Done && res.Recrawl <= 0 {
			if i, ok := g.openD[l.Host]; ok {
				g.recs[i].outs = append(g.recs[i].outs, o)
			} else {
				g.openD[l.Host] = len(g.recs)
				g.recs = append(g.recs, rec{host: l.Host, outs: []Outcome{o}})
			}
			continue
		}
		st, err := r.opts.Settle(l.Item, res, now, r.opts.Rand())
		if err != nil {
			errs = append(errs, fmt.Errorf("ack %s: %w", l.URL, err))
			continue
		}
		mem := leaseMember(l)
		var args []any
		var p []byte
		switch st.Action {
		case ActRecrawl, ActDelay:
			it := st.Item
			it.NotBefore = time.Time{} // the due time is the score of the recrawl/timed set
			p, err = redisPayload(it)
			act := "T"
			if st.Action == ActRecrawl {
				act = "R"
			}
			args = []any{act, mem, l.Host, st.Item.NotBefore.UnixMilli(), p}
		case ActDead:
			p, err = json.Marshal(deadRec{Item: st.Item, Err: st.Err, At: now})
			args = []any{"X", mem, l.Host, p}
		case ActRequeue:
			if st.HostDown == nil {
				args = []any{"L", mem, l.Host, int64(l.Priority)}
				break
			}
			p, err = json.Marshal(hostFailArg(st.HostDown, st.Failure))
			args = []any{"W", mem, l.Host, int64(l.Priority), p}
		default: // ActForget with Recrawl <= 0 went to a 'D' record above
			err = fmt.Errorf("%w: action %v", ErrInvalid, st.Action)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ack %s: %w", l.URL, err))
			continue
		}
		delete(g.openD, l.Host)
		g.recs = append(g.recs, rec{host: l.Host, outs: []Outcome{o}, args: args})
	}
	var calls []call
	var callOuts [][]Outcome
	for _, m := range order {
		// Chunks of at most addChunk outcomes per script call; a 'D' record may be split.
		var args []any
		var co []Outcome
		emit := func() {
			if len(co) > 0 {
				calls = append(calls, r.newCall(luaAck, m, now, args...))
				callOuts = append(callOuts, co)
			}
			args, co = nil, nil
		}
		for _, rc := range groups[m].recs {
			if rc.args != nil {
				args = append(args, rc.args...)
				co = append(co, rc.outs...)
			}
			for ds := rc.outs; rc.args == nil && len(ds) > 0; {
				k := min(len(ds), addChunk-len(co))
				args = append(args, "D", rc.host, k)
				for _, o := range ds[:k] {
					args = append(args, leaseMember(o.Lease))
				}
				co = append(co, ds[:k]...)
				ds = ds[k:]
				if len(co) >= addChunk {
					emit()
				}
			}
			if len(co) >= addChunk {
				emit()
			}
		}
		emit()
	}
	if len(calls) > 0 {
		cmds, err := r.run(ctx, calls, nil)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("ack: %w", err))...)
		}
		for i, c := range cmds {
			res, err := c.Int64Slice()
			if err != nil {
				errs = append(errs, fmt.Errorf("ack: %w", err))
				continue
			}
			if len(res) != len(callOuts[i]) {
				errs = append(errs, fmt.Errorf("ack: %d answers for %d outcomes", len(res), len(callOuts[i])))
				continue
			}
			for j, ok := range res {
				if ok == 0 {
					errs = append(errs, fmt.Errorf("ack %s: %w", callOuts[i][j].Lease.URL, ErrLeaseLost))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// hostFail is the host-failure argument of the ack and host-fail scripts: the down-until
// deadlines (ms) by consecutive failure count, and the kind for the history.
type hostFail struct {
	Deadlines []int64 `json:"d"`
	Kind      string  `json:"k"`
}

func hostFailArg(h HostBackoff, kind FailureKind) hostFail {
	f := hostFail{Deadlines: make([]int64, len(h)), Kind: kind.String()}
	for i, t := range h {
		f.Deadlines[i] = t.UnixMilli()
	}
	return f
}

// Extend implements Frontier.
func (r *Redis) Extend(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	now := r.opts.Clock()
	deadline := fromMs(now.Add(ttl).UnixMilli())
	cmds, err := r.run(ctx, []call{r.newCall(luaExtend, l.Market, now, leaseMember(l), deadline.UnixMilli())}, nil)
	if err != nil {
		return l, fmt.Errorf("extend %s: %w", l.URL, err)
	}
	if n, _ := cmds[0].Int(); n == 0 {
		return l, fmt.Errorf("extend %s: %w", l.URL, ErrLeaseLost)
	}
	l.Deadline = deadline
	return l, nil
}

// Reap implements Frontier (all markets, one pipeline, up to 10000 leases
// per market per call).
func (r *Redis) Reap(ctx context.Context) (int, error) {
	markets, err := r.marketList(ctx)
	if err != nil {
		return 0, err
	}
	now := r.opts.Clock()
	calls := make([]call, len(markets))
	for i, m := range markets {
		calls[i] = r.newCall(luaReap, m, now, 10000)
	}
	if len(calls) == 0 {
		return 0, nil
	}
	cmds, err := r.run(ctx, calls, nil)
	if err != nil {
		return 0, fmt.Errorf("reap: %w", err)
	}
	n := 0
	for _, c := range cmds {
		k, _ := c.Int()
		n += k
	}
	return n, nil
}

// HostFailed implements Frontier.
func (r *Redis) HostFailed(ctx context.Context, market, host string, kind FailureKind) error {
	now := r.opts.Clock()
	p, err := json.Marshal(hostFailArg(r.opts.hostBackoff(kind, now, r.opts.Rand()), kind))
	if err != nil {
		return fmt.Errorf("host failed %s: %w", host, err)
	}
	_, err = r.run(ctx, []call{r.newCall(luaHostFail, market, now, host, p)}, nil)
	if err != nil {
		return fmt.Errorf("host failed %s: %w", host, err)
	}
	return nil
}

// HostOK implements Frontier (writes only when the host was failing).
func (r *Redis) HostOK(ctx context.Context, market, host string) error {
	_, err := r.run(ctx, []call{r.newCall(luaHostOK, market, r.opts.Clock(), host)}, nil)
	if err != nil {
		return fmt.Errorf("host ok %s: %w", host, err)
	}
	return nil
}

// PauseMarket implements Frontier. The per-market key (checked atomically
// by Lease) is written first, then the global listing.
func (r *Redis) PauseMarket(ctx context.Context, market, reason string) error {
	if reason == "" {
		reason = "paused"
	}
	if r.closed.Load() {
		return ErrClosed
	}
	if err := r.checkLayout(ctx); err != nil {
		return err
	}
	if err := r.c.Set(ctx, r.mkey(market)+"paused", reason, 0).Err(); err != nil {
		return fmt.Errorf("pause %s: %w", market, err)
	}
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.pausedKey(), market, reason)
		p.SAdd(ctx, r.marketsKey(), market)
		return nil
	})
	if err != nil {
		return fmt.Errorf("pause %s: %w", market, err)
	}
	return nil
}

// ResumeMarket implements Frontier.
func (r *Redis) ResumeMarket(ctx context.Context, market string) error {
	if r.closed.Load() {
		return ErrClosed
	}
	if err := r.c.Del(ctx, r.mkey(market)+"paused").Err(); err != nil {
		return fmt.Errorf("resume %s: %w", market, err)
	}
	if err := r.c.HDel(ctx, r.pausedKey(), market).Err(); err != nil {
		return fmt.Errorf("resume %s: %w", market, err)
	}
	return nil
}

// Paused implements Frontier.
func (r *Redis) Paused(ctx context.Context) (map[string]string, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	m, err := r.c.HGetAll(ctx, r.pausedKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("paused: %w", err)
	}
	return m, nil
}

type marketCmds struct {
	queued                   *redis.StringCmd
	seen                     *redis.StringCmd
	delayed, recrawl, leased *redis.IntCmd
	dead                     *redis.IntCmd
	paused                   *redis.StringCmd
	hosts                    *redis.StringSliceCmd
}

func (r *Redis) marketCounts(ctx context.Context, withHosts bool) ([]string, []marketCmds, error) {
	if r.closed.Load() {
		return nil, nil, ErrClosed
	}
	markets, err := r.c.SMembers(ctx, r.marketsKey()).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("markets: %w", err)
	}
	slices.Sort(markets)
	mc := make([]marketCmds, len(markets))
	_, err = r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range markets {
			k := r.mkey(m)
			mc[i] = marketCmds{
				queued:  p.HGet(ctx, k+"n", "queued"),
				delayed: p.ZCard(ctx, k+"timed"),
				recrawl: p.ZCard(ctx, k+"recrawl"),
				leased:  p.ZCard(ctx, k+"leases"),
				seen:    p.HGet(ctx, k+"n", "seen"),
				dead:    p.HLen(ctx, k+"dead"),
				paused:  p.Get(ctx, k+"paused"),
			}
			if withHosts {
				mc[i].hosts = p.SMembers(ctx, k+"hostset")
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("counts: %w", err)
	}
	return markets, mc, nil
}

func atoi(c *redis.StringCmd) int64 {
	n, _ := strconv.ParseInt(c.Val(), 10, 64)
	return n
}

// Stats implements Frontier.
func (r *Redis) Stats(ctx context.Context) (Stats, error) {
	markets, mc, err := r.marketCounts(ctx, true)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	st := Stats{Markets: map[string]MarketStats{}}
	type hostCmds struct {
		q    *redis.IntCmd
		hs   *redis.SliceCmd
		hist *redis.StringSliceCmd
	}
	hc := make([]map[string]hostCmds, len(markets))
	_, err = r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range markets {
			k := r.mkey(m)
			hc[i] = map[string]hostCmds{}
			for _, h := range mc[i].hosts.Val() {
				hc[i][h] = hostCmds{
					q:    p.ZCard(ctx, k+"q:"+h),
					hs:   p.HMGet(ctx, k+"hs:"+h, "inflight", "fails", "down"),
					hist: p.LRange(ctx, k+"hist:"+h, 0, -1),
				}
			}
		}
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("stats hosts: %w", err)
	}
	for i, m := range markets {
		c := mc[i]
		ms := MarketStats{
			Counts: Counts{Queued: atoi(c.queued), Delayed: c.delayed.Val(), Recrawl: c.recrawl.Val(), InFlight: c.leased.Val(), Seen: atoi(c.seen), Dead: c.dead.Val()},
			Paused: c.paused.Val(),
			Hosts:  map[string]HostStats{},
		}
		for h, cmds := range hc[i] {
			v := cmds.hs.Val()
			num := func(x any) int64 {
				s, _ := x.(string)
				n, _ := strconv.ParseInt(s, 10, 64)
				return n
			}
			hs := HostStats{Queued: cmds.q.Val(), InFlight: num(v[0]), Failures: int(num(v[1])), DownUntil: fromMs(num(v[2]))}
			for _, e := range cmds.hist.Val() {
				var ev struct {
					At   float64 `json:"at"`
					Up   bool    `json:"up"`
					Kind string  `json:"kind"`
				}
				if json.Unmarshal([]byte(e), &ev) == nil {
					hs.History = append(hs.History, HostEvent{At: fromMs(int64(ev.At)), Up: ev.Up, Kind: ev.Kind})
				}
			}
			ms.Hosts[h] = hs
		}
		st.addMarket(m, ms)
	}
	return st, nil
}

// Drained implements Frontier.
func (r *Redis) Drained(ctx context.Context) (bool, error) {
	_, mc, err := r.marketCounts(ctx, false)
	if err != nil {
		return false, fmt.Errorf("drained: %w", err)
	}
	for _, c := range mc {
		if atoi(c.queued)+c.delayed.Val()+c.leased.Val() > 0 {
			return false, nil
		}
	}
	return true, nil
}

// Close implements Frontier. It does not close the Redis client (the
// caller owns it). Idempotent.
func (r *Redis) Close() error {
	r.closed.Store(true)
	return nil
}

// leaseMember is a lease's member in the leases set: fp..token.
func leaseMember(l Lease) string { return fpBytes(l.URL) + l.Token }

// newLeaseToken is a lease call's token prefix (64 random bits in hex and a
// dot; the n-th lease of the call gets n appended).
func newLeaseToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "."
}
