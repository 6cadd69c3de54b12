package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/darkwatch/darkwatch/index/api"
)

var noRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// login posts the login form through c to base (a same-origin browser form) and returns
// the status and the Location.
func postLogin(t *testing.T, c *http.Client, base, user, pass string, hdr http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/login?next=/alerts", strings.NewReader(url.Values{"user": {user}, "password": {pass}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range hdr {
		req.Header[k] = v
	}
	if c == nil {
		c = &http.Client{CheckRedirect: noRedirect}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func hashAt(t testing.TB, cost int) string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// auditEntries reads the audit log through the API (admin token).
func (e *testEnv) auditEntries(t *testing.T, query string) []api.AuditEntry {
	t.Helper()
	var got api.AuditResponse
	e.getJSON(t, "/api/v1/audit?limit=10000"+query, bearer(adminToken), 200, &got)
	return got.Entries
}

// TestLoginBurstBudget: 100 concurrent wrong logins from one address: at most the per-IP
// budget reach bcrypt (the slot is reserved before the check), with the default bound on
// concurrent checks and without it (budget only); a search during the burst is timed
// against an idle one (printed, not asserted).
func TestLoginBurstBudget(t *testing.T) {
	const budget = 10
	for _, c := range []struct {
		name       string
		concurrent int
	}{{"default check bound", 0}, {"budget only", 1000}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envOptions{noAlerts: true, noMarkets: true, tune: func(o *api.Options) {
				o.Users[0].PasswordHash = hashAt(t, 10) // a realistic cost: the burst is real work
				o.Login = api.LoginLimits{PerIP: budget, MaxConcurrent: c.concurrent}
			}})
			var checks atomic.Int32
			e.api.OnPasswordCheck(func() { checks.Add(1) })
			search := func() time.Duration {
				start := time.Now()
				e.getJSON(t, "/api/v1/search?substance=fentanyl", bearer(analystToken), 200, nil)
				return time.Since(start)
			}
			var idle []time.Duration
			for range 10 {
				idle = append(idle, search())
			}
			start := make(chan struct{})
			codes := make([]int, 100)
			var wg sync.WaitGroup
			for i := range codes {
				wg.Go(func() {
					<-start
					codes[i], _ = postLogin(t, nil, e.srv.URL, "alice", fmt.Sprint("guess-", i), nil)
				})
			}
			var during []time.Duration
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			close(start)
			for loop := true; loop; {
				during = append(during, search())
				select {
				case <-done:
					loop = false
				default:
				}
			}
			count := map[int]int{}
			for _, c := range codes {
				count[c]++
			}
			if n := checks.Load(); n > budget || n == 0 {
				t.Errorf("password checks: got %d, want 1..%d (statuses %v)", n, budget, count)
			}
			if count[http.StatusSeeOther] > budget || count[http.StatusSeeOther]+count[http.StatusTooManyRequests]+count[http.StatusServiceUnavailable] != 100 {
				t.Errorf("statuses: got %v, want at most %d failed logins (303), the rest 429 or 503", count, budget)
			}
			t.Logf("100 concurrent wrong logins: %d password checks, statuses %v; search median idle %v, during the burst %v (%d searches, %.2fx)",
				checks.Load(), count, median(idle), median(during), len(during), float64(median(during))/float64(median(idle)))
		})
	}
}

// proxyEnv puts a reverse proxy (httputil.ReverseProxy, appending the peer to
// X-Forwarded-For as nginx does) on 127.0.0.1 in front of e, and returns clients that
// connect to it from other loopback addresses.
func proxyEnv(t *testing.T, e *testEnv) (string, func(ip string) *http.Client) {
	target, _ := url.Parse(e.srv.URL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), ReadHeaderTimeout: 5 * time.Second}
	go ps.Serve(ln)
	t.Cleanup(func() { ps.Close() })
	client := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		return &http.Client{CheckRedirect: noRedirect, Transport: &http.Transport{DialContext: d.DialContext}}
	}
	if _, err := client("127.0.0.2").Get("http://" + ln.Addr().String() + "/healthz"); err != nil {
		t.Skipf("cannot connect from 127.0.0.2: %v", err)
	}
	return "http://" + ln.Addr().String(), client
}

// TestLoginBehindProxy: behind a trusted reverse proxy, one attacker's failures lock out
// neither other clients nor other accounts; the audit names the real client; a spoofed
// X-Forwarded-For does not move the attacker; many attackers at one account hit its limit.
func TestLoginBehindProxy(t *testing.T) {
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true, tune: func(o *api.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		o.Login = api.LoginLimits{PerIP: 10, PerAccount: 30}
	}})
	base, client := proxyEnv(t, e)
	attacker, other := client("127.0.0.2"), client("127.0.0.3")
	spoof := http.Header{"X-Forwarded-For": {"203.0.113.9"}}
	for i := range 10 {
		if code, _ := postLogin(t, attacker, base, "ghost", fmt.Sprint("g", i), spoof); code != http.StatusSeeOther {
			t.Fatalf("attacker failure %d: got %d, want 303", i, code)
		}
	}
	for _, user := range []string{"ghost", "alice", "root"} {
		if code, _ := postLogin(t, attacker, base, user, password, spoof); code != http.StatusTooManyRequests {
			t.Errorf("attacker's 11th login (%s): got %d, want 429", user, code)
		}
	}
	if code, loc := postLogin(t, other, base, "alice", password, nil); code != http.StatusSeeOther || loc != "/alerts" {
		t.Errorf("other client, alice: got %d to %q, want 303 to /alerts (logged in)", code, loc)
	}
	if code, loc := postLogin(t, other, base, "root", "wrong", nil); code != http.StatusSeeOther || !strings.Contains(loc, "error=1") {
		t.Errorf("other client, wrong password for root: got %d to %q, want 303 to the form", code, loc)
	}
	for _, en := range e.auditEntries(t, "&event=login_failed") {
		if en.User == "ghost" && en.Remote != "127.0.0.2" {
			t.Errorf("attacker's failure audited from %q, want 127.0.0.2 (not the proxy, not the spoofed address)", en.Remote)
		}
	}
	// Two more attackers at alice: 10 + 10 + 1 (other's wrong root) ... alice has 20 < 30.
	for _, ip := range []string{"127.0.0.4", "127.0.0.5"} {
		for i := range 10 {
			postLogin(t, client(ip), base, "alice", fmt.Sprint("g", i), nil)
		}
	}
	if code, loc := postLogin(t, other, base, "alice", password, nil); code != http.StatusSeeOther || loc != "/alerts" {
		t.Errorf("alice after 20 failures from two addresses: got %d to %q, want logged in", code, loc)
	}
	for i := range 10 {
		postLogin(t, client("127.0.0.6"), base, "alice", fmt.Sprint("g", i), nil)
	}
	if code, _ := postLogin(t, other, base, "alice", password, nil); code != http.StatusTooManyRequests {
		t.Errorf("alice after 30 failures from three addresses: got %d, want 429 (per-account limit)", code)
	}
	if code, loc := postLogin(t, other, base, "root", password, nil); code != http.StatusSeeOther || loc != "/alerts" {
		t.Errorf("root while alice is locked: got %d to %q, want logged in", code, loc)
	}
}

// TestLoginIgnoresForwardedForWithoutTrust: with no trusted proxy, X-Forwarded-For is the
// client's word and changes nothing.
func TestLoginIgnoresForwardedForWithoutTrust(t *testing.T) {
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true})
	for i := range 10 {
		h := http.Header{"X-Forwarded-For": {fmt.Sprintf("198.51.100.%d", i)}}
		if code, _ := postLogin(t, nil, e.srv.URL, "alice", "wrong", h); code != http.StatusSeeOther {
			t.Fatalf("failure %d: got %d", i, code)
		}
	}
	if code, _ := postLogin(t, nil, e.srv.URL, "root", password, http.Header{"X-Forwarded-For": {"198.51.100.200"}}); code != http.StatusTooManyRequests {
		t.Errorf("11th login with a fresh X-Forwarded-For: got %d, want 429", code)
	}
	for _, en := range e.auditEntries(t, "&event=login_failed") {
		if en.Remote != "127.0.0.1" {
			t.Errorf("audited remote %q, want the peer 127.0.0.1", en.Remote)
		}
	}
}

// TestLoginTableBounded: the failure table stays bounded under address spraying and keeps
// the address at its budget.
func TestLoginTableBounded(t *testing.T) {
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true, tune: func(o *api.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		o.Login = api.LoginLimits{PerIP: 5, PerAccount: 1 << 20, MaxTracked: 50}
		o.AuditUnauthenticated = 1
	}})
	from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	for range 5 {
		postLogin(t, nil, e.srv.URL, "alice", "wrong", from("198.51.100.7"))
	}
	for i := range 200 {
		postLogin(t, nil, e.srv.URL, fmt.Sprint("user", i), "wrong", from(fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)))
	}
	ips, users := e.api.LoginTableSizes()
	if ips > 50 || users > 50 {
		t.Errorf("tracked: got %d addresses, %d accounts, want at most 50 each", ips, users)
	}
	if code, _ := postLogin(t, nil, e.srv.URL, "alice", password, from("198.51.100.7")); code != http.StatusTooManyRequests {
		t.Errorf("the attacker after 200 other addresses: got %d, want 429 (not forgotten)", code)
	}
}

// mixedCostEnv is a server with a user at bcrypt cost 4 and one at cost 6, no login limits,
// and a failed login through the handler (POST /login with a wrong password).
func mixedCostEnv(tb testing.TB) (*api.Server, func(user string) time.Duration) {
	e := newEnv(tb, envOptions{noAlerts: true, noMarkets: true, tune: func(o *api.Options) {
		o.Users = []api.User{{Name: "low", Role: api.RoleAnalyst, PasswordHash: hashAt(tb, 4)},
			{Name: "high", Role: api.RoleAnalyst, PasswordHash: hashAt(tb, 6)}}
		o.Login = api.LoginLimits{PerIP: 1 << 20, PerAccount: 1 << 20}
		o.AuditUnauthenticated = 1
	}})
	h := e.api.Handler()
	return e.api, func(user string) time.Duration {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"user": {user}, "password": {"wrong"}}.Encode()))
		req.Host = "localhost"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusSeeOther {
			tb.Fatalf("%s: got %d", user, rec.Code)
		}
		return d
	}
}

// TestLoginCostMixedCosts: a failed login does the same bcrypt work (rounds, 2^cost per hash
// compared) for a user with the low cost, a user with the high cost and an unknown user.
// Counted, not timed: BenchmarkLoginTiming shows the times.
func TestLoginCostMixedCosts(t *testing.T) {
	srv, try := mixedCostEnv(t)
	rounds := srv.CountBcryptRounds()
	for _, user := range []string{"low", "high", "nobody"} {
		try(user)
		if got, want := rounds(), 1<<6; got != want {
			t.Errorf("failed login as %q: %d bcrypt rounds, want %d (the highest cost's)", user, got, want)
		}
	}
}

// BenchmarkLoginTiming reports the median failed-login time of a low-cost user and of a
// high-cost user, each over an unknown user's (1.00 when every failed login costs the same;
// the bare bcrypt costs 4 and 6 differ four-fold).
func BenchmarkLoginTiming(b *testing.B) {
	_, try := mixedCostEnv(b)
	users := []string{"low", "high", "nobody"}
	times := map[string][]time.Duration{}
	i := 0
	for b.Loop() {
		for j := range users {
			u := users[(i+j)%len(users)] // rotate the order as well as interleave
			times[u] = append(times[u], try(u))
		}
		i++
	}
	b.ReportMetric(float64(median(times["low"]))/float64(median(times["nobody"])), "low/unknown")
	b.ReportMetric(float64(median(times["high"]))/float64(median(times["nobody"])), "high/unknown")
}

// TestAuthEventsAudited: every auth event is in the audit log with its outcome.
func TestAuthEventsAudited(t *testing.T) {
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true, tune: func(o *api.Options) { o.Login = api.LoginLimits{PerIP: 2} }})
	c := e.session(t, "alice") // login ok
	resp, err := c.Get(e.srv.URL + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", strings.NewReader(url.Values{"csrf_token": {me["csrf_token"]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	if resp, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	postLogin(t, nil, e.srv.URL, "alice", "wrong", nil)
	postLogin(t, nil, e.srv.URL, "nobody", "wrong", nil)
	postLogin(t, nil, e.srv.URL, "alice", password, nil) // throttled: two failures from this address
	e.do(t, "GET", "/api/v1/search", bearer("not-a-token"), nil)
	e.do(t, "GET", "/api/v1/search", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "darkwatch_session", Value: "forged"}) }, nil)
	e.do(t, "GET", "/api/v1/audit", bearer(analystToken), nil)
	got := map[string]int{}
	for _, en := range e.auditEntries(t, "") {
		if en.Event != "request" {
			got[en.Event+"/"+en.Outcome]++
		}
	}
	want := map[string]int{"login/ok": 1, "logout/ok": 1, "login_failed/failed": 2, "login_throttled/throttled": 1,
		"auth_failed/bad_token": 1, "auth_failed/bad_session": 1, "forbidden/role": 1}
	// The session's own login (e.session) and the admin's reads are the other entries.
	if !mapsEqual(got, want) {
		t.Errorf("auth events: got %v, want %v", got, want)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestAuditBoundedLine: a 64 KB unauthenticated request adds at most 2 KB to the audit log,
// with the original lengths noted; "&" is written as is.
func TestAuditBoundedLine(t *testing.T) {
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true})
	before := fileSize(t, e.auditPath)
	path := "/api/v1/listings/" + strings.Repeat("%22x", 8<<10) // 32 KB
	query := strings.Repeat("a=1&", 6<<10)                      // 24 KB
	req, _ := http.NewRequest("GET", e.srv.URL+path+"?"+query, nil)
	req.Header.Set("User-Agent", strings.Repeat("\"", 8<<10))
	req.AddCookie(&http.Cookie{Name: "darkwatch_session", Value: "forged"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("got %d, want 401", resp.StatusCode)
	}
	grown := fileSize(t, e.auditPath) - before
	t.Logf("a %d-byte request added %d bytes to the audit log", len(path)+len(query)+8<<10, grown)
	if grown <= 0 || grown > 2048 {
		t.Errorf("audit log grew by %d bytes, want 1..2048", grown)
	}
	ens := e.auditEntries(t, "&event=auth_failed")
	if len(ens) != 1 || ens[0].Truncated["path"] != len(path) || ens[0].Truncated["query"] != len(query) || ens[0].Truncated["agent"] != 8<<10 {
		t.Errorf("entry: got %+v, want path, query and agent cut with their lengths", ens)
	}
}

func fileSize(t *testing.T, p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestAuditNoiseSummarised: unauthenticated events beyond the per-address budget become one
// summary entry that counts them.
func TestAuditNoiseSummarised(t *testing.T) {
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true, tune: func(o *api.Options) { o.AuditUnauthenticated = 5 }})
	for range 100 {
		e.do(t, "GET", "/api/v1/me", bearer("nope"), nil)
	}
	if err := e.api.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(e.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	var failed, suppressed int
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var en api.AuditEntry
		if err := json.Unmarshal([]byte(line), &en); err != nil {
			t.Fatal(err)
		}
		switch en.Event {
		case "auth_failed":
			failed++
		case "suppressed":
			suppressed += en.Suppressed["auth_failed"]
		}
	}
	if failed != 5 || suppressed != 95 {
		t.Errorf("got %d auth_failed lines and %d suppressed, want 5 and 95", failed, suppressed)
	}
}

// enospc fails every write while on, as a full disk (or a file at RLIMIT_FSIZE) does.
type enospc struct {
	w  io.Writer
	on *atomic.Bool
}

func (f enospc) Write(p []byte) (int, error) {
	if f.on.Load() {
		return 0, &os.PathError{Op: "write", Path: "/secret/audit.log", Err: syscall.ENOSPC}
	}
	return f.w.Write(p)
}

func metricValue(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var v float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return v
}

// TestAuditWriteFailurePolicy: with the audit file unwritable, refuse serves no search
// (503) but health, logins and an admin's view of the failure; degrade serves; metrics
// show both; writes recover when the disk does.
func TestAuditWriteFailurePolicy(t *testing.T) {
	for _, policy := range []string{api.AuditRefuse, api.AuditDegrade} {
		t.Run(policy, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			var full atomic.Bool
			e := newEnv(t, envOptions{noAlerts: true, noMarkets: true,
				tune:      func(o *api.Options) { o.AuditOnError, o.Registerer = policy, reg },
				auditWrap: func(w io.Writer) io.Writer { return enospc{w, &full} }})
			e.getJSON(t, "/api/v1/search?q=x", bearer(analystToken), 200, nil)
			full.Store(true)
			wantSearch := map[string]int{api.AuditRefuse: 503, api.AuditDegrade: 200}[policy]
			code, body, _ := e.do(t, "GET", "/api/v1/search?q=fentanyl", bearer(analystToken), nil)
			if code != wantSearch {
				t.Errorf("search with the audit log full: got %d (%s), want %d", code, body, wantSearch)
			}
			var h map[string]string
			e.getJSON(t, "/healthz", noAuth, 200, &h)
			if h["audit"] != "failing" {
				t.Errorf("healthz: got %v, want audit failing", h)
			}
			var ar api.AuditResponse
			e.getJSON(t, "/api/v1/audit", bearer(adminToken), 200, &ar)
			if ar.Writer.OK || !strings.Contains(ar.Writer.Error, "no space left") || strings.Contains(ar.Writer.Error, "/secret") {
				t.Errorf("admin's view: got %+v, want the failure without the file's path", ar.Writer)
			}
			if code, loc := postLogin(t, nil, e.srv.URL, "alice", password, nil); code != 303 || loc != "/alerts" {
				t.Errorf("login with the audit log full: got %d to %q, want logged in", code, loc)
			}
			failing := metricValue(t, reg, "darkwatch_api_audit_failing")
			errs := metricValue(t, reg, "darkwatch_api_audit_write_errors_total")
			refused := metricValue(t, reg, "darkwatch_api_audit_refused_requests_total")
			unaudited := metricValue(t, reg, "darkwatch_api_audit_unaudited_requests_total")
			t.Logf("%s: failing %v, write errors %v, refused %v, served unaudited %v", policy, failing, errs, refused, unaudited)
			if failing != 1 || errs < 3 {
				t.Errorf("metrics: failing %v, write errors %v; want 1 and at least 3", failing, errs)
			}
			if policy == api.AuditRefuse && (refused != 1 || unaudited != 1) || policy == api.AuditDegrade && (refused != 0 || unaudited != 2) {
				t.Errorf("metrics: refused %v, unaudited %v", refused, unaudited)
			}
			full.Store(false)
			e.getJSON(t, "/api/v1/search?q=after", bearer(analystToken), 200, nil)
			if metricValue(t, reg, "darkwatch_api_audit_failing") != 0 {
				t.Error("failing gauge still 1 after a good write")
			}
			if ens := e.auditEntries(t, "&event=request"); len(ens) < 2 || ens[1].Query != "q=after" {
				t.Errorf("after recovery: the search is not audited: %+v", ens)
			}
		})
	}
}

// TestMalformedQueryEveryEndpoint: a malformed escape anywhere in the query string is a 400
// naming the parameter, on every endpoint (r.URL.Query() would drop the pair and widen).
func TestMalformedQueryEveryEndpoint(t *testing.T) {
	e := newEnv(t, envOptions{})
	eps := []struct{ method, path string }{
		{"GET", "/api/v1/search"}, {"GET", "/api/v1/listings/alpha/l1"}, {"GET", "/api/v1/vendors/alpha/drhouse"},
		{"GET", "/api/v1/actors/actor-1"}, {"GET", "/api/v1/alerts"}, {"POST", "/api/v1/alerts/a1/ack"}, {"GET", "/api/v1/markets"},
		{"GET", "/api/v1/audit"}, {"GET", "/api/v1/me"}, {"GET", "/api/v1/openapi.yaml"}, {"GET", "/healthz"}, {"GET", "/login"},
		{"POST", "/login"}, {"GET", "/"}, {"GET", "/listing"}, {"GET", "/static/app.js"}, {"POST", "/logout"},
	}
	for _, q := range []struct{ raw, name string }{{"market=dread%ZZ", "market:"}, {"q=a&since=%zz", "since:"}, {"%ZZ=1", `\"%ZZ\":`}, {"market=a;b", "market:"}} {
		for _, ep := range eps {
			req, _ := http.NewRequest(ep.method, e.srv.URL+ep.path+"?"+q.raw, nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 || !strings.Contains(string(b), `"error":"`+q.name) {
				t.Errorf("%s %s?%s: got %d %s, want 400 naming %s", ep.method, ep.path, q.raw, resp.StatusCode, b, q.name)
			}
		}
	}
	code, body, _ := e.do(t, "GET", "/api/v1/audit?usr=bob", bearer(adminToken), nil)
	if code != 400 || !strings.Contains(string(body), `"error":"usr:`) {
		t.Errorf("audit with a misspelt filter: got %d %s, want 400 naming usr", code, body)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/vendor?id=a/b": "/vendor?id=a/b", "/alerts": "/alerts", "/search?q=a b": "/search?q=a b",
		"/\t/evil.example": "/", "/\x00/evil.example": "/", "\t/evil": "/", "//evil.example/x": "/", "/\\evil.example": "/",
		"/x\\y": "/", "https://evil.example": "/", "javascript:alert(1)": "/", "http:/evil.example": "/", "": "/",
		"evil.example": "/", "/\r\nSet-Cookie: x": "/", "/\u2028x": "/", "/\u202e/evil": "/", "/" + strings.Repeat("a", 3000): "/",
		"/\xff": "/",
	} {
		if got := api.SafeNext(in); got != want {
			t.Errorf("SafeNext(%q): got %q, want %q", in, got, want)
		}
	}
	// The request from the report: next=/%09/evil.example after a login.
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true})
	for _, next := range []string{"/%09/evil.example", "/%00/evil.example", "//evil.example", "/%5Cevil.example", "https:%2F%2Fevil.example"} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login?next="+next, strings.NewReader(url.Values{"user": {"alice"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := (&http.Client{CheckRedirect: noRedirect}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/" {
			t.Errorf("login next=%s: got %d to %q, want 303 to /", next, resp.StatusCode, loc)
		}
	}
}

// TestAllowedHosts: a Host outside serve.allowed_hosts gets 421 (DNS rebinding), health
// excepted; the default allows the loopback names.
func TestAllowedHosts(t *testing.T) {
	for _, c := range []struct {
		allowed []string
		host    string
		want    int
	}{
		{nil, "localhost", 200}, {nil, "127.0.0.1:8080", 200}, {nil, "[::1]:8080", 200}, {nil, "LOCALHOST", 200},
		{nil, "evil.example", 421}, {nil, "evil.example:8080", 421}, {nil, "localhost.evil.example", 421},
		{[]string{"darkwatch.example.org"}, "darkwatch.example.org", 200}, {[]string{"darkwatch.example.org"}, "localhost", 421},
		{[]string{"*"}, "anything.example", 200},
	} {
		e := newEnv(t, envOptions{noAlerts: true, noMarkets: true, tune: func(o *api.Options) { o.AllowedHosts = c.allowed }})
		for _, p := range []string{"/api/v1/me", "/login"} {
			req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
			req.Host = c.host
			req.Header.Set("Authorization", "Bearer "+analystToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("allowed %v, Host %q, %s: got %d, want %d", c.allowed, c.host, p, resp.StatusCode, c.want)
			}
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/healthz", nil)
		req.Host = "evil.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("healthz with Host evil.example: got %d, want 200 (probes use the pod address)", resp.StatusCode)
		}
	}
}

// TestSecureCookie: the session cookie is Secure when configured, or when a trusted proxy
// says the client came over https; never on a spoofed header.
func TestSecureCookie(t *testing.T) {
	for _, c := range []struct {
		name    string
		tune    func(*api.Options)
		proto   string
		wantSec bool
	}{
		{"default", nil, "", false},
		{"configured", func(o *api.Options) { o.SecureCookies = true }, "", true},
		{"trusted proxy https", func(o *api.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} }, "https", true},
		{"untrusted https header", nil, "https", false},
	} {
		e := newEnv(t, envOptions{noAlerts: true, noMarkets: true, tune: c.tune})
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"user": {"alice"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if c.proto != "" {
			req.Header.Set("X-Forwarded-Proto", c.proto)
		}
		resp, err := (&http.Client{CheckRedirect: noRedirect}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ck := resp.Cookies(); len(ck) != 1 || ck[0].Secure != c.wantSec {
			t.Errorf("%s: cookies %v, want one with Secure=%v", c.name, ck, c.wantSec)
		}
	}
}

// TestNoListingNoPaths: /static/ lists nothing; /api/v1/markets shows no server file path.
func TestNoListingNoPaths(t *testing.T) {
	e := newEnv(t, envOptions{})
	for p, want := range map[string]int{"/static/": 404, "/static": 404, "/static/app.js": 200, "/static/nope.js": 404} {
		resp, err := (&http.Client{CheckRedirect: noRedirect}).Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want && !(p == "/static" && resp.StatusCode/100 == 3) || strings.Contains(string(b), "app.js\"") {
			t.Errorf("GET %s: got %d %.100s, want %d and no listing", p, resp.StatusCode, b, want)
		}
	}
	e.markets.fn = func(context.Context) ([]api.MarketStatus, error) {
		return nil, fmt.Errorf("frontier: open /var/lib/darkwatch/frontier.db: timeout (data dir /srv/dw/data)")
	}
	var got api.MarketsResponse
	e.getJSON(t, "/api/v1/markets", bearer(analystToken), 200, &got)
	if strings.Contains(got.Frontier, "/var/lib") || strings.Contains(got.Frontier, "/srv") || !strings.Contains(got.Frontier, "timeout") {
		t.Errorf("frontier: got %q, want the reason without server paths", got.Frontier)
	}
}
