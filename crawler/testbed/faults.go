package testbed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Onion fault parameters (before TimeScale).
const (
	ConnectMedian    = 2500 * time.Millisecond // median stream setup to an onion service
	ConnectP99       = 60 * time.Second        // 99th percentile of stream setup
	FirstByteMedian  = 400 * time.Millisecond  // median server think time
	FirstByteP99     = 8 * time.Second
	BandwidthBPS     = 64 << 10 // per-stream cap in bytes/s (divided by TimeScale)
	ConnectFailPct   = 6        // % of CONNECTs failing with an ExtendedErrors code
	OutagePeriod     = 30 * time.Minute
	OutageLength     = 3 * time.Minute
	BigPageBytes     = 50 << 20  // the 50 MB page
	GzipBombExpanded = 256 << 20 // decompressed size of the gzip bomb
	NestDepth        = 100000    // nesting depth of the deeply nested page
)

// faultCodes are the codes that have a FaultHost.
var faultCodes = []byte{SocksGeneralFailure, SocksHostUnreachable, SocksTTLExpired,
	SocksOnionDescNotFound, SocksOnionDescInvalid, SocksOnionIntroFailed, SocksOnionRendFailed,
	SocksOnionMissingAuth, SocksOnionWrongAuth, SocksOnionBadAddress, SocksOnionIntroTimeout}

// FaultHost returns an onion host name (with ".onion") on which every SOCKS CONNECT is
// answered with the given reply code, in every fault mode. It is a well-formed v3 address
// that is not one of the markets; it does not depend on the seed.
func FaultHost(code byte) string {
	return newOnionKey("fault-host", code).addr + ".onion"
}

type faultState struct {
	once     sync.Once
	start    time.Time
	mu       sync.Mutex
	attempts map[string]int // CONNECT attempts per host
	hits     map[string]int // requests per URL
	codeOf   map[string]byte
	bomb     []byte
	bombOnce sync.Once
}

func (w *World) fs() *faultState {
	f := &w.faults
	f.once.Do(func() {
		f.start = time.Now()
		f.attempts = map[string]int{}
		f.hits = map[string]int{}
		f.codeOf = map[string]byte{}
		for _, c := range faultCodes {
			f.codeOf[FaultHost(c)] = c
		}
	})
	return f
}

func (w *World) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * w.opts.TimeScale)
}

// lognormal returns the q-quantile (q in (0,1)) of a log-normal with the given median and p99.
func lognormal(q float64, median, p99 time.Duration) time.Duration {
	mu := math.Log(float64(median))
	sigma := math.Log(float64(p99)/float64(median)) / 2.326348
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	return time.Duration(math.Exp(mu + sigma*z))
}

func unit(h uint64) float64 { return (float64(h>>11) + 0.5) / (1 << 53) }

// inOutage reports whether host is in a scheduled outage now (onion faults): every
// OutagePeriod (scaled), hosts with an odd market index are down for OutageLength.
func (w *World) inOutage(host string) bool {
	m := w.byHost[host]
	if m == nil || m.idx%2 == 0 {
		return false
	}
	period, length := w.scale(OutagePeriod), w.scale(OutageLength)
	if period <= 0 {
		return false
	}
	offset := time.Duration(h64(w.opts.Seed, "outage", host) % uint64(period))
	el := (time.Since(w.fs().start) + offset) % period
	return el < length
}

// connectFault returns the SOCKS reply code for a CONNECT to host (0 = success).
func (w *World) connectFault(host, user string) byte {
	f := w.fs()
	if c, ok := f.codeOf[host]; ok {
		return c
	}
	if w.opts.Faults == FaultsNone {
		return SocksSucceeded
	}
	m, ok := w.byHost[host]
	if !ok {
		return SocksSucceeded // caller answers unknown hosts
	}
	if m.info.Unreachable {
		return SocksOnionDescNotFound
	}
	if w.inOutage(host) {
		return SocksOnionIntroFailed
	}
	f.mu.Lock()
	n := f.attempts[host]
	f.attempts[host]++
	f.mu.Unlock()
	h := h64(w.opts.Seed, "connect", host, n)
	if h%100 < ConnectFailPct {
		return []byte{SocksOnionDescNotFound, SocksOnionIntroFailed, SocksOnionRendFailed, SocksTTLExpired}[(h/100)%4]
	}
	return SocksSucceeded
}

// connectDelay is the simulated circuit and rendezvous setup time for a new stream.
func (w *World) connectDelay(host string) time.Duration {
	if w.opts.Faults == FaultsNone {
		return 0
	}
	f := w.fs()
	f.mu.Lock()
	n := f.attempts[host]
	f.mu.Unlock()
	q := unit(h64(w.opts.Seed, "latency", host, n))
	return w.scale(lognormal(q, ConnectMedian, ConnectP99))
}

// ConnectLatencyQuantile is the configured stream setup latency at quantile q (scaled),
// for benchmarks comparing measured and configured distributions.
func (w *World) ConnectLatencyQuantile(q float64) time.Duration {
	return w.scale(lognormal(q, ConnectMedian, ConnectP99))
}

func (w *World) hit(u string) int {
	f := w.fs()
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.hits[u]
	f.hits[u]++
	return n
}

// serveFault answers the request with a fault when the world's fault mode says so, and
// reports whether it did.
func (w *World) serveFault(rw http.ResponseWriter, r *http.Request, m *market, conc int64) bool {
	u := m.info.Host + r.URL.RequestURI()
	n := w.hit(u)
	// first-byte delay
	q := unit(h64(w.opts.Seed, "ttfb", u, n))
	d := w.scale(lognormal(q, FirstByteMedian, FirstByteP99))
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return true
	}
	if w.opts.Faults != FaultsHostile {
		return false
	}
	if conc > int64(w.opts.HostileConcurrency) {
		rw.Header().Set("Retry-After", "2")
		http.Error(rw, "429 Too Many Requests: slow down", http.StatusTooManyRequests)
		return true
	}
	path := r.URL.Path
	if path == "/login" {
		if r.Method == http.MethodPost {
			// any credentials work: the market hands out the session cookie of the truth
			name, value, _ := strings.Cut(m.cookie, "=")
			http.SetCookie(rw, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true})
			next := r.URL.Query().Get("next")
			if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
				next = "/"
			}
			http.Redirect(rw, r, next, http.StatusFound)
			return true
		}
		w.writePage(rw, r, loginPage(m, r))
		return true
	}
	if !hasCookie(r, m.cookie) {
		http.Redirect(rw, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
		return true
	}
	h := h64(w.opts.Seed, "hostile", u, n) % 100
	switch {
	case h < 3:
		w.writePage(rw, r, queuePage(m, r))
		return true
	case h < 5:
		w.writePage(rw, r, captchaPage(m, r))
		return true
	}
	switch {
	case path == "/calendar":
		w.writePage(rw, r, calendarPage(r))
		return true
	case path == "/archive":
		p := pageOf(r.URL.Query())
		w.writePage(rw, r, &page{status: 200, body: fmt.Appendf(nil, `<!DOCTYPE html><html><body><h1>Archive page %d</h1><a href="/archive?page=%d">Older posts</a></body></html>`, p, p+1)})
		return true
	case path == "/r/a":
		http.Redirect(rw, r, "/r/b", http.StatusFound)
		return true
	case path == "/r/b":
		http.Redirect(rw, r, "/r/a", http.StatusFound)
		return true
	case path == "/dump/big":
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Header().Set("Content-Length", fmt.Sprint(BigPageBytes))
		rw.WriteHeader(200)
		chunk := bytes.Repeat([]byte("<p>lorem ipsum dolor sit amet mirror list</p>\n"), 1024)
		left := BigPageBytes
		for left > 0 && r.Context().Err() == nil {
			k := min(left, len(chunk))
			if _, err := rw.Write(chunk[:k]); err != nil {
				break
			}
			left -= k
		}
		return true
	case path == "/dump/bomb":
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Header().Set("Content-Encoding", "gzip")
		rw.WriteHeader(200)
		rw.Write(w.gzipBomb())
		return true
	case path == "/dump/nested":
		var b bytes.Buffer
		b.WriteString("<!DOCTYPE html><html><body>")
		for range NestDepth {
			b.WriteString("<div>")
		}
		b.WriteString("deep")
		w.writePage(rw, r, &page{status: 200, body: b.Bytes()})
		return true
	case path == "/dump/malformed":
		w.writePage(rw, r, &page{status: 200, body: []byte(`<html><head><title>broken<body><div class="x><a href="/listing/<>">bad</a><table><tr><td>1<td>2</tr></tr></table><p <b>unclosed <i>tags <script>document.write("</scr"+"ipt>")` + "\x00\xff\xfe")})
		return true
	}
	return false
}

// Traps are the paths of hostile pages every market links from its front page with hostile
// faults: infinite calendar and pagination, a redirect loop, a 50 MB page, a gzip bomb,
// deeply nested and malformed HTML.
var Traps = []string{"/calendar?date=2026-01-01", "/archive?page=1", "/r/a", "/dump/big", "/dump/bomb", "/dump/nested", "/dump/malformed"}

func hasCookie(r *http.Request, want string) bool {
	name, value, _ := strings.Cut(want, "=")
	c, err := r.Cookie(name)
	return err == nil && c.Value == value
}

func loginPage(m *market, r *http.Request) *page {
	return &page{status: 200, body: fmt.Appendf(nil, `<!DOCTYPE html><html><head><title>Login | %s</title></head><body><div class="login"><h1>Please log in</h1>
<form method="post" action="/login?next=%s"><input name="username" placeholder="Username"><input type="password" name="password" placeholder="Password"><img src="/captcha.png" alt="captcha"><input name="captcha"><button type="submit">Login</button></form>
<p>No account? <a href="/register">Register</a></p></div></body></html>`, esc(m.info.Name), esc(url.QueryEscape(r.URL.Query().Get("next"))))}
}

func queuePage(m *market, r *http.Request) *page {
	return &page{status: 503, headers: map[string]string{"Retry-After": "5", "Refresh": "5"}, body: fmt.Appendf(nil, `<!DOCTYPE html><html><head><title>DDoS protection - queue</title><meta http-equiv="refresh" content="5"></head><body><div class="queue"><h1>You are in the queue</h1><p>Due to a DDoS attack on %s you have been placed in a queue. Estimated wait: 5 seconds. Do not refresh.</p><div class="position">Position in queue: 137</div></div></body></html>`, esc(m.info.Name))}
}

func captchaPage(m *market, r *http.Request) *page {
	return &page{status: 200, body: fmt.Appendf(nil, `<!DOCTYPE html><html><head><title>Security check</title></head><body><div class="captcha"><h1>Security check</h1><p>Prove you are human to continue to %s.</p><form method="post" action="/captcha"><img src="/captcha.png?c=1" alt="captcha"><input name="captcha" placeholder="Enter the characters"><button>Verify</button></form></div></body></html>`, esc(m.info.Name))}
}

func calendarPage(r *http.Request) *page {
	day, err := time.Parse("2006-01-02", r.URL.Query().Get("date"))
	if err != nil {
		day = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	prev, next := day.AddDate(0, 0, -1).Format("2006-01-02"), day.AddDate(0, 0, 1).Format("2006-01-02")
	return &page{status: 200, body: fmt.Appendf(nil, `<!DOCTYPE html><html><body><h1>Events on %s</h1><p>No events.</p><a href="/calendar?date=%s">&laquo; %s</a> <a href="/calendar?date=%s">%s &raquo;</a></body></html>`, day.Format("2006-01-02"), prev, prev, next, next)}
}

func (w *World) gzipBomb() []byte {
	f := w.fs()
	f.bombOnce.Do(func() {
		// One gzip member of 1 MiB of zeros, repeated: a multi-member gzip stream (RFC 1952)
		// that expands to GzipBombExpanded; cheap to build.
		var one bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&one, gzip.BestCompression)
		zw.Write(make([]byte, 1<<20))
		zw.Close()
		f.bomb = bytes.Repeat(one.Bytes(), GzipBombExpanded>>20)
	})
	return f.bomb
}

// writeBody writes a page body, throttled to the per-stream bandwidth cap with onion faults.
func (w *World) writeBody(rw http.ResponseWriter, r *http.Request, body []byte) {
	if w.opts.Faults == FaultsNone {
		rw.Write(body)
		return
	}
	bps := float64(BandwidthBPS) / w.opts.TimeScale
	const chunk = 16 << 10
	for off := 0; off < len(body); off += chunk {
		end := min(off+chunk, len(body))
		if _, err := rw.Write(body[off:end]); err != nil {
			return
		}
		if end < len(body) {
			d := time.Duration(float64(end-off) / bps * float64(time.Second))
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
	}
}
