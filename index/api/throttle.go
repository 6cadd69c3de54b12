package api

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"
)

// LoginLimits bounds password guessing. Zero values mean the defaults.
type LoginLimits struct {
	// PerIP is the failed logins one client address may make within Window (default 10).
	// IPv6 clients are counted per /64 (one host usually holds the whole prefix).
	PerIP int
	// PerAccount is the failed logins at one user name, from any address, within Window
	// (default 30). It is larger than PerIP so that one client cannot lock an account.
	PerAccount int
	// Window is how long a failure counts (default 5m).
	Window time.Duration
	// MaxConcurrent bounds the password checks (bcrypt) running at once (default half the
	// CPUs, at least 1: the other half keeps serving searches); a login beyond it is
	// answered 503 at once, before any bcrypt work.
	MaxConcurrent int
	// MaxTracked bounds the addresses and the user names with failures kept in memory
	// (default 10000 each). When full, the entry with the fewest recent failures (the
	// oldest among equals) makes room: an address under attack is never forgotten first.
	MaxTracked int
}

func (l LoginLimits) withDefaults() LoginLimits {
	if l.PerIP <= 0 {
		l.PerIP = 10
	}
	if l.PerAccount <= 0 {
		l.PerAccount = 30
	}
	if l.Window <= 0 {
		l.Window = 5 * time.Minute
	}
	if l.MaxConcurrent <= 0 {
		l.MaxConcurrent = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if l.MaxTracked <= 0 {
		l.MaxTracked = 10000
	}
	return l
}

// failRec is the recent failures of one key and its password checks in flight.
type failRec struct {
	fails    []time.Time // the newest ones within the window, at most the budget
	inflight int
	last     time.Time
}

// failTable counts failures per key, bounded in size.
type failTable struct {
	budget, max int
	window      time.Duration
	m           map[string]*failRec
}

func newFailTable(budget, max int, window time.Duration) *failTable {
	return &failTable{budget: budget, max: max, window: window, m: map[string]*failRec{}}
}

// recent returns the failures of rec within the window at now.
func (t *failTable) recent(rec *failRec, now time.Time) int {
	cut := now.Add(-t.window)
	i := 0
	for i < len(rec.fails) && !rec.fails[i].After(cut) {
		i++
	}
	rec.fails = rec.fails[i:]
	return len(rec.fails)
}

// used is what the key has spent of its budget: recent failures and checks in flight
// (a check in flight may become a failure: it holds its slot until it is known).
func (t *failTable) used(key string, now time.Time) int {
	rec := t.m[key]
	if rec == nil {
		return 0
	}
	return t.recent(rec, now) + rec.inflight
}

// retryAfter is when the key's oldest counted failure leaves the window.
func (t *failTable) retryAfter(key string, now time.Time) time.Duration {
	rec := t.m[key]
	if rec == nil || len(rec.fails) == 0 {
		return time.Second
	}
	return max(time.Second, rec.fails[0].Add(t.window).Sub(now))
}

func (t *failTable) get(key string, now time.Time) *failRec {
	if rec := t.m[key]; rec != nil {
		return rec
	}
	if len(t.m) >= t.max {
		t.evict(now)
	}
	rec := &failRec{}
	t.m[key] = rec
	return rec
}

// evict makes room: every entry with nothing recent and nothing in flight goes; if that
// frees nothing, the one with the fewest recent failures (the oldest among equals) goes.
// An address at its budget is thus the last to be forgotten.
func (t *failTable) evict(now time.Time) {
	var victim string
	var vrec *failRec
	vn := 0
	for k, rec := range t.m {
		if rec.inflight > 0 {
			continue
		}
		n := t.recent(rec, now)
		if n == 0 {
			delete(t.m, k)
			continue
		}
		if vrec == nil || n < vn || n == vn && rec.last.Before(vrec.last) {
			victim, vrec, vn = k, rec, n
		}
	}
	if len(t.m) >= t.max && vrec != nil {
		delete(t.m, victim)
	}
}

func (t *failTable) begin(key string, now time.Time) { t.get(key, now).inflight++ }

func (t *failTable) end(key string, failed bool, now time.Time) {
	rec := t.m[key]
	if rec == nil { // cannot happen: entries in flight are never evicted
		rec = t.get(key, now)
		rec.inflight++
	}
	rec.inflight--
	if failed {
		t.recent(rec, now)
		rec.fails = append(rec.fails, now)
		if len(rec.fails) > t.budget {
			rec.fails = rec.fails[len(rec.fails)-t.budget:]
		}
		rec.last = now
	}
	if rec.inflight == 0 && len(rec.fails) == 0 {
		delete(t.m, key)
	}
}

// limiter is the login budget per client address and per account. reserve, the password
// check and done form one transaction: the slot is taken atomically before any bcrypt work,
// so N concurrent guesses cannot all pass a check that only counts finished failures.
type limiter struct {
	mu     sync.Mutex
	lim    LoginLimits
	now    func() time.Time
	ips    *failTable
	users  *failTable
	checks chan struct{} // semaphore of password checks
}

func newLimiter(l LoginLimits, now func() time.Time) *limiter {
	l = l.withDefaults()
	return &limiter{lim: l, now: now, ips: newFailTable(l.PerIP, l.MaxTracked, l.Window),
		users: newFailTable(l.PerAccount, l.MaxTracked, l.Window), checks: make(chan struct{}, l.MaxConcurrent)}
}

// ticket is a reserved login attempt.
type ticket struct{ ip, user string }

// accountKey bounds the user name kept as a key (names are attacker-chosen).
func accountKey(name string) string {
	k, _ := clip(name, AuditMaxUser)
	return k
}

// reserve takes one slot of ip's and user's budgets, or says how long to wait.
func (l *limiter) reserve(ip, user string) (ticket, time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	tk := ticket{ip: ip, user: accountKey(user)}
	if l.ips.used(tk.ip, now) >= l.lim.PerIP {
		return tk, l.ips.retryAfter(tk.ip, now), false
	}
	if l.users.used(tk.user, now) >= l.lim.PerAccount {
		return tk, l.users.retryAfter(tk.user, now), false
	}
	l.ips.begin(tk.ip, now)
	l.users.begin(tk.user, now)
	return tk, 0, true
}

// done records the outcome of a reserved attempt (failed false also releases a slot whose
// check never ran).
func (l *limiter) done(tk ticket, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.ips.end(tk.ip, failed, now)
	l.users.end(tk.user, failed, now)
}

// acquire takes a password-check slot without waiting.
func (l *limiter) acquire() bool {
	select {
	case l.checks <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l *limiter) release() { <-l.checks }

// sizes reports the tracked addresses and accounts.
func (l *limiter) sizes() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ips.m), len(l.users.m)
}

// proxies decides which address a request comes from.
type proxies []netip.Prefix

func (p proxies) trusted(a netip.Addr) bool {
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// client returns the client address of r: the peer, or, when the peer is a trusted proxy,
// the right-most address of X-Forwarded-For that is not a trusted proxy (addresses left of
// it were written by the client and prove nothing). Without trusted proxies the header is
// ignored.
func (p proxies) client(r *http.Request) netip.Addr {
	peer := peerAddr(r)
	if len(p) == 0 || !peer.IsValid() || !p.trusted(peer) {
		return peer
	}
	addr := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return addr // a malformed hop: the last address a trusted proxy vouched for
			}
			a = a.Unmap()
			if !p.trusted(a) {
				return a
			}
			addr = a
		}
	}
	return addr
}

// viaTLS reports whether the client reached us over TLS: directly, or as a trusted proxy
// says in X-Forwarded-Proto.
func (p proxies) viaTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	peer := peerAddr(r)
	return len(p) > 0 && peer.IsValid() && p.trusted(peer) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// throttleKey is the budget key of a client address: the address, or its /64 for IPv6.
func throttleKey(a netip.Addr) string {
	if !a.IsValid() {
		return "invalid"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// ParseTrustedProxies parses CIDRs or single addresses ("10.0.0.0/8", "127.0.0.1").
func ParseTrustedProxies(ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, s := range ss {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies[%d]: %q is not an address or a CIDR (10.0.0.0/8, 127.0.0.1)", i, s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
