package tor

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultConnectTimeout  = 90 * time.Second
	DefaultReadIdleTimeout = 60 * time.Second
	DefaultCheckInterval   = 30 * time.Second
	DefaultCheckTimeout    = 10 * time.Second
)

// Endpoint is one Tor client: its SOCKS port and, optionally, its control
// port. Addresses must be IP literals (host:port) so that reaching the proxy
// needs no name lookup either.
type Endpoint struct {
	Socks           string // "127.0.0.1:9050"; required
	Control         string // "127.0.0.1:9051"; empty: health = TCP connect to Socks
	ControlPassword string // HashedControlPassword secret; empty: cookie or none
	CookieFile      string // control_auth_cookie path; empty: from PROTOCOLINFO
}

// Options configure a Pool. Zero values mean the defaults above.
type Options struct {
	Endpoints       []Endpoint
	ConnectTimeout  time.Duration // TCP to proxy + SOCKS handshake + circuit to the target
	ReadIdleTimeout time.Duration // max silence on an open connection (incl. first byte)
	CheckInterval   time.Duration // Run's health-check period
	CheckTimeout    time.Duration // one endpoint's health check
	// IsolationSecret keys the per-market SOCKS credentials. Empty: a random
	// secret per Pool (credentials, hence circuits, change on restart).
	IsolationSecret string
	// AllowClearnet lets non-.onion hosts through (still via Tor).
	AllowClearnet bool
	Logger        *slog.Logger
}

// Pool routes each market to one Tor endpoint and isolates markets from each
// other by SOCKS credentials. Safe for concurrent use.
type Pool struct {
	opts   Options
	log    *slog.Logger
	eps    []*endpoint
	secret []byte
	closed atomic.Bool

	mu         sync.Mutex
	generation map[string]uint64          // market -> credential generation (NewCircuit)
	creds      map[string]creds           // market -> credentials of its current generation
	transports map[string]*http.Transport // market -> cached transport
}

type endpoint struct {
	Endpoint
	score   uint64 // fnv of Socks, mixed per market in pick
	healthy atomic.Bool
	mu      sync.Mutex
	lastErr error
}

// New validates opts and builds a Pool. It does no I/O: all endpoints start
// healthy; call Check or Run to verify them. With no endpoints it returns
// ErrNoProxy: there is no way to fetch without Tor.
func New(opts Options) (*Pool, error) {
	if len(opts.Endpoints) == 0 {
		return nil, ErrNoProxy
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.ReadIdleTimeout <= 0 {
		opts.ReadIdleTimeout = DefaultReadIdleTimeout
	}
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = DefaultCheckInterval
	}
	if opts.CheckTimeout <= 0 {
		opts.CheckTimeout = DefaultCheckTimeout
	}
	p := &Pool{
		opts:       opts,
		log:        opts.Logger,
		generation: make(map[string]uint64),
		creds:      make(map[string]creds),
		transports: make(map[string]*http.Transport),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	seen := map[string]bool{}
	for i, e := range opts.Endpoints {
		if err := checkLiteral(e.Socks); err != nil {
			return nil, fmt.Errorf("tor: endpoints[%d].socks: %w", i, err)
		}
		if e.Control != "" {
			if err := checkLiteral(e.Control); err != nil {
				return nil, fmt.Errorf("tor: endpoints[%d].control: %w", i, err)
			}
		}
		if seen[e.Socks] {
			return nil, fmt.Errorf("tor: endpoints[%d].socks: duplicate %s", i, e.Socks)
		}
		seen[e.Socks] = true
		h := fnv.New64a()
		h.Write([]byte(e.Socks))
		ep := &endpoint{Endpoint: e, score: h.Sum64()}
		ep.healthy.Store(true)
		p.eps = append(p.eps, ep)
	}
	if opts.IsolationSecret != "" {
		p.secret = []byte(opts.IsolationSecret)
	} else {
		p.secret = make([]byte, 32)
		rand.Read(p.secret)
	}
	return p, nil
}

func checkLiteral(hostport string) error {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	if net.ParseIP(host) == nil {
		return fmt.Errorf("%q: host must be an IP literal (no name lookups)", hostport)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return fmt.Errorf("%q: bad port", hostport)
	}
	return nil
}

// mix is the splitmix64 finalizer: spreads FNV's weak low bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func marketHash(market string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(market))
	return h.Sum64()
}

// pick is rendezvous (highest random weight) hashing over healthy endpoints:
// a market keeps its endpoint as long as that endpoint is healthy, and only
// the markets of a sick endpoint move.
func (p *Pool) pick(market string) (*endpoint, error) {
	mh := marketHash(market)
	var best *endpoint
	var bestScore uint64
	for _, e := range p.eps {
		if !e.healthy.Load() {
			continue
		}
		s := mix(mh ^ mix(e.score))
		if best == nil || s > bestScore {
			best, bestScore = e, s
		}
	}
	if best == nil {
		return nil, ErrNoHealthyEndpoint
	}
	return best, nil
}

// Route returns the endpoint that market's connections use now.
func (p *Pool) Route(market string) (Endpoint, error) {
	e, err := p.pick(market)
	if err != nil {
		return Endpoint{}, err
	}
	return e.Endpoint, nil
}

func (p *Pool) generationOf(market string) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.generation[market]
}

// Credentials returns the SOCKS username and password that market's
// connections present now. Tor's IsolateSOCKSAuth (on by default) never lets
// streams with different credentials share a circuit.
func (p *Pool) Credentials(market string) (user, password string) {
	p.mu.Lock()
	gen := p.generation[market]
	c, ok := p.creds[market]
	p.mu.Unlock()
	if ok && c.gen == gen {
		return c.user, c.password
	}
	mac := hmac.New(sha256.New, p.secret)
	mac.Write([]byte("user\x00" + market))
	user = hex.EncodeToString(mac.Sum(nil)[:12])
	mac.Reset()
	mac.Write([]byte("pass\x00" + market + "\x00" + strconv.FormatUint(gen, 10)))
	password = hex.EncodeToString(mac.Sum(nil)[:12])
	p.mu.Lock()
	if p.generation[market] == gen {
		p.creds[market] = creds{gen, user, password}
	}
	p.mu.Unlock()
	return user, password
}

type creds struct {
	gen            uint64
	user, password string
}

// NewCircuit moves market onto fresh circuits: its SOCKS password changes, so
// Tor builds a new circuit for its next stream, and its idle keep-alive
// connections are closed. Other markets on the same Tor client keep their
// circuits (unlike SIGNAL NEWNYM). Connections in use finish on the old
// circuit.
func (p *Pool) NewCircuit(ctx context.Context, market string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	p.generation[market]++
	t := p.transports[market]
	p.mu.Unlock()
	if t != nil {
		t.CloseIdleConnections()
	}
	p.log.Info("tor_new_circuit", "market", market)
	return nil
}

// DialerFor returns the dialer for market. Markets are arbitrary keys (a
// market name, or an onion host).
func (p *Pool) DialerFor(market string) *Dialer { return &Dialer{pool: p, market: market} }

// HTTPTransport returns market's http.Transport (one per market, cached, so
// keep-alive connections stay on the market's circuit). Proxy is nil: the
// SOCKS dialer is the only way out and names are never resolved locally. It
// does not add browser headers; see RoundTripper.
func (p *Pool) HTTPTransport(market string) *http.Transport {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.transports[market]; ok {
		return t
	}
	d := p.DialerFor(market)
	t := &http.Transport{
		Proxy:       nil,
		DialContext: d.DialContext,
		// TLS (rare on onions) runs over DialContext's conn; no DialTLS path.
		DialTLSContext:        nil,
		ForceAttemptHTTP2:     false,
		TLSHandshakeTimeout:   p.opts.ConnectTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       p.opts.ReadIdleTimeout / 2,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // RoundTripper sets Accept-Encoding and decodes
	}
	p.transports[market] = t
	return t
}

// Close closes idle connections of all cached transports and makes further
// dials fail with ErrClosed. Idempotent.
func (p *Pool) Close() error {
	p.closed.Store(true)
	p.mu.Lock()
	ts := make([]*http.Transport, 0, len(p.transports))
	for _, t := range p.transports {
		ts = append(ts, t)
	}
	p.mu.Unlock()
	for _, t := range ts {
		t.CloseIdleConnections()
	}
	return nil
}

// EndpointStatus is an endpoint's health as last checked.
type EndpointStatus struct {
	Endpoint
	Healthy bool
	Err     error // last check error; nil when healthy
}

// Status reports every endpoint's health.
func (p *Pool) Status() []EndpointStatus {
	out := make([]EndpointStatus, 0, len(p.eps))
	for _, e := range p.eps {
		e.mu.Lock()
		out = append(out, EndpointStatus{Endpoint: e.Endpoint, Healthy: e.healthy.Load(), Err: e.lastErr})
		e.mu.Unlock()
	}
	return out
}

func (p *Pool) setHealth(e *endpoint, err error) {
	e.mu.Lock()
	e.lastErr = err
	e.mu.Unlock()
	was := e.healthy.Swap(err == nil)
	switch {
	case was && err != nil:
		p.log.Warn("tor_endpoint_down", "endpoint", e.Socks, "err", err)
	case !was && err == nil:
		p.log.Info("tor_endpoint_up", "endpoint", e.Socks)
	}
}

func (p *Pool) endpointByAddr(addr string) (*endpoint, error) {
	for _, e := range p.eps {
		if e.Socks == addr || (e.Control != "" && e.Control == addr) {
			return e, nil
		}
	}
	return nil, fmt.Errorf("tor: unknown endpoint %q", addr)
}

var errNotTCP = errors.New("tor: only tcp can go through Tor")
