package testbed

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Stats are the request statistics served at /_testbed/stats.
type Stats struct {
	Requests       int64            `json:"requests"`
	PerURL         map[string]int64 `json:"per_url"`
	PerHost        map[string]int64 `json:"per_host"`
	MaxConcurrency map[string]int64 `json:"max_concurrency"` // per host, observed
	Log            []LogEntry       `json:"log,omitempty"`   // first MaxLog requests
}

// LogEntry is one served request.
type LogEntry struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Host   string    `json:"host"`
	URL    string    `json:"url"`
	Status int       `json:"status"`
}

// MaxLog bounds the request log kept for /_testbed/stats.
const MaxLog = 100000

type stats struct {
	mu      sync.Mutex
	total   int64
	perURL  map[string]int64
	perHost map[string]int64
	inFl    map[string]int64
	maxC    map[string]int64
	log     []LogEntry
}

func newStats() *stats {
	return &stats{perURL: map[string]int64{}, perHost: map[string]int64{}, inFl: map[string]int64{}, maxC: map[string]int64{}}
}

func (s *stats) begin(host, u string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	s.perURL[u]++
	s.perHost[host]++
	s.inFl[host]++
	c := s.inFl[host]
	if c > s.maxC[host] {
		s.maxC[host] = c
	}
	return c
}

func (s *stats) end(e LogEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFl[e.Host]--
	if len(s.log) < MaxLog {
		s.log = append(s.log, e)
	}
}

func (s *stats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Requests: s.total, PerURL: map[string]int64{}, PerHost: map[string]int64{}, MaxConcurrency: map[string]int64{}}
	for k, v := range s.perURL {
		out.PerURL[k] = v
	}
	for k, v := range s.perHost {
		out.PerHost[k] = v
	}
	for k, v := range s.maxC {
		out.MaxConcurrency[k] = v
	}
	out.Log = append([]LogEntry(nil), s.log...)
	sort.SliceStable(out.Log, func(i, j int) bool { return out.Log[i].Start.Before(out.Log[j].Start) })
	return out
}

// Stats returns the request statistics so far.
func (w *World) Stats() Stats { return w.st().snapshot() }

func (w *World) st() *stats {
	w.statsOnce.Do(func() { w.stats = newStats() })
	return w.stats
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(c int) {
	if r.status == 0 {
		r.status = c
	}
	r.ResponseWriter.WriteHeader(c)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.ResponseWriter.Write(b)
}

// Handler serves every market, routed by the Host header (the market's onion host), and
// /_testbed/stats on any other host.
func (w *World) Handler() http.Handler {
	return http.HandlerFunc(w.serveHTTP)
}

func (w *World) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	m := w.byHost[host]
	if m == nil {
		if r.URL.Path == "/_testbed/stats" {
			rw.Header().Set("Content-Type", "application/json")
			json.NewEncoder(rw).Encode(w.Stats())
			return
		}
		if r.URL.Path == "/_testbed/truth" {
			rw.Header().Set("Content-Type", "application/json")
			json.NewEncoder(rw).Encode(w.Truth())
			return
		}
		http.Error(rw, "testbed: unknown host "+host, http.StatusMisdirectedRequest)
		return
	}
	u := "http://" + host + r.URL.RequestURI()
	st := w.st()
	conc := st.begin(host, u)
	rec := &statusRecorder{ResponseWriter: rw}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			w.log.Error("testbed_panic", "url", u, "err", fmt.Sprint(p))
			if rec.status == 0 {
				http.Error(rec, "internal error", http.StatusInternalServerError)
			}
		}
		st.end(LogEntry{Start: start, End: time.Now(), Host: host, URL: u, Status: rec.status})
	}()
	if w.opts.Faults != FaultsNone {
		if w.serveFault(rec, r, m, conc) {
			return
		}
	}
	if w.opts.Traps && w.serveTrap(rec, r, m) {
		return
	}
	if m.family == FamilyVault {
		if g := w.vaultGuard(m, r.URL.RequestURI()); g != nil {
			w.writePage(rec, r, g)
			return
		}
	}
	p := w.render(m, r)
	if w.opts.Traps && (p.ctype == "" || strings.HasPrefix(p.ctype, "text/html")) {
		w.addTrapLinks(m, r.URL.Path, p)
	}
	if w.opts.Faults == FaultsHostile && r.URL.Path == "/" {
		var links strings.Builder
		links.WriteString(`<div class="footer-links">`)
		for _, t := range Traps {
			fmt.Fprintf(&links, `<a href="%s">%s</a> `, strings.ReplaceAll(t, "&", "&amp;"), t)
		}
		links.WriteString("</div></body>")
		p.body = []byte(strings.Replace(string(p.body), "</body>", links.String(), 1))
	}
	if w.opts.Faults == FaultsHostile && r.URL.Path != "/" && h64(w.opts.Seed, "malformed", r.URL.Path)%8 == 0 {
		p.body = malform(p.body)
	}
	w.writePage(rec, r, p)
}

func (w *World) render(m *market, r *http.Request) *page {
	path, q := r.URL.Path, r.URL.Query()
	switch m.family {
	case FamilyRUShop:
		return w.ruPage(m, path, q)
	case FamilyForum:
		return w.forumPage(m, path, q)
	case FamilyShop:
		return w.shopPage(m, path, q)
	case FamilyGrid:
		return w.variant(m, r.URL.RequestURI(), w.gridPage(m, path, q))
	case FamilyTabs:
		return w.variant(m, r.URL.RequestURI(), w.tabsPage(m, path, q))
	case FamilyStore:
		return w.variant(m, r.URL.RequestURI(), w.storePage(m, path, q))
	case FamilyVault:
		return w.variant(m, r.URL.RequestURI(), w.vaultPage(m, path, q))
	}
	return w.classicPage(m, path, q)
}

// Page renders one page for tests without HTTP: market name, path and query.
// It returns the status code, the content type and the body.
func (w *World) Page(marketName, pathAndQuery string) (int, string, []byte, error) {
	for _, m := range w.markets {
		if m.info.Name == marketName {
			req, err := http.NewRequest("GET", m.info.URL+strings.TrimPrefix(pathAndQuery, "/"), nil)
			if err != nil {
				return 0, "", nil, fmt.Errorf("testbed page %s: %w", pathAndQuery, err)
			}
			p := w.render(m, req)
			ct := p.ctype
			if ct == "" {
				ct = "text/html; charset=utf-8"
			}
			return p.status, ct, p.body, nil
		}
	}
	return 0, "", nil, fmt.Errorf("testbed: no market %q", marketName)
}

func (w *World) writePage(rw http.ResponseWriter, r *http.Request, p *page) {
	ct := p.ctype
	if ct == "" {
		ct = "text/html; charset=utf-8"
	}
	rw.Header().Set("Content-Type", ct)
	for k, v := range p.headers {
		rw.Header().Set(k, v)
	}
	if p.status == 0 {
		p.status = 200
	}
	rw.WriteHeader(p.status)
	if r.Method != http.MethodHead {
		w.writeBody(rw, r, p.body)
	}
}

// malform makes a page deeply nested and sloppy without changing its text: 300 unclosed
// divs after <body>, stray end tags and a table cell outside any table.
func malform(body []byte) []byte {
	junk := strings.Repeat(`<div class="w">`, 300) + `</table></td><td>` + "\n"
	s := strings.Replace(string(body), "<body>", "<body>"+junk, 1)
	s = strings.Replace(s, "</body></html>", "</span></p>", 1)
	return []byte(s)
}
