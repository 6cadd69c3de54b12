package tor_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/tor"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// onion returns a syntactically v3-shaped onion host for tests.
func onion(c byte) string { return strings.Repeat(string(c), 56) + ".onion" }

func newPool(t testing.TB, opts tor.Options) *tor.Pool {
	t.Helper()
	p, err := tor.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func okBackend(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "host=%s path=%s", r.Host, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestReplyCodes(t *testing.T) {
	tests := []struct {
		name   string
		code   byte
		policy tor.Policy
		is     error
	}{
		{"descriptor not found", 0xF0, tor.PolicyHostDown, tor.ErrHostDown},
		{"descriptor invalid", 0xF1, tor.PolicyHostDown, tor.ErrHostDown},
		{"intro failed", 0xF2, tor.PolicyRetrySoon, tor.ErrRetrySoon},
		{"rendezvous failed", 0xF3, tor.PolicyRetrySoon, tor.ErrRetrySoon},
		{"client auth missing", 0xF4, tor.PolicyAuthRequired, tor.ErrAuthRequired},
		{"client auth wrong", 0xF5, tor.PolicyAuthRequired, tor.ErrAuthRequired},
		{"bad address", 0xF6, tor.PolicyDrop, tor.ErrBadAddress},
		{"intro timed out", 0xF7, tor.PolicyRetrySoon, tor.ErrRetrySoon},
		{"general failure", 0x01, tor.PolicyBackoff, tor.ErrTorFailure},
		{"host unreachable", 0x04, tor.PolicyHostDown, tor.ErrHostDown},
		{"connection refused", 0x05, tor.PolicyHostDown, tor.ErrHostDown},
		{"TTL expired", 0x06, tor.PolicyRetrySoon, tor.ErrRetrySoon},
		{"unknown code", 0x42, tor.PolicyBackoff, tor.ErrTorFailure},
	}
	replies := map[string]byte{}
	for i, tt := range tests {
		replies[onion(byte('a'+i))] = tt.code
	}
	srv := newSOCKSServer(t, "", replies)
	p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}, ConnectTimeout: 5 * time.Second})
	client := &http.Client{Transport: p.RoundTripper()}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := onion(byte('a' + i))
			_, err := p.DialerFor("m").DialContext(t.Context(), "tcp", host+":80")
			var te *tor.Error
			if !errors.As(err, &te) {
				t.Fatalf("dial err = %v (%T), want *tor.Error", err, err)
			}
			if te.Code != tt.code {
				t.Errorf("Code = 0x%02X, want 0x%02X", te.Code, tt.code)
			}
			if got := te.Policy(); got != tt.policy {
				t.Errorf("Policy = %v, want %v", got, tt.policy)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) = false; err = %v", tt.is, err)
			}
			if te.Endpoint != srv.Addr() || te.Addr != host+":80" {
				t.Errorf("Endpoint, Addr = %q, %q; want %q, %q", te.Endpoint, te.Addr, srv.Addr(), host+":80")
			}
			// Through net/http the classification survives wrapping.
			_, err = client.Get("http://" + host + "/")
			if got := tor.PolicyOf(err); got != tt.policy {
				t.Errorf("PolicyOf(http error) = %v, want %v (err %v)", got, tt.policy, err)
			}
		})
	}
	client.CloseIdleConnections()
}

func TestNoEndpointsNothingDials(t *testing.T) {
	if _, err := tor.New(tor.Options{}); !errors.Is(err, tor.ErrNoProxy) {
		t.Fatalf("New(no endpoints) err = %v, want ErrNoProxy", err)
	}
	var d tor.Dialer // zero value: no pool
	if _, err := d.DialContext(t.Context(), "tcp", onion('a')+":80"); !errors.Is(err, tor.ErrNoProxy) {
		t.Fatalf("zero Dialer err = %v, want ErrNoProxy", err)
	}
	for _, bad := range []string{"localhost:9050", "tor:9050", "127.0.0.1", ""} {
		if _, err := tor.New(tor.Options{Endpoints: []tor.Endpoint{{Socks: bad}}}); err == nil {
			t.Errorf("New(socks %q) = nil error, want refusal (needs an IP literal)", bad)
		}
	}
}

func TestClearnet(t *testing.T) {
	backend := okBackend(t)
	srv := newSOCKSServer(t, backend.Listener.Addr().String(), nil)
	t.Run("refused", func(t *testing.T) {
		p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}})
		_, err := p.DialerFor("m").DialContext(t.Context(), "tcp", "example.com:80")
		if !errors.Is(err, tor.ErrClearnetRefused) {
			t.Fatalf("err = %v, want ErrClearnetRefused", err)
		}
		if tor.PolicyOf(err) != tor.PolicyDrop {
			t.Errorf("PolicyOf = %v, want drop", tor.PolicyOf(err))
		}
		if n := len(srv.Conns()); n != 0 {
			t.Errorf("SOCKS server saw %d connects, want 0", n)
		}
	})
	t.Run("allowed goes through tor", func(t *testing.T) {
		p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}, AllowClearnet: true})
		c, err := p.DialerFor("m").DialContext(t.Context(), "tcp", "example.com:80")
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		cs := srv.Conns()
		if len(cs) != 1 || cs[0].Target != "example.com:80" || cs[0].ATYP != 3 {
			t.Errorf("SOCKS connects = %+v, want one domain CONNECT to example.com:80", cs)
		}
	})
}

// TestLeak proves fail-closed with a proxy configured: fetching onion and
// clearnet URLs makes no DNS lookup, no direct connection, and does not
// touch http.DefaultTransport.
func TestLeak(t *testing.T) {
	canary, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer canary.Close()
	reached := make(chan struct{}, 16)
	go func() {
		for {
			c, err := canary.Accept()
			if err != nil {
				return
			}
			reached <- struct{}{}
			c.Close()
		}
	}()
	lookups := make(chan string, 16)
	oldResolver, oldTransport := net.DefaultResolver, http.DefaultTransport
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		lookups <- address
		return nil, errors.New("leak test: DNS used")
	}}
	http.DefaultTransport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("http.DefaultTransport used for %s", r.URL)
		return nil, errors.New("leak test: default transport used")
	})
	defer func() { net.DefaultResolver, http.DefaultTransport = oldResolver, oldTransport }()

	// The hooks work: a lookup through the default resolver is caught.
	net.DefaultResolver.LookupHost(t.Context(), "hook-check.example")
	select {
	case <-lookups:
	default:
		t.Fatal("resolver hook did not fire; the test could not detect a leak")
	}
	for len(lookups) > 0 { // A and AAAA, retries
		<-lookups
	}

	backend := okBackend(t) // what the fake Tor "exits" to
	srv := newSOCKSServer(t, backend.Listener.Addr().String(), nil)
	urls := []string{
		"http://" + onion('q') + "/listing/1",
		"http://leak-canary.example/",
		"http://" + canary.Addr().String() + "/",
	}
	for _, allow := range []bool{false, true} {
		p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}, AllowClearnet: allow})
		client := &http.Client{Transport: p.RoundTripper()}
		for _, u := range urls {
			resp, err := client.Get(u)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			wantOK := allow || strings.Contains(u, ".onion")
			if wantOK != (err == nil) {
				t.Errorf("AllowClearnet=%v GET %s: err = %v, want ok=%v", allow, u, err, wantOK)
			}
		}
		client.CloseIdleConnections()
	}
	select {
	case a := <-lookups:
		t.Errorf("DNS lookup leaked: %s", a)
	case <-reached:
		t.Error("canary listener reached directly")
	default:
	}
	for _, c := range srv.Conns() {
		host, _, _ := net.SplitHostPort(c.Target)
		if net.ParseIP(host) == nil && c.ATYP != 3 {
			t.Errorf("name %s sent with ATYP %d, want 3 (resolved by Tor)", host, c.ATYP)
		}
	}
	if n := len(srv.Conns()); n != 4 { // onion twice, two clearnet with AllowClearnet
		t.Errorf("SOCKS connects = %d, want 4: %+v", n, srv.Conns())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestIsolation(t *testing.T) {
	backend := okBackend(t)
	srv := newSOCKSServer(t, backend.Listener.Addr().String(), nil)
	p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}, IsolationSecret: "s3cret"})
	dial := func(market string) {
		t.Helper()
		c, err := p.DialerFor(market).DialContext(t.Context(), "tcp", onion('a')+":80")
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	dial("alpha")
	dial("alpha")
	dial("beta")
	p.NewCircuit(t.Context(), "alpha")
	dial("alpha")
	cs := srv.Conns()
	if len(cs) != 4 {
		t.Fatalf("got %d connects, want 4", len(cs))
	}
	if cs[0] != cs[1] {
		t.Errorf("same market, different credentials: %+v vs %+v", cs[0], cs[1])
	}
	if cs[0].User == cs[2].User || cs[0].Pass == cs[2].Pass {
		t.Errorf("markets alpha and beta share credentials: %+v, %+v", cs[0], cs[2])
	}
	if cs[3].User != cs[0].User || cs[3].Pass == cs[0].Pass {
		t.Errorf("after NewCircuit: %+v, want same user and new password than %+v", cs[3], cs[0])
	}
	for _, c := range cs {
		if strings.Contains(c.User+c.Pass, "alpha") || strings.Contains(c.User+c.Pass, "beta") {
			t.Errorf("market name visible in SOCKS credentials: %+v", c)
		}
	}
	// Stable across pools with the same secret (restarts keep circuits apart the same way).
	p2 := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}, IsolationSecret: "s3cret"})
	if u, _ := p2.Credentials("beta"); u != cs[2].User {
		t.Errorf("credentials not stable across pools: %q vs %q", u, cs[2].User)
	}
}

func TestStickyRouting(t *testing.T) {
	const nEP, nMarkets = 4, 2000
	var eps []tor.Endpoint
	for i := range nEP {
		eps = append(eps, tor.Endpoint{Socks: fmt.Sprintf("127.0.0.1:%d", 19050+i)})
	}
	p := newPool(t, tor.Options{Endpoints: eps})
	count := map[string]int{}
	for i := range nMarkets {
		m := fmt.Sprintf("market-%d", i)
		a, err := p.Route(m)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if b, _ := p.Route(m); b != a {
				t.Fatalf("market %s moved from %s to %s", m, a.Socks, b.Socks)
			}
		}
		count[a.Socks]++
	}
	for _, e := range eps {
		share := float64(count[e.Socks]) / nMarkets
		if share < 0.18 || share > 0.32 {
			t.Errorf("endpoint %s got %.1f%% of markets, want ~25%%", e.Socks, 100*share)
		}
	}
	// Same mapping from an independent pool (stable hash, not per-process seed).
	p2 := newPool(t, tor.Options{Endpoints: eps})
	for i := range 50 {
		m := fmt.Sprintf("market-%d", i)
		a, _ := p.Route(m)
		b, _ := p2.Route(m)
		if a != b {
			t.Errorf("market %s: %s in one pool, %s in another", m, a.Socks, b.Socks)
		}
	}
}

func TestHealthCheck(t *testing.T) {
	dir := t.TempDir()
	cookie := bytes.Repeat([]byte{0xAB}, 32)
	cookieFile := filepath.Join(dir, "control_auth_cookie")
	if err := os.WriteFile(cookieFile, cookie, 0o600); err != nil {
		t.Fatal(err)
	}
	ctlA := newControlServer(t, cookieFile, cookie, "") // cookie via PROTOCOLINFO
	ctlB := newControlServer(t, "", nil, "hunter2")     // password
	ctlC := newControlServer(t, cookieFile, cookie, "") // explicit cookie file
	eps := []tor.Endpoint{
		{Socks: "127.0.0.1:19101", Control: ctlA.Addr()},
		{Socks: "127.0.0.1:19102", Control: ctlB.Addr(), ControlPassword: "hunter2"},
		{Socks: "127.0.0.1:19103", Control: ctlC.Addr(), CookieFile: cookieFile},
	}
	p := newPool(t, tor.Options{Endpoints: eps, CheckTimeout: 2 * time.Second})
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("all healthy: Check = %v", err)
	}
	before := map[string]string{}
	for i := range 300 {
		m := fmt.Sprintf("m%d", i)
		e, _ := p.Route(m)
		before[m] = e.Socks
	}

	ctlB.set(45, true) // bootstrapping
	err := p.Check(t.Context())
	if err == nil || !strings.Contains(err.Error(), eps[1].Socks) {
		t.Fatalf("Check = %v, want failure naming %s", err, eps[1].Socks)
	}
	st := p.Status()
	if st[1].Healthy || !st[0].Healthy || !st[2].Healthy {
		t.Fatalf("status after B sick: %+v", st)
	}
	moved := 0
	for m, was := range before {
		now, _ := p.Route(m)
		if now.Socks == eps[1].Socks {
			t.Fatalf("market %s still routed to sick endpoint", m)
		}
		if was != eps[1].Socks && now.Socks != was {
			t.Errorf("market %s moved from healthy %s to %s", m, was, now.Socks)
		}
		if was == eps[1].Socks {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no market was on B; test proves nothing")
	}

	ctlB.set(100, false) // bootstrapped but no circuit
	if p.Check(t.Context()) == nil || p.Status()[1].Healthy {
		t.Error("circuit-established=0 counted as healthy")
	}
	ctlB.set(100, true)
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("recovered: Check = %v", err)
	}
	for m, was := range before {
		if now, _ := p.Route(m); now.Socks != was {
			t.Errorf("after recovery market %s on %s, want back on %s", m, now.Socks, was)
		}
	}

	t.Run("bad credentials are sick", func(t *testing.T) {
		bad := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: "127.0.0.1:19104", Control: ctlB.Addr(), ControlPassword: "wrong"}}})
		if err := bad.Check(t.Context()); !errors.Is(err, tor.ErrControl) {
			t.Errorf("Check = %v, want ErrControl", err)
		}
		if _, err := bad.Route("x"); !errors.Is(err, tor.ErrNoHealthyEndpoint) {
			t.Errorf("Route with all sick = %v, want ErrNoHealthyEndpoint", err)
		}
	})
	t.Run("newnym", func(t *testing.T) {
		if err := p.SignalNewnym(t.Context(), eps[0].Socks); err != nil {
			t.Fatal(err)
		}
		if got := ctlA.Signals(); len(got) != 1 || got[0] != "NEWNYM" {
			t.Errorf("signals = %v, want [NEWNYM]", got)
		}
	})
	t.Run("run loop", func(t *testing.T) {
		ctlC.set(10, true)
		rp := newPool(t, tor.Options{Endpoints: eps[2:], CheckInterval: 20 * time.Millisecond})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- rp.Run(ctx) }()
		deadline := time.Now().Add(3 * time.Second)
		for rp.Status()[0].Healthy && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		ctlC.set(100, true)
		for !rp.Status()[0].Healthy && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		if !rp.Status()[0].Healthy {
			t.Error("Run did not put the endpoint back")
		}
	})
}

func TestProxyDownTakenOut(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	backend := okBackend(t)
	live := newSOCKSServer(t, backend.Listener.Addr().String(), nil)
	p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: dead}, {Socks: live.Addr()}}})
	var market string
	for i := range 100 { // find a market routed to the dead endpoint
		if e, _ := p.Route(fmt.Sprint(i)); e.Socks == dead {
			market = fmt.Sprint(i)
			break
		}
	}
	_, err := p.DialerFor(market).DialContext(t.Context(), "tcp", onion('a')+":80")
	var te *tor.Error
	if !errors.As(err, &te) || te.Op != "proxy dial" || te.Policy() != tor.PolicyBackoff {
		t.Fatalf("err = %v, want *Error{Op: proxy dial} with backoff", err)
	}
	c, err := p.DialerFor(market).DialContext(t.Context(), "tcp", onion('a')+":80")
	if err != nil {
		t.Fatalf("second dial should fail over to the live endpoint: %v", err)
	}
	c.Close()
}

func TestTimeouts(t *testing.T) {
	t.Run("connect", func(t *testing.T) {
		srv := newSOCKSServer(t, "", nil)
		srv.delay = 10 * time.Second
		p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}, ConnectTimeout: 100 * time.Millisecond})
		start := time.Now()
		_, err := p.DialerFor("m").DialContext(t.Context(), "tcp", onion('a')+":80")
		// The proxy stalls for 10 s: returning well before that shows the timeout fired (the
		// bound is loose on purpose, machines are noisy).
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("dial took %v with 100ms connect timeout (proxy stalls 10s)", el)
		}
		var te *tor.Error
		if !errors.As(err, &te) || te.Policy() != tor.PolicyRetrySoon || !errors.Is(err, tor.ErrRetrySoon) {
			t.Fatalf("err = %v, want *Error with retry_soon", err)
		}
	})
	t.Run("read idle", func(t *testing.T) {
		silent, _ := net.Listen("tcp", "127.0.0.1:0")
		defer silent.Close()
		hold := make(chan net.Conn, 1)
		go func() {
			c, err := silent.Accept()
			if err == nil {
				hold <- c
			}
		}()
		srv := newSOCKSServer(t, silent.Addr().String(), nil)
		p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}, ReadIdleTimeout: 150 * time.Millisecond})
		c, err := p.DialerFor("m").DialContext(t.Context(), "tcp", onion('a')+":80")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		_, err = c.Read(make([]byte, 1))
		if el := time.Since(start); el < 100*time.Millisecond || el > 10*time.Second {
			t.Errorf("idle read returned after %v, want ~150ms", el)
		}
		if tor.PolicyOf(err) != tor.PolicyRetrySoon {
			t.Errorf("idle read err = %v, policy %v, want retry_soon", err, tor.PolicyOf(err))
		}
		(<-hold).Close()
	})
}

func TestBrowserProfile(t *testing.T) {
	var got http.Header
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body := []byte("<html>plain page</html>")
		var buf bytes.Buffer
		switch r.URL.Path {
		case "/gzip":
			zw := gzip.NewWriter(&buf)
			zw.Write(body)
			zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
		case "/deflate":
			zw, _ := zlib.NewWriterLevel(&buf, 6)
			zw.Write(body)
			zw.Close()
			w.Header().Set("Content-Encoding", "deflate")
		case "/rawdeflate":
			zw, _ := flate.NewWriter(&buf, 6)
			zw.Write(body)
			zw.Close()
			w.Header().Set("Content-Encoding", "deflate")
		default:
			buf.Write(body)
		}
		w.Write(buf.Bytes())
	}))
	defer backend.Close()
	srv := newSOCKSServer(t, backend.Listener.Addr().String(), nil)
	p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}})
	client := &http.Client{Transport: p.RoundTripper()}
	defer client.CloseIdleConnections()
	for _, path := range []string{"/", "/gzip", "/deflate", "/rawdeflate"} {
		req, _ := http.NewRequest("GET", "http://"+onion('b')+path, nil)
		req.Header.Set("User-Agent", "colly - https://github.com/gocolly/colly")
		req.Header.Set("Accept", "*/*")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != "<html>plain page</html>" {
			t.Errorf("%s: body %q, err %v", path, b, err)
		}
		if req.Header.Get("User-Agent") != "colly - https://github.com/gocolly/colly" {
			t.Error("RoundTripper modified the caller's request")
		}
	}
	for k, v := range tor.BrowserHeaders {
		if got.Get(k) != v[0] {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), v[0])
		}
	}
	for k, vs := range got {
		for _, v := range vs {
			lv := strings.ToLower(v)
			for _, bad := range []string{"colly", "darkwatch", "go-http-client", "crawl", "bot"} {
				if strings.Contains(lv, bad) {
					t.Errorf("header %s: %q reveals %q", k, v, bad)
				}
			}
		}
	}
	t.Run("referer", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://"+onion('b')+"/next", nil)
		req.Header.Set("Referer", "http://"+onion('b')+"/")
		tor.ApplyBrowserHeaders(req)
		if s := req.Header.Get("Sec-Fetch-Site"); s != "same-origin" {
			t.Errorf("Sec-Fetch-Site = %q, want same-origin", s)
		}
	})
}

// TestNewCircuitRetiresBusyConnections: a keep-alive connection busy during
// NewCircuit must not carry the market's later requests on the old circuit,
// even when other requests in between make net/http keep idle connections
// again.
func TestNewCircuitRetiresBusyConnections(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	served := map[string]string{} // path -> backend-side remote addr (one per SOCKS stream)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		mu.Lock()
		served[r.URL.Path] = r.RemoteAddr
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	defer backend.Close()
	srv := newSOCKSServer(t, backend.Listener.Addr().String(), nil)
	p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.Addr()}}})
	client := &http.Client{Transport: p.RoundTripper()}
	defer client.CloseIdleConnections()
	get := func(path string) {
		req, _ := http.NewRequestWithContext(tor.WithMarket(t.Context(), "m"), "GET", "http://"+onion('c')+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get("/") // warm keep-alive connection: the old circuit
	done := make(chan struct{})
	go func() { get("/slow"); close(done) }() // reuses it and stays busy
	time.Sleep(50 * time.Millisecond)
	if err := p.NewCircuit(t.Context(), "m"); err != nil {
		t.Fatal(err)
	}
	get("/between") // new connection; net/http keeps idle connections again
	close(release)
	<-done // the old connection goes back to the idle pool (most recent first)
	get("/after")
	mu.Lock()
	defer mu.Unlock()
	if served["/slow"] != served["/"] {
		t.Fatalf("setup: /slow did not reuse the first connection (%v)", served)
	}
	if served["/after"] == served["/"] {
		t.Errorf("request after NewCircuit went out on the old circuit's connection %s", served["/"])
	}
	cs := srv.Conns()
	for _, c := range cs[1:] {
		if c.Pass == cs[0].Pass {
			t.Errorf("a connection after NewCircuit used the old credentials: %+v", cs)
		}
	}
}
