package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
)

// Roles.
const (
	RoleAnalyst = "analyst"
	RoleAdmin   = "admin"
)

// OpenAPI is the OpenAPI 3 document of the JSON API (served at /api/v1/openapi.yaml).
//
//go:embed openapi.yaml
var OpenAPI []byte

// User may log in to the web UI (and the API, through a session).
type User struct {
	Name         string
	Role         string // RoleAnalyst or RoleAdmin
	PasswordHash string // bcrypt
}

// Token is an API token: programs send it as "Authorization: Bearer <token>".
type Token struct {
	Name      string
	Role      string
	TokenHash string // "sha256:<hex>" of the token
}

// AlertSource is where the API lists and acknowledges alerts: the local alert log
// (*alert.Log, through a small adapter that filters with alert.Query.Select) or the
// Elasticsearch archive (*alert.Archive) that every crawl process of a cluster feeds, which
// answers the query in the index. Search returns the newest q.Limit alerts matching q,
// newest first (raised time, then id, both descending), and how many match in all; both
// sources answer alike (alert.Query.Select is the reference). Errors wrapping
// alert.ErrNotFound become 404, errors wrapping ErrUnavailable 503.
type AlertSource interface {
	Search(ctx context.Context, q alert.Query) (alerts []alert.Alert, total int, err error)
	Ack(ctx context.Context, id string, at time.Time) (alert.Alert, error)
}

var _ AlertSource = (*alert.Archive)(nil)

// MarketSource reports crawl status per market (from the crawl frontier). The API merges
// it with what the index knows (listings per market, last seen). An error wrapping
// ErrSnapshot comes with statuses from the crawl's last snapshot, shown as they are; with
// any other error the markets are "unknown" and the error says why.
type MarketSource interface {
	MarketStatus(ctx context.Context) ([]MarketStatus, error)
}

// Options configures a Server. Zero values mean defaults, except Store.
type Options struct {
	Store   index.Store  // required
	Alerts  AlertSource  // nil: the alerts endpoints answer 503
	Markets MarketSource // nil: market status "unknown"
	Users   []User
	Tokens  []Token
	// AuditPath is the audit log file (JSONL, appended, fsynced). Required.
	AuditPath string
	// SessionTTL is the lifetime of a login session (default 12h).
	SessionTTL time.Duration
	// SecureCookies sets the Secure flag on the session cookie (set it behind a TLS proxy;
	// without it the flag is set when the request came over TLS, directly or as a trusted
	// proxy says in X-Forwarded-Proto).
	SecureCookies bool
	// AllowedHosts are the host names or addresses (no port) a request's Host header may
	// name; any other gets 421 (DNS rebinding). Empty: localhost, 127.0.0.1 and ::1. "*"
	// allows any host. /healthz is not checked (probes use the pod's address).
	AllowedHosts []string
	// TrustedProxies are the peers allowed to say who the client is (X-Forwarded-For, and
	// X-Forwarded-Proto for Secure cookies). Empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// Login bounds password guessing (zero values: defaults).
	Login LoginLimits
	// AuditOnError is what happens to a request whose audit entry cannot be written:
	// AuditRefuse (default: 503, except an admin reading /api/v1/audit or /api/v1/me) or
	// AuditDegrade (served, logged and counted). /healthz and auth events never wait on it.
	AuditOnError string
	// AuditUnauthenticated is how many unauthenticated audit entries (bad credentials,
	// failed or throttled logins) one client address may write per minute (default 20);
	// the rest are counted in one "suppressed" entry.
	AuditUnauthenticated int
	// Registerer receives the server's metrics (darkwatch_api_*); nil: not registered.
	Registerer prometheus.Registerer
	// MaxPage is the largest page size of a search (default 1000).
	MaxPage int
	Logger  *slog.Logger     // nil: discard
	Now     func() time.Time // default time.Now
}

// Server is the HTTP API and web UI. Create it with New, serve Handler, Close when done.
type Server struct {
	opts    Options
	log     *slog.Logger
	auth    *authenticator
	audit   *AuditLog
	noise   *noise
	metrics *metrics
	proxies proxies
	hosts   map[string]bool
	handler http.Handler
	markets *marketCache
	// auditWrap, when set (tests), wraps the audit file.
	auditWrap func(auditFile) auditFile
}

// New validates opts and opens the audit log.
func New(opts Options) (*Server, error) { return newServer(opts, nil) }

// newServer is New with the audit file wrapped (tests make it fail).
func newServer(opts Options, auditWrap func(auditFile) auditFile) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("api: Options.Store is required")
	}
	if opts.AuditPath == "" {
		return nil, errors.New("api: Options.AuditPath is required")
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.MaxPage <= 0 {
		opts.MaxPage = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch opts.AuditOnError {
	case "":
		opts.AuditOnError = AuditRefuse
	case AuditRefuse, AuditDegrade:
	default:
		return nil, fmt.Errorf("api: Options.AuditOnError: %q is not %q or %q", opts.AuditOnError, AuditRefuse, AuditDegrade)
	}
	if opts.AuditUnauthenticated <= 0 {
		opts.AuditUnauthenticated = 20
	}
	hosts := map[string]bool{}
	for _, h := range opts.AllowedHosts {
		hosts[strings.ToLower(strings.Trim(h, "[]"))] = true
	}
	if len(hosts) == 0 {
		hosts = map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	}
	au, err := newAuthenticator(opts.Users, opts.Tokens, opts.SessionTTL, opts.Login, opts.Now)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("api: metrics: %w", err)
	}
	s := &Server{opts: opts, log: log, auth: au, metrics: m, proxies: opts.TrustedProxies, hosts: hosts,
		noise: newNoise(opts.AuditUnauthenticated, time.Minute, au.limit.lim.MaxTracked), auditWrap: auditWrap}
	s.markets = &marketCache{src: opts.Markets, ttl: 10 * time.Second, now: opts.Now}
	s.handler = s.routes()
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

// open opens the audit log, its outcomes feeding the metrics.
func (s *Server) open() error {
	audit, err := openAuditLog(s.opts.AuditPath, s.auditWrap, func(n int, err error) {
		if err != nil {
			s.metrics.auditErrors.Add(float64(n))
			s.metrics.auditFailing.Set(1)
		} else {
			s.metrics.auditFailing.Set(0)
		}
	})
	if err != nil {
		return err
	}
	s.audit = audit
	return nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close writes the pending summaries of suppressed events and closes the audit log. It is
// idempotent. It does not close the Store.
func (s *Server) Close() error {
	for _, e := range s.noise.flush(s.opts.Now()) {
		// A deliberate shutdown flush: the writer answers every append, so it is bounded.
		if err := s.audit.Append(context.Background(), e); err != nil && !errors.Is(err, ErrAuditClosed) {
			s.log.Error("audit_failed", "event", e.Event, "err", err)
		}
	}
	return s.audit.Close()
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// No authentication.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))

	api := func(pattern string, role string, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.authed(role, true, h))
	}
	api("GET /api/v1/search", RoleAnalyst, s.search)
	api("GET /api/v1/listings/{id...}", RoleAnalyst, s.listing)
	api("GET /api/v1/vendors/{id...}", RoleAnalyst, s.vendor)
	api("GET /api/v1/actors/{id...}", RoleAnalyst, s.actor)
	api("GET /api/v1/alerts", RoleAnalyst, s.alerts)
	api("POST /api/v1/alerts/{id}/ack", RoleAnalyst, s.ack)
	api("GET /api/v1/markets", RoleAnalyst, s.marketsStatus)
	api("GET /api/v1/audit", RoleAdmin, s.auditList)
	api("GET /api/v1/me", RoleAnalyst, s.me)
	api("GET /api/v1/openapi.yaml", RoleAnalyst, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/yaml")
		_, err := w.Write(OpenAPI)
		return err
	})
	mux.Handle("/api/", s.authed(RoleAnalyst, true, func(w http.ResponseWriter, r *http.Request) error {
		return httpError{http.StatusNotFound, "no such endpoint: " + r.Method + " " + r.URL.Path}
	}))
	mux.Handle("POST /logout", s.authed(RoleAnalyst, false, s.logout))
	for _, p := range uiPages {
		mux.Handle("GET "+p.path, s.authed(p.role, false, s.page(p)))
	}
	return s.secure(mux)
}

// secure sets the security headers on every response, recovers handler panics, and
// rejects a Host outside the allowed hosts (421) and a query string that does not parse
// (400 naming the parameter) before any handler sees the request.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler_panic", "path", r.URL.Path, "err", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
			}
		}()
		if r.URL.Path != "/healthz" && !s.allowedHost(r.Host) {
			writeJSON(w, http.StatusMisdirectedRequest, errorBody{"host: this server does not answer for " +
				strconv.Quote(clipString(r.Host, 256)) + " (serve.allowed_hosts)"})
			return
		}
		if err := checkQuery(r.URL.RawQuery); err != nil {
			s.writeErr(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ErrUnavailable marks a source that cannot answer now (an alert log held by a running
// crawl...): the API answers 503 with the error's text.
var ErrUnavailable = errors.New("unavailable")

// httpError is an error with a status code and a message safe to show the client.
type httpError struct {
	code int
	msg  string
}

func (e httpError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return httpError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

type errorBody struct {
	Error string `json:"error"`
}

// writeErr maps err to a status and a JSON body {"error": "..."}.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var he httpError
	switch {
	case errors.As(err, &he):
		writeJSON(w, he.code, errorBody{he.msg})
	case errors.Is(err, index.ErrNotFound), errors.Is(err, alert.ErrNotFound):
		writeJSON(w, http.StatusNotFound, errorBody{"not found"})
	case errors.Is(err, ErrUnavailable):
		writeJSON(w, http.StatusServiceUnavailable, errorBody{err.Error()})
	case errors.Is(err, index.ErrBadQuery):
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
	case errors.Is(err, context.Canceled):
		// client went away
	default:
		s.log.Error("request_failed", "path", r.URL.Path, "err", err)
		code := http.StatusInternalServerError
		if errors.Is(err, index.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, errorBody{http.StatusText(code)})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w) // escapes <, >, & as \u003c...: safe if ever sniffed as HTML
	_ = enc.Encode(v)
}

// allowedHost reports whether the Host header names this server.
func (s *Server) allowedHost(host string) bool {
	if s.hosts["*"] {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return s.hosts[strings.ToLower(strings.Trim(host, "[]"))]
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	audit := "ok"
	if !s.audit.State().OK {
		audit = "failing" // the index answers: health is about it; the audit state is shown
	}
	if _, err := s.opts.Store.Search(ctx, index.Query{Size: 1, Sort: index.SortID}); err != nil {
		s.log.Warn("healthz_failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "audit": audit})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "audit": audit})
}

// drain discards a request body (bounded) so keep-alive connections can be reused.
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16)) }
