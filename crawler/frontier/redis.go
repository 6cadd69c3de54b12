package frontier

import (
	"context"
	"encoding/binary"
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
			chunk := its[start:min(start+addChunk, len(its))]
			args := make([]any, 0, 2+5*len(chunk))
			args = append(args, r.opts.MaxPagesPerMarket, r.opts.SeenBuckets)
			for _, it := range chunk {
				payload, err := marshalItem(it)
				if err != nil {
					return 0, fmt.Errorf("add %s: %w", it.URL, err)
				}
				args = append(args, fpBytes(it.URL), it.Host, it.Priority, toMs(it.NotBefore), payload)
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
		c := r.newCall(luaLease, m, now, maxN-len(out), deadline.UnixMilli(), newToken()+".")
		cmds, err := r.run(ctx, []call{c}, nil)
		if err != nil {
			return out, fmt.Errorf("lease %s: %w", m, err)
		}
		vals, err := cmds[0].StringSlice()
		if err != nil {
			return out, fmt.Errorf("lease %s: %w", m, err)
		}
		for j := 0; j+1 < len(vals); j += 2 {
			var it Item
			if err := unmarshalItem(vals[j+1], &it); err != nil {
				return out, fmt.Errorf("lease %s: decode item: %w", m, err)
			}
			it.NotBefore = time.Time{}
			out = append(out, Lease{Item: it, Token: vals[j], Deadline: fromMs(deadline.UnixMilli())})
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
	type group struct {
		outs []Outcome
		args []any
	}
	groups := map[string]*group{}
	var order []string
	for _, o := range outs {
		l, res := o.Lease, o.Result
		var act string
		var a1 int64
		var payload []byte
		var err error
		switch res.Status {
		case Done:
			act = "done"
			if res.Recrawl > 0 {
				it := l.Item
				it.Attempt, it.NotBefore = 0, now.Add(res.Recrawl)
				a1 = it.NotBefore.UnixMilli()
				payload, err = json.Marshal(it)
			}
		case Retry, Drop:
			it := l.Item
			it.Attempt++
			if res.Status == Drop || it.Attempt >= r.opts.MaxAttempts {
				act = "dead"
				payload, err = json.Marshal(deadRec{Item: it, Err: res.Err, At: now})
			} else {
				act = "retry"
				it.NotBefore = now.Add(r.opts.retryBackoff(it.Attempt))
				a1 = it.NotBefore.UnixMilli()
				payload, err = json.Marshal(it)
			}
		case HostDown:
			act = "down"
			a1 = int64(l.Priority)
			base, mx := r.hostBackoffRange(res.Failure)
			payload, err = json.Marshal(map[string]any{"b": ms(base), "x": ms(mx), "r": r.opts.Rand(), "k": res.Failure.String()})
		default:
			err = fmt.Errorf("%w: status %v", ErrInvalid, res.Status)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ack %s: %w", l.URL, err))
			continue
		}
		g := groups[l.Market]
		if g == nil {
			g = &group{}
			groups[l.Market] = g
			order = append(order, l.Market)
		}
		g.outs = append(g.outs, o)
		g.args = append(g.args, fpBytes(l.URL), l.Token, act, l.Host, a1, payload)
	}
	var calls []call
	var callOuts [][]Outcome
	for _, m := range order {
		g := groups[m]
		for start := 0; start < len(g.outs); start += addChunk {
			end := min(start+addChunk, len(g.outs))
			calls = append(calls, r.newCall(luaAck, m, now, g.args[start*6:end*6]...))
			callOuts = append(callOuts, g.outs[start:end])
		}
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
			for j, ok := range res {
				if ok == 0 {
					errs = append(errs, fmt.Errorf("ack %s: %w", callOuts[i][j].Lease.URL, ErrLeaseLost))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Redis) hostBackoffRange(k FailureKind) (time.Duration, time.Duration) {
	if k == FailSoon {
		return r.opts.BackoffBase, r.opts.BackoffMax
	}
	return r.opts.HostBackoffBase, r.opts.HostBackoffMax
}

// Extend implements Frontier.
func (r *Redis) Extend(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	now := r.opts.Clock()
	deadline := fromMs(now.Add(ttl).UnixMilli())
	cmds, err := r.run(ctx, []call{r.newCall(luaExtend, l.Market, now, fpBytes(l.URL), l.Token, deadline.UnixMilli())}, nil)
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
	base, mx := r.hostBackoffRange(kind)
	_, err := r.run(ctx, []call{r.newCall(luaHostFail, market, r.opts.Clock(), host, ms(base), ms(mx), r.opts.Rand(), kind.String())}, nil)
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
		st.Markets[m] = ms
		st.Queued += ms.Queued
		st.Delayed += ms.Delayed
		st.Recrawl += ms.Recrawl
		st.InFlight += ms.InFlight
		st.Seen += ms.Seen
		st.Dead += ms.Dead
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

// plainJSON reports whether s needs no JSON escaping: printable ASCII
// other than '"', '\\' and the characters encoding/json escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// marshalItem returns json.Marshal(it). Items without a NotBefore whose
// strings need no escaping (every canonical URL) are written directly,
// byte for byte what encoding/json writes, without reflection.
func marshalItem(it Item) ([]byte, error) {
	if !it.NotBefore.IsZero() || !plainJSON(it.URL) || !plainJSON(it.Market) || !plainJSON(it.Host) || !plainJSON(it.Kind) {
		return json.Marshal(it)
	}
	b := make([]byte, 0, len(it.URL)+len(it.Market)+len(it.Host)+len(it.Kind)+64)
	b = append(b, `{"u":"`...)
	b = append(b, it.URL...)
	b = append(b, `","m":"`...)
	b = append(b, it.Market...)
	b = append(b, `","h":"`...)
	b = append(b, it.Host...)
	b = append(b, '"')
	for _, f := range [...]struct {
		k string
		v int
	}{{`,"d":`, it.Depth}, {`,"p":`, it.Priority}, {`,"a":`, it.Attempt}} {
		if f.v != 0 {
			b = append(b, f.k...)
			b = strconv.AppendInt(b, int64(f.v), 10)
		}
	}
	if it.Kind != "" {
		b = append(b, `,"k":"`...)
		b = append(b, it.Kind...)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// unmarshalItem decodes an item payload. Payloads in marshalItem's direct
// form are parsed without reflection; anything else (escapes, NotBefore,
// other writers) goes to encoding/json.
func unmarshalItem(s string, it *Item) error {
	if fastItem(s, it) {
		return nil
	}
	*it = Item{}
	return json.Unmarshal([]byte(s), it)
}

func fastItem(s string, it *Item) bool {
	var out Item
	rest, ok := strings.CutPrefix(s, "{")
	if !ok || !strings.HasSuffix(rest, "}") {
		return false
	}
	rest = rest[:len(rest)-1]
	for rest != "" {
		if rest[0] != '"' {
			return false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 || len(rest) < end+3 || rest[end+2] != ':' {
			return false
		}
		key := rest[1 : end+1]
		rest = rest[end+3:]
		var val string
		if rest != "" && rest[0] == '"' {
			e := strings.IndexByte(rest[1:], '"')
			if e < 0 {
				return false
			}
			val = rest[1 : e+1]
			for i := 0; i < len(val); i++ {
				if val[i] < 0x20 || val[i] > 0x7e || val[i] == '\\' {
					return false // escapes, control bytes, UTF-8: encoding/json decides
				}
			}
			rest = rest[e+2:]
			switch key {
			case "u":
				out.URL = val
			case "m":
				out.Market = val
			case "h":
				out.Host = val
			case "k":
				out.Kind = val
			default:
				return false
			}
		} else {
			e := strings.IndexByte(rest, ',')
			if e < 0 {
				e = len(rest)
			}
			n, err := strconv.Atoi(rest[:e])
			if err != nil || rest[0] == '+' || (e > 1 && rest[0] == '0') {
				return false
			}
			rest = rest[e:]
			switch key {
			case "d":
				out.Depth = n
			case "p":
				out.Priority = n
			case "a":
				out.Attempt = n
			default:
				return false
			}
		}
		if rest == "" {
			break
		}
		if rest[0] != ',' || len(rest) == 1 {
			return false
		}
		rest = rest[1:]
	}
	*it = out
	return true
}
